// A container must never hold the caller's own terminal: it could keep it after berthctl returns, read what is
// typed next (a password) or push input into it. When berthctl's stdin, stdout or stderr is a terminal, exec and
// run give the container the slave of a fresh pseudo-terminal instead, and a thread copies between the real
// terminal and the pty's master while the call runs, as machinectl and nspawn do. Pipes and files pass as they are.
#pragma once

#include <array>
#include <thread>

#include "base/error.h"
#include "base/unique_fd.h"
#include "ctl/pty_forward.h"

namespace berth::ctl {

class TerminalProxy {
public:
    // No-op (active() == false) when none of fds 0-2 is a terminal.
    static Result<std::unique_ptr<TerminalProxy>> open_if_needed();
    ~TerminalProxy();
    TerminalProxy(const TerminalProxy&) = delete;
    TerminalProxy& operator=(const TerminalProxy&) = delete;

    // The fd the container gets in place of fd 0, 1 or 2: the pty slave where that fd was a terminal, else -1
    // (pass the fd itself).
    int replacement(int fd) const { return is_tty_[fd] ? slave_.get() : -1; }
    // Starts copying; call after the fds were handed over.
    Result<> start();
    // The command has ended: close our slave, copy what is still buffered, and stop.
    void finish();

private:
    TerminalProxy() = default;
    void relay();

    std::array<bool, 3> is_tty_ = {false, false, false};
    UniqueFd master_, slave_, stop_, winch_;
    int model_ = 0;  // the caller's terminal whose size the pty follows
    std::unique_ptr<RawTerminal> raw_;
    std::thread thread_;
};

}  // namespace berth::ctl
