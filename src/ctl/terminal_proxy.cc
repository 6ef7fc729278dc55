#include "ctl/terminal_proxy.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace berth::ctl {

namespace {

// Write all of buf, waiting when fd is non-blocking and full.
void write_all(int fd, const char* buf, size_t len)
{
    while (len > 0) {
        ssize_t n = ::write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {fd, POLLOUT, 0};
            ::poll(&p, 1, 1000);
            continue;
        }
        if (n <= 0)
            return;
        buf += n;
        len -= static_cast<size_t>(n);
    }
}

}  // namespace

Result<std::unique_ptr<TerminalProxy>> TerminalProxy::open_if_needed()
{
    std::unique_ptr<TerminalProxy> proxy(new TerminalProxy);
    bool any = false;
    for (int fd = 0; fd < 3; ++fd)
        any |= proxy->is_tty_[fd] = ::isatty(fd) == 1;
    if (!any)
        return proxy;
    proxy->master_.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!proxy->master_ || ::grantpt(proxy->master_.get()) < 0 || ::unlockpt(proxy->master_.get()) < 0)
        return fail_errno("open a pseudo-terminal");
    proxy->slave_.reset(::ioctl(proxy->master_.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!proxy->slave_)
        return fail_errno("open the pseudo-terminal's slave");
    // The command sees the caller's terminal settings and size.
    const int model = proxy->is_tty_[0] ? 0 : (proxy->is_tty_[1] ? 1 : 2);
    struct termios tio;
    if (::tcgetattr(model, &tio) == 0)
        ::tcsetattr(proxy->slave_.get(), TCSANOW, &tio);
    struct winsize size;
    if (::ioctl(model, TIOCGWINSZ, &size) == 0)
        ::ioctl(proxy->slave_.get(), TIOCSWINSZ, &size);
    proxy->stop_.reset(::eventfd(0, EFD_CLOEXEC));
    if (!proxy->stop_)
        return fail_errno("create eventfd");
    proxy->model_ = model;
    // Window size changes follow the caller's terminal: SIGWINCH is blocked (before the relay thread exists, so
    // it inherits the mask) and read from a signalfd by the relay.
    sigset_t winch;
    sigemptyset(&winch);
    sigaddset(&winch, SIGWINCH);
    ::pthread_sigmask(SIG_BLOCK, &winch, nullptr);
    proxy->winch_.reset(::signalfd(-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK));
    return proxy;
}

Result<> TerminalProxy::start()
{
    if (!master_)
        return {};
    if (is_tty_[0])
        raw_ = std::make_unique<RawTerminal>(0);
    thread_ = std::thread([this] { relay(); });
    return {};
}

void TerminalProxy::relay()
{
    char buf[16384];
    bool input_open = is_tty_[0];
    const int out = is_tty_[1] ? 1 : 2;
    for (;;) {
        struct pollfd fds[4] = {{master_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}, {input_open ? 0 : -1, POLLIN, 0},
                                {winch_.get(), POLLIN, 0}};
        if (::poll(fds, 4, -1) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (fds[1].revents & POLLIN) {
            // The command ended. The kernel hands what it wrote to the master side asynchronously, so copy until
            // the pty reports every slave closed (EIO), or until it stays quiet for a moment: a process the
            // command left behind may hold the slave open.
            for (;;) {
                struct pollfd p = {master_.get(), POLLIN, 0};
                if (::poll(&p, 1, 200) <= 0)
                    return;
                ssize_t n = ::read(master_.get(), buf, sizeof buf);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    return;
                write_all(out, buf, static_cast<size_t>(n));
            }
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = ::read(master_.get(), buf, sizeof buf);
            if (n > 0) {
                write_all(out, buf, static_cast<size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            return;   // EIO: every slave is closed
        }
        if (fds[3].revents & POLLIN) {
            struct signalfd_siginfo info;
            while (::read(winch_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
            }
            struct winsize size;
            if (::ioctl(model_, TIOCGWINSZ, &size) == 0)
                ::ioctl(master_.get(), TIOCSWINSZ, &size);
        }
        if (fds[2].revents & (POLLIN | POLLHUP)) {
            ssize_t n = ::read(0, buf, sizeof buf);
            if (n > 0)
                write_all(master_.get(), buf, static_cast<size_t>(n));
            else if (n == 0 || errno != EINTR)
                input_open = false;
        }
    }
}

void TerminalProxy::finish()
{
    if (!thread_.joinable())
        return;
    slave_.reset();
    // Output still in the pty is copied first (the relay drains the master before it looks at stop). A process
    // the command left behind may hold the slave; it gets no more of the caller's terminal from here on.
    uint64_t one = 1;
    (void)!::write(stop_.get(), &one, sizeof one);
    thread_.join();
    raw_.reset();
}

TerminalProxy::~TerminalProxy() { finish(); }

}  // namespace berth::ctl
