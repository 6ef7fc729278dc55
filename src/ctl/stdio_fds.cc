#include "ctl/stdio_fds.h"

#include <fcntl.h>

#include <cerrno>
#include <string>

namespace berth::ctl {

Result<sdbus::UnixFd> stdio_fd(int fd)
{
    int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0 && errno == EBADF)
        copy = ::open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (copy < 0)
        return fail_errno("duplicate fd " + std::to_string(fd));
    return sdbus::UnixFd(copy, sdbus::adopt_fd);
}

}  // namespace berth::ctl
