#include "ctl/pty_forward.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/unique_fd.h"

namespace berth::ctl {

namespace {

constexpr size_t kBufferLimit = 64 * 1024;


// Blocks the signals we handle and returns a signalfd for them; restores the old mask when destroyed.
class SignalFd {
public:
    static Result<SignalFd> open()
    {
        SignalFd s;
        sigset_t set;
        sigemptyset(&set);
        for (int sig : {SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGQUIT})
            sigaddset(&set, sig);
        if (::sigprocmask(SIG_BLOCK, &set, &s.old_) < 0)
            return fail_errno("block signals");
        s.blocked_ = true;
        s.fd_ = UniqueFd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
        if (!s.fd_)
            return fail_errno("signalfd");
        return s;
    }
    SignalFd(SignalFd&& o) noexcept : fd_(std::move(o.fd_)), old_(o.old_), blocked_(std::exchange(o.blocked_, false)) {}
    SignalFd& operator=(SignalFd&&) = delete;
    ~SignalFd()
    {
        if (blocked_)
            ::sigprocmask(SIG_SETMASK, &old_, nullptr);
    }
    int get() const { return fd_.get(); }

private:
    SignalFd() = default;
    UniqueFd fd_;
    sigset_t old_ {};
    bool blocked_ = false;
};

void copy_window_size(int master)
{
    struct winsize ws {};
    for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO})
        if (::ioctl(fd, TIOCGWINSZ, &ws) == 0) {
            ::ioctl(master, TIOCSWINSZ, &ws);
            return;
        }
}

Result<> write_all(int fd, const char* data, size_t size)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail_errno("write to stdout");
        }
        data += n;
        size -= static_cast<size_t>(n);
    }
    return {};
}

}  // namespace

RawTerminal::RawTerminal(int fd) : fd_(fd)
{
    if (!::isatty(fd) || ::tcgetattr(fd, &saved_) < 0)
        return;
    struct termios raw = saved_;
    ::cfmakeraw(&raw);
    // Keep output processing: the pty's side already turns \n into \r\n, but our own messages should not stair-step.
    raw.c_oflag = saved_.c_oflag;
    active_ = ::tcsetattr(fd, TCSANOW, &raw) == 0;
}

RawTerminal::~RawTerminal()
{
    if (active_)
        ::tcsetattr(fd_, TCSANOW, &saved_);
}

Result<int> forward_pty(int master)
{
    const int flags = ::fcntl(master, F_GETFL);
    if (flags < 0 || ::fcntl(master, F_SETFL, flags | O_NONBLOCK) < 0)
        return fail_errno("make the pty non-blocking");
    auto signals = BERTH_TRY(SignalFd::open());
    // Writing to a closed stdout should end the session with an error, not kill us before the terminal is restored.
    ::signal(SIGPIPE, SIG_IGN);

    RawTerminal raw(STDIN_FILENO);
    copy_window_size(master);

    std::string to_master;
    bool stdin_open = true;
    char buf[16 * 1024];
    for (;;) {
        struct pollfd fds[3] = {
            {stdin_open && to_master.size() < kBufferLimit ? STDIN_FILENO : -1, POLLIN, 0},
            {master, static_cast<short>(POLLIN | (to_master.empty() ? 0 : POLLOUT)), 0},
            {signals.get(), POLLIN, 0},
        };
        if (::poll(fds, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            return fail_errno("poll");
        }

        if (fds[2].revents & POLLIN) {
            struct signalfd_siginfo info {};
            while (::read(signals.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
                if (info.ssi_signo == SIGWINCH)
                    copy_window_size(master);
                else
                    return 128 + static_cast<int>(info.ssi_signo);
            }
        }

        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
            if (n > 0) {
                to_master.append(buf, static_cast<size_t>(n));
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                // End of input from a pipe: send the terminal's end-of-file character, so a shell reading a
                // line at a time sees EOF as if Ctrl-D had been typed.
                stdin_open = false;
                struct termios t {};
                if (::tcgetattr(master, &t) == 0 && (t.c_lflag & ICANON))
                    to_master += static_cast<char>(t.c_cc[VEOF]);
            }
        }

        if (!to_master.empty() && (fds[1].revents & POLLOUT)) {
            const ssize_t n = ::write(master, to_master.data(), to_master.size());
            if (n > 0)
                to_master.erase(0, static_cast<size_t>(n));
            else if (n < 0 && errno != EAGAIN && errno != EINTR)
                return 0;   // EIO: the other side is gone
        }

        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t n = ::read(master, buf, sizeof buf);
            if (n > 0) {
                BERTH_TRY(write_all(STDOUT_FILENO, buf, static_cast<size_t>(n)));
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                return 0;   // EIO once every slave fd is closed: the shell has ended
            }
        }
    }
}

}  // namespace berth::ctl
