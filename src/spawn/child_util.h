// Small helpers for forked children of berth-spawn (payload and exec helpers): they run in a copy of a
// single-threaded process, reset what the supervisor changed, and report failures back before exiting.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/error.h"

namespace berth::spawn {

// clone3() without a stack (fork semantics) plus namespace flags; *pidfd receives a pidfd of the child.
// Returns the child's pid in the parent, 0 in the child, -1 with errno on failure.
// clone3 like fork (pidfd optional). With cgroup_fd (a cgroup2 directory) the child is born in that cgroup:
// CLONE_INTO_CGROUP needs no migration, so it does not wait for the RCU grace period that a write to
// cgroup.procs costs.
pid_t clone_with_pidfd(uint64_t flags, int* pidfd, int cgroup_fd = -1);

// Undo the supervisor's signal setup (blocked SIGCHLD/SIGTERM/SIGINT for signalfd, ignored SIGPIPE) so the
// exec'd program starts with the defaults.
void reset_signals();

// Become root of the user namespace we just entered (uid/gid 0 inside, no supplementary groups).
Result<> become_namespace_root();

// Report a failure on the child's status socket as "ERR reason code message", then _exit(127).
[[noreturn]] void child_fail(int sock, const char* reason, const Error& error);

// Write text into an existing file (proc and cgroup files).
Result<> write_text_file(const std::string& path, const std::string& text);

uint64_t realtime_usec();

}  // namespace berth::spawn
