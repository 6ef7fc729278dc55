// How a berthd child process (image import, image build, export and import jobs) tells its parent how it ended:
// on failure the error written to a pipe as "<kind>\n<errno>\n<message>" and exit status 1; on success exit
// status 0 and, for jobs that return something, that payload as the pipe's content. One format, one reader.
#pragma once

#include <signal.h>

#include <string>

#include "base/error.h"

namespace berth::daemon {

// In the child, before _exit(1).
void write_child_report(int fd, const Error& error);

// In the child, before _exit(0), for a job with a result.
void write_child_payload(int fd, const std::string& payload);

// In the parent, once the child ended: the payload, the child's own error, or "WHAT ended abnormally (status N)".
Result<std::string> read_child_result(int report_fd, const siginfo_t& info, const std::string& what);

// read_child_result for jobs without a payload.
Result<> read_child_outcome(int report_fd, const siginfo_t& info, const std::string& what);

}  // namespace berth::daemon
