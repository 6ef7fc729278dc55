// `exec --user USER|UID[:GID|:GROUP]`: who a command runs as, looked up in the container's own /etc/passwd and
// /etc/group. Never through glibc's NSS (getpwnam would load the container's libnss modules into a process that
// still holds host fds); the files are read inside the container's root by path resolution that cannot leave it,
// only when they are regular files, and at most 64 KiB of each.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace berth::spawn {

struct ExecUser {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;   // supplementary groups from /etc/group (the primary one included)
    std::string name;            // empty for a bare uid without a passwd entry
    std::string home = "/";
    std::string shell = "/bin/sh";
};

// Resolve `spec` against the text of passwd and group files (pure: no I/O; unit-tested).
// USER or UID: the passwd entry decides the group; UID:GID or USER:GROUP overrides it. A bare UID without an
// entry needs an explicit :GID. Ids must lie inside the container's 65536 ids. InvalidArgument otherwise.
Result<ExecUser> resolve_exec_user(std::string_view spec, std::string_view passwd, std::string_view group);

// Read /etc/passwd and /etc/group of the root we are in (the container's, after setns) and resolve `spec`.
Result<ExecUser> lookup_exec_user(std::string_view spec);

// Become the user: supplementary groups, gid, uid (all three ids). Capabilities go with the uid.
Result<> switch_to_user(const ExecUser& user);

// HOME, USER, LOGNAME and SHELL of the user, as login(1) would set them.
std::vector<std::string> user_environment(const ExecUser& user);

}  // namespace berth::spawn
