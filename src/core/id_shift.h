// The one-time uid/gid shift of a container root, for file systems that refuse idmapped mounts.
#pragma once

#include <cstdint>
#include <string>

#include "base/error.h"

namespace berth {

// Add `base` to the owner and group of every entry below (and including) `root`: walked with openat/fstatat,
// never following symlinks and never crossing into another mount.
//
// - Ids the container cannot map (>= size) become base + 65534 (nobody inside), which is also what an idmapped
//   mount would show for them; an id landing in another container's range would be a hole.
// - Ids already inside [base, base + size) are left alone, so an interrupted shift can simply be run again.
// - chown clears setuid/setgid: the mode is restored afterwards.
// - chown also makes the kernel drop security.capability: it is rewritten as a v3 (namespaced) capability whose
//   root id is base, so file capabilities (ping's cap_net_raw) keep working for the container's root and for
//   nobody else. Where the file system cannot store it, it is dropped.
// - Named users and groups in POSIX ACLs (system.posix_acl_access/default) are shifted the same way.
Result<> shift_tree_ids(const std::string& root, uint32_t base, uint32_t size = 65536);

}  // namespace berth
