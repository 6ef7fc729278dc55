// How a berthd child process (image import, image build) tells its parent why it failed: the error written to a
// pipe as "<kind>\n<errno>\n<message>", nothing on success. One format, one reader, for every such job.
#pragma once

#include <signal.h>

#include <string>

#include "base/error.h"

namespace berth::daemon {

// In the child, before _exit(1).
void write_child_report(int fd, const Error& error);

// In the parent, once the child ended: success, the child's own error, or "WHAT ended abnormally (status N)".
Result<> read_child_outcome(int report_fd, const siginfo_t& info, const std::string& what);

}  // namespace berth::daemon
