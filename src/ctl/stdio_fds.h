// berthctl's stdin, stdout and stderr as fds to pass over D-Bus (Exec, StartAttached).
#pragma once

#include <sdbus-c++/Types.h>

#include "base/error.h"

namespace berth::ctl {

// A close-on-exec duplicate of `fd` owned by an sdbus::UnixFd; /dev/null when `fd` is closed, so a command
// started with a closed stdin still gets a valid descriptor.
Result<sdbus::UnixFd> stdio_fd(int fd);

}  // namespace berth::ctl
