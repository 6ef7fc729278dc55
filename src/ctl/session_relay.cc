#include "ctl/session_relay.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/unique_fd.h"
#include "ctl/pty_forward.h"

namespace berth::ctl {

namespace {

constexpr size_t kBufferLimit = 64 * 1024;
constexpr int kHangupRetryMs = 100;   // how long to look away from a hung-up pty before trying it again

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
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail_errno("write to stdout");
        data += n;
        size -= static_cast<size_t>(n);
    }
    return {};
}

// Signals arrive on a signalfd while the relay runs; the old mask comes back afterwards.
class BlockedSignals {
public:
    BlockedSignals()
    {
        sigemptyset(&set_);
        for (int sig : {SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGQUIT})
            sigaddset(&set_, sig);
        blocked_ = ::sigprocmask(SIG_BLOCK, &set_, &old_) == 0;
        fd_.reset(::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK));
    }
    ~BlockedSignals()
    {
        if (blocked_)
            ::sigprocmask(SIG_SETMASK, &old_, nullptr);
    }
    BlockedSignals(const BlockedSignals&) = delete;
    BlockedSignals& operator=(const BlockedSignals&) = delete;
    int fd() const { return fd_.get(); }

private:
    sigset_t set_ {}, old_ {};
    bool blocked_ = false;
    UniqueFd fd_;
};

}  // namespace

bool DetachDetector::feed(const char* data, size_t size, Clock::time_point now)
{
    for (size_t i = 0; i < size; ++i) {
        if (data[i] != kKey) {
            count_ = 0;
            continue;
        }
        if (count_ == 0 || now - first_ > std::chrono::seconds(1)) {
            count_ = 0;
            first_ = now;
        }
        if (++count_ >= kPresses)
            return true;
    }
    return false;
}

Result<RelayEnd> relay_session(int fd, const RelayOptions& options)
{
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return fail_errno("make the session non-blocking");
    BlockedSignals signals;
    if (signals.fd() < 0)
        return fail_errno("signalfd");
    ::signal(SIGPIPE, SIG_IGN);
    RawTerminal raw(STDIN_FILENO);
    if (options.is_pty)
        copy_window_size(fd);

    DetachDetector detach;
    std::string to_peer;
    bool stdin_open = true;
    bool peer_hung_up = false;   // looking away from a hung-up pty for kHangupRetryMs
    char buf[16 * 1024];
    for (;;) {
        struct pollfd fds[3] = {
            {stdin_open && to_peer.size() < kBufferLimit ? STDIN_FILENO : -1, POLLIN, 0},
            {peer_hung_up ? -1 : fd, static_cast<short>(POLLIN | (to_peer.empty() ? 0 : POLLOUT)), 0},
            {signals.fd(), POLLIN, 0},
        };
        const int ready = ::poll(fds, 3, peer_hung_up ? kHangupRetryMs : -1);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            return fail_errno("poll");
        if (ready == 0)
            peer_hung_up = false;

        if (fds[2].revents & POLLIN) {
            struct signalfd_siginfo info {};
            while (::read(signals.fd(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
                if (info.ssi_signo != SIGWINCH)
                    return RelayEnd::Signal;
                if (options.is_pty)
                    copy_window_size(fd);
            }
        }

        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
            if (n > 0) {
                if (detach.feed(buf, static_cast<size_t>(n), DetachDetector::Clock::now()))
                    return RelayEnd::Detached;
                to_peer.append(buf, static_cast<size_t>(n));
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                stdin_open = false;   // nothing more to type; keep showing output until the peer ends
            }
        }

        if (!to_peer.empty() && (fds[1].revents & POLLOUT)) {
            const ssize_t n = ::write(fd, to_peer.data(), to_peer.size());
            if (n > 0)
                to_peer.erase(0, static_cast<size_t>(n));
            else if (n < 0 && errno != EAGAIN && errno != EINTR && !options.ignore_hangup)
                return RelayEnd::PeerClosed;
        }

        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t n = ::read(fd, buf, sizeof buf);
            if (n > 0) {
                BERTH_TRY(write_all(STDOUT_FILENO, buf, static_cast<size_t>(n)));
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                // EIO on a pty master: no slave open right now. A getty reopens it after its vhangup.
                if (!options.ignore_hangup || n == 0)
                    return RelayEnd::PeerClosed;
                peer_hung_up = true;
            }
        }
    }
}

}  // namespace berth::ctl
