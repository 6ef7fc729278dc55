// GUEST_OPEN: what berthd needs to talk to a guest's own systemd (login, shell through PAM). A short-lived helper
// enters the container's namespaces as its root, connects to a unix socket there (/run/systemd/private) and, when
// asked, opens a new pty of the container's devpts; the connected socket and the pty master come back to berthd.
// The guest's systemd sees its own root as the peer (SO_PEERCRED is taken at connect time), which is what lets
// berthd, whose uid is not mapped in the container, act as the guest's root there.
#pragma once

#include <string>

#include "base/error.h"
#include "base/unique_fd.h"

namespace berth::spawn {

struct GuestOpen {
    UniqueFd socket;
    UniqueFd pty_master;   // only when a pty was asked for
    int pts = -1;          // its number in the container's /dev/pts
};

// Blocks the supervisor for the helper's few syscalls (bounded by a 5 s timeout).
Result<GuestOpen> open_in_guest(const std::string& path, bool pty, int leader_pidfd);

}  // namespace berth::spawn
