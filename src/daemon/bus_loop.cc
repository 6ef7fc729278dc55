#include "daemon/bus_loop.h"

#include <cstdio>

namespace berth::daemon {

BusLoop::BusLoop(EventLoop& loop, sdbus::IConnection& connection) : loop_(loop), connection_(connection) {}

BusLoop::~BusLoop()
{
    sd_event_source_disable_unref(io_);
    sd_event_source_disable_unref(timer_);
}

Result<> BusLoop::attach()
{
    auto data = connection_.getEventLoopPollData();
    int r = sd_event_add_io(loop_.get(), &io_, data.fd, static_cast<uint32_t>(data.events), on_io, this);
    if (r < 0)
        return fail_errno(-r, "watch the bus connection");
    // Before every loop iteration, ask sdbus-c++ what to wait for (POLLOUT when replies are queued, a timeout for
    // pending calls), so its queues never stall.
    sd_event_source_set_prepare(io_, on_prepare);
    r = sd_event_add_time(loop_.get(), &timer_, CLOCK_MONOTONIC, UINT64_MAX, 0, on_time, this);
    if (r < 0)
        return fail_errno(-r, "add the bus timer");
    sd_event_source_set_enabled(timer_, SD_EVENT_ON);
    process();
    return {};
}

void BusLoop::process()
{
    try {
        while (connection_.processPendingRequest()) {
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "berthd: bus processing failed: %s\n", e.what());
        loop_.exit(1);
    }
}

int BusLoop::on_prepare(sd_event_source*, void* userdata)
{
    auto* self = static_cast<BusLoop*>(userdata);
    auto data = self->connection_.getEventLoopPollData();
    sd_event_source_set_io_events(self->io_, static_cast<uint32_t>(data.events));
    sd_event_source_set_time(self->timer_, data.timeout_usec);
    sd_event_source_set_enabled(self->timer_, SD_EVENT_ON);
    return 0;
}

int BusLoop::on_io(sd_event_source*, int, uint32_t, void* userdata)
{
    static_cast<BusLoop*>(userdata)->process();
    return 0;
}

int BusLoop::on_time(sd_event_source*, uint64_t, void* userdata)
{
    static_cast<BusLoop*>(userdata)->process();
    return 0;
}

}  // namespace berth::daemon
