#include "spawn/console.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <cerrno>

#include "base/spawn_protocol.h"

namespace berth::spawn {

namespace {
constexpr off_t kMaxLogSize = 1024 * 1024;
constexpr off_t kReplaySize = 4096;   // console.log tail sent to a client that attaches
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
    console.log_path_ = log_path;
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
        send_to_client(buf, static_cast<size_t>(n));
    }
}

void Console::send_to_client(const char* data, size_t size)
{
    while (client_ && size > 0) {
        ssize_t n = send(client_.get(), data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;   // a slow client loses this part; the log has it
        if (n < 0) {
            client_.reset();   // gone
            return;
        }
        data += n;
        size -= static_cast<size_t>(n);
    }
}

Result<UniqueFd> Console::attach()
{
    if (client_)
        return fail(ErrorKind::Busy, "another client is attached to the console", EBUSY);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
        return fail_errno("create the console socket");
    client_.reset(sv[0]);
    UniqueFd theirs(sv[1]);
    // What the console said last (the boot messages, a login prompt) so the client does not start blank. The log
    // is ours; a partial first line is skipped.
    UniqueFd log(::open(log_path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));   // log_ is append-only
    struct stat st;
    if (log && fstat(log.get(), &st) == 0 && st.st_size > 0) {
        const off_t size = std::min<off_t>(st.st_size, kReplaySize);
        std::string tail(static_cast<size_t>(size), '\0');
        ssize_t n = pread(log.get(), tail.data(), tail.size(), st.st_size - size);
        if (n > 0) {
            tail.resize(static_cast<size_t>(n));
            size_t start = size < st.st_size ? tail.find('\n') : std::string::npos;
            start = start == std::string::npos ? 0 : start + 1;
            send_to_client(tail.data() + start, tail.size() - start);
        }
    }
    // Not non-blocking on the client's side.
    int flags = fcntl(theirs.get(), F_GETFL);
    fcntl(theirs.get(), F_SETFL, flags & ~O_NONBLOCK);
    return theirs;
}

void Console::on_client_input()
{
    char buf[4096];
    ssize_t n = recv(client_.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        client_.reset();   // detached
        return;
    }
    // Typing faster than the guest reads fills the pty's input queue; what does not fit is dropped, as on a
    // serial line.
    (void)!write(master_.get(), buf, static_cast<size_t>(n));
}

}  // namespace berth::spawn
