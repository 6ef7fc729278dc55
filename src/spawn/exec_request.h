// Running a command inside a running container (EXEC and SHELL requests on supervisor.sock).
// berth-spawn forks a helper that joins the payload cgroup and setns()es into all the container's namespaces
// through a pidfd of PID 1; the helper forks the command (which is then inside the pid namespace), reports its pid
// (and, for SHELL, the master of a pty opened inside the container) on a status socket, and exits with the
// command's status (code, or 128+signal). The status socket closes when the command has exec'd, or carries
// "ERR reason code message" when it could not start.
#pragma once

#include <sys/types.h>

#include <array>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "spawn/cgroups.h"

namespace berth::spawn {

struct ExecRequest {
    std::vector<std::string> args;   // SHELL with no args: /bin/sh -l
    std::vector<std::string> env;
    std::string cwd;                 // empty: / (a SHELL with a user: the user's home)
    std::string user;                // empty: root; else USER|UID[:GID|:GROUP] (see exec_user.h)
    bool shell = false;
    std::array<UniqueFd, 3> stdio;   // EXEC only
};

struct ExecLaunch {
    pid_t helper = -1;
    UniqueFd status;   // our end of the status socket
};

Result<ExecLaunch> launch_exec(const ExecRequest& request, pid_t leader, int leader_pidfd, const CgroupSet& cgroups);

}  // namespace berth::spawn
