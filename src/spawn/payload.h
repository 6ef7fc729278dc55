// Starting the container's PID 1 (the payload): clone into new user, mount, pid, uts, ipc and net namespaces, map
// root to the container's id range, move it into the payload cgroup, hand it the rootfs mount (idmapped, or a plain
// bind of a shifted tree), and let it set up its root, drop privileges and exec. Failures before the exec come back
// as a LaunchError with the protocol's reason (setup, exec, idmap-unsupported); the half-started child is killed.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "base/error.h"
#include "base/unique_fd.h"
#include "spawn/cgroups.h"
#include "spawn/console.h"
#include "spawn/start_config.h"

namespace berth::spawn {

struct Payload {
    pid_t pid = -1;             // as seen by berth-spawn
    UniqueFd pidfd;
    uint64_t started_usec = 0;  // CLOCK_REALTIME, when the exec succeeded
    // A reference to its mount namespace: tearing that down waits for an RCU grace period (ms), which would
    // otherwise happen in the dying init before we learn of its exit. We drop it after reporting.
    UniqueFd mount_ns;
};

struct LaunchError {
    Error error;
    std::string reason;   // "setup", "exec" or "idmap-unsupported" (spawn_protocol.h)
};

tl::expected<Payload, LaunchError> launch_payload(const StartConfig& config, const Console& console,
                                                  const CgroupSet& cgroups);

}  // namespace berth::spawn
