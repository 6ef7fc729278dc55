// Signal every process of a container's payload (PID 1 and everything below it), but not its supervisor: the
// scope holds both, so systemd's KillUnit(all) would also hit berth-spawn, which must survive to report how the
// container ended.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/error.h"

namespace berth {

// The payload cgroup's directory on this host, found from the leader's /proc/PID/cgroup (read from the daemon's
// cgroup namespace, so the path is absolute): cgroup2 at /sys/fs/cgroup or /sys/fs/cgroup/unified, else the
// name=systemd v1 hierarchy.
Result<std::string> payload_cgroup_dir(pid_t leader, const std::string& cgroup_root = "/sys/fs/cgroup");

// The payload cgroup of a container's scope (machine.slice/UNIT/payload) in the hierarchy that tracks
// processes: cgroup2 at /sys/fs/cgroup or /sys/fs/cgroup/unified, else v1's name=systemd. Derived from the unit,
// never from a pid that may have been reused.
std::string unit_payload_cgroup_dir(const std::string& unit, const std::string& cgroup_root = "/sys/fs/cgroup");

// Send `signal` to every process listed in `dir` (a payload cgroup) and its children; repeated until a pass
// finds no process it has not signalled yet, so a fork racing the first pass is caught too.
Result<> signal_cgroup_tree(const std::string& dir, int signal);

}  // namespace berth
