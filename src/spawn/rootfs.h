// The container's file system view, built by the payload child inside its new mount namespace (it runs as root of
// the container's user namespace): the rootfs mount berth-spawn prepared, a fresh /proc and read-only /sys,
// a tmpfs /dev with only safe nodes, devpts, /run, the cgroup mount, then pivot_root into it.
// Nothing here touches the host's mount namespace: the first step makes every mount private.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/error.h"

namespace berth::spawn {

struct RootPlan {
    std::string console_path;   // host path of the console pty slave, bound over /dev/console
    gid_t tty_gid = 0;          // the image's tty group, for devpts' gid= option
    bool has_tty_gid = false;
    bool unified_cgroup_host = false;   // host mounts only cgroup2 at /sys/fs/cgroup
    bool overlay = false;               // the rootfs mount is a read-only lower layer under a tmpfs upper
};

// Read the image's tty group from ROOTFS/etc/group (host side, before clone).
bool find_tty_gid(const std::string& rootfs, gid_t* gid);
// Is the host's /sys/fs/cgroup a cgroup2 mount (unified-only)?
bool host_is_unified_cgroup();

// Attach the detached rootfs mount (rootfs_fd, from open_tree) and set everything up around it, then pivot_root.
// On return, / is the container's root and the host's root is gone from this mount namespace.
Result<> setup_container_root(const RootPlan& plan, int rootfs_fd);

}  // namespace berth::spawn
