// Connects berthctl's terminal (or pipes) to a container's pty master for `berthctl shell`. Bus-free.
#pragma once

#include <termios.h>

#include "base/error.h"

namespace berth::ctl {

// Puts a terminal in raw mode and restores its previous settings when destroyed. Does nothing when `fd` is not
// a terminal.
class RawTerminal {
public:
    explicit RawTerminal(int fd);
    ~RawTerminal();
    RawTerminal(const RawTerminal&) = delete;
    RawTerminal& operator=(const RawTerminal&) = delete;

    bool active() const { return active_; }

private:
    int fd_;
    bool active_ = false;
    struct termios saved_ {};
};

// Copies stdin to `master` and `master` to stdout with poll() until the pty's other side is closed (EOF or EIO
// on the master), forwarding the window size at the start and on SIGWINCH. stdin in raw mode when it is a
// terminal, restored on every way out. SIGTERM, SIGHUP, SIGINT and SIGQUIT end the session: the result is then
// 128+signal, otherwise 0. `master` is made non-blocking.
Result<int> forward_pty(int master);

}  // namespace berth::ctl
