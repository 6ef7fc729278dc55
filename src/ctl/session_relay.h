// Connects berthctl's terminal to a guest session (a login pty, the console socket) until the user detaches with
// the escape sequence (Ctrl-] three times within a second, as nspawn and machinectl), the peer ends it, or a
// signal (SIGTERM, SIGHUP) arrives. Bus-free.
#pragma once

#include <chrono>
#include <cstddef>

#include "base/error.h"

namespace berth::ctl {

// The detach sequence, fed one input chunk at a time. Separate from the relay so it can be unit-tested.
class DetachDetector {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr char kKey = 0x1d;   // Ctrl-]
    static constexpr int kPresses = 3;
    // True once kPresses kKey bytes came in a row within one second.
    bool feed(const char* data, size_t size, Clock::time_point now);

private:
    int count_ = 0;
    Clock::time_point first_ {};
};

enum class RelayEnd {
    Detached,      // the user typed the escape sequence
    PeerClosed,    // EOF on the socket, or EIO on the pty when hangups are not ignored
    Signal,        // SIGTERM, SIGHUP, SIGINT or SIGQUIT
};

struct RelayOptions {
    // A getty hangs up its pty (vhangup) when it starts and after each logout: keep waiting instead of ending.
    bool ignore_hangup = false;
    // fd is a pty master: forward the window size.
    bool is_pty = false;
};

// Raw mode on stdin while it runs (restored on every way out); fd is made non-blocking.
Result<RelayEnd> relay_session(int fd, const RelayOptions& options);

}  // namespace berth::ctl
