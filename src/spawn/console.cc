#include "spawn/console.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>

#include "base/spawn_protocol.h"

namespace berth::spawn {

namespace {
constexpr off_t kMaxLogSize = 1024 * 1024;
}

Result<Console> Console::open(const std::string& runtime_dir, uid_t owner)
{
    Console console;
    console.master_.reset(posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
    if (!console.master_)
        return fail_errno("allocate the console pty");
    if (grantpt(console.master_.get()) < 0 || unlockpt(console.master_.get()) < 0)
        return fail_errno("unlock the console pty");
    char name[64];
    if (ptsname_r(console.master_.get(), name, sizeof name) != 0)
        return fail_errno("name the console pty");
    console.slave_path_ = name;
    console.slave_.reset(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!console.slave_)
        return fail_errno("open " + console.slave_path_);
    // Like nspawn: the console belongs to the container's root, so its init may reconfigure it.
    if (fchown(console.slave_.get(), owner, owner) < 0 || fchmod(console.slave_.get(), 0600) < 0)
        return fail_errno("give " + console.slave_path_ + " to the container");

    std::string log_path = runtime_dir + "/" + std::string(spawn_protocol::kConsoleLogFile);
    console.log_.reset(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600));
    if (!console.log_)
        return fail_errno("open " + log_path);
    return console;
}

void Console::drain()
{
    char buf[16384];
    for (;;) {
        ssize_t n = read(master_.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;   // EAGAIN: all read; EIO cannot happen while we hold a slave fd
        struct stat st;
        if (fstat(log_.get(), &st) == 0 && st.st_size + n > kMaxLogSize)
            (void)ftruncate(log_.get(), 0);   // O_APPEND: the next write lands at the new end
        (void)!write(log_.get(), buf, static_cast<size_t>(n));
    }
}

}  // namespace berth::spawn
