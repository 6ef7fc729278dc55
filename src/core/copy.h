// Copying files into and out of a container (berthctl copy-to / copy-from). berthd never touches the container's
// files itself: it starts the berth-copy helper (src/spawn, the only layer that calls setns) with the data stream
// (a tar archive on a pipe from or to the client) and the container's leader pidfd, or its root when stopped, and
// reports the helper's outcome without blocking its loop.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"

namespace berth {

struct CopyJob {
    bool into_container = true;  // copy-to (the stream is read) or copy-from (the stream is written)
    std::string path;            // absolute path inside the container
    bool keep_ids = false;       // keep numeric ids across the boundary instead of root (to) / the caller (from)
    UniqueFd data;               // the tar stream
    // Where the container is: a running one through its leader (the helper joins its user and mount
    // namespaces), a stopped one through its root directory and how its ids are stored on disk.
    int leader_pidfd = -1;
    std::string root;
    uint32_t id_shift = 0;       // on-disk id = container id + id_shift (stopped, shifted roots)
    uint32_t id_count = 65536;   // ids the container has
};

// The helper's command line (argv[0] is `helper_path`) for a job; fds: 3 = data, 4 = leader pidfd, 5 = report.
std::vector<std::string> copy_helper_argv(const std::string& helper_path, const CopyJob& job);

// berth-copy next to berth-spawn.
std::string copy_helper_path(const std::string& spawn_path);

struct LaunchedCopy {
    pid_t pid = 0;
    UniqueFd report;  // the helper writes "KIND<TAB>message" here when it fails
};
// posix_spawn the helper with the job's fds. The data fd is handed over: close yours after this returns.
Result<LaunchedCopy> launch_copy_helper(const std::string& helper_path, const CopyJob& job);

// The helper's report (read after it exited) and exit status as a Result.
Result<> copy_outcome(int exit_status, const std::string& report);

}  // namespace berth
