// Drives an sdbus-c++ connection from the daemon's sd-event loop, so the whole daemon stays single-threaded:
// sdbus-c++'s own event-loop thread is never started.
#pragma once

#include <sdbus-c++/IConnection.h>

#include "core/event_loop.h"

namespace berth::daemon {

class BusLoop {
public:
    BusLoop(EventLoop& loop, sdbus::IConnection& connection);
    ~BusLoop();
    Result<> attach();

private:
    static int on_prepare(sd_event_source* source, void* userdata);
    static int on_io(sd_event_source* source, int fd, uint32_t revents, void* userdata);
    static int on_time(sd_event_source* source, uint64_t usec, void* userdata);
    void process();

    EventLoop& loop_;
    sdbus::IConnection& connection_;
    sd_event_source* io_ = nullptr;
    sd_event_source* timer_ = nullptr;
};

}  // namespace berth::daemon
