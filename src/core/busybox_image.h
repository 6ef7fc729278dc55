// The built-in image: a root file system made locally from a static busybox (Debian's busybox-static), so a
// fresh installation can run containers without any download.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace berth {

// Fill `root` (an existing, empty directory) with the busybox tree: the FHS skeleton, bin/busybox, a relative
// symlink per applet (from `busybox --list-full`), and the few /etc files a system needs (os-release, passwd,
// group, inittab, hostname, resolv.conf, profile). Files belong to whoever runs this (root: 0:0, unshifted).
// A missing or dynamically linked busybox fails with a message that says to install busybox-static.
Result<> build_busybox_tree(const std::string& busybox_path, const std::string& root);

// The relative symlink target of an applet path from `busybox --list-full`:
// "sbin/init" -> "../bin/busybox", "usr/bin/env" -> "../../bin/busybox". Empty for a path that is not a plain
// relative path (absolute, "..", empty components), which is then skipped.
std::string applet_link_target(std::string_view applet_path);

// "1.35.0" from "BusyBox v1.35.0 (Debian 1:1.35.0-4) multi-call binary."; empty if not found.
std::string busybox_version_from_banner(std::string_view banner);

}  // namespace berth
