// What every process that enters the container gets before exec: the capability bounding set and the seccomp filter
// of systemd-nspawn's defaults, a clean environment, and a PATH lookup done inside the container's root.
// Runs in forked children of the single-threaded berth-spawn, right before exec.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"

namespace berth::spawn {

// Drop every capability outside the container set (nspawn's default) from the bounding set, and from this
// process's own sets.
Result<> apply_capabilities();

// Compile the seccomp filter below into BPF once (in a throwaway child) for this process and the children it forks
// afterwards, so that starting the payload and every exec only load it. The supervisor calls it while systemd
// creates the scope.
Result<> prepare_seccomp();

// Load the deny-list: EPERM for kexec, modules, swap, keyrings, bpf, perf, clock setting, raw I/O, ...; reboot stays
// allowed (in a pid namespace it is how the guest reboots or powers off). Audit netlink sockets fail with
// EAFNOSUPPORT so guest tools see "audit disabled".
Result<> apply_seccomp();

// The environment of a process in the container: PATH, container=berth, HOME=/root, TERM when on a tty, then
// the caller's KEY=VALUE pairs (which override).
std::vector<std::string> container_environment(const std::vector<std::string>& extra, bool tty);

// execve argv[0] (looked up in the container PATH when it has no slash). Returns only on failure, with the errno
// of the most telling attempt (ENOENT when not found anywhere).
int exec_in_container(const std::vector<std::string>& argv, const std::vector<std::string>& env);

// Candidate init programs of boot mode, in order.
const std::vector<std::string>& init_candidates();

}  // namespace berth::spawn
