#include "daemon/idle_trim.h"

#include <malloc.h>
#include <time.h>

namespace berth::daemon {

namespace {
constexpr uint64_t kDelayUsec = 1000000;   // after the first event of a burst
}

IdleTrim::~IdleTrim()
{
    sd_event_source_disable_unref(post_);
    sd_event_source_disable_unref(timer_);
}

Result<> IdleTrim::attach(sd_event* loop)
{
    int r = sd_event_add_time(loop, &timer_, CLOCK_MONOTONIC, UINT64_MAX, 0, on_timer, this);
    if (r < 0)
        return fail_errno(-r, "add the heap trim timer");
    sd_event_source_set_enabled(timer_, SD_EVENT_OFF);
    // Last among equals: the trim never delays a reply.
    sd_event_source_set_priority(timer_, SD_EVENT_PRIORITY_IDLE);
    r = sd_event_add_post(loop, &post_, on_post, this);
    if (r < 0)
        return fail_errno(-r, "add the heap trim watch");
    return {};
}

int IdleTrim::on_post(sd_event_source*, void* userdata)
{
    auto* self = static_cast<IdleTrim*>(userdata);
    if (self->trimmed_) {
        self->trimmed_ = false;
        return 0;
    }
    int enabled = SD_EVENT_OFF;
    if (sd_event_source_get_enabled(self->timer_, &enabled) >= 0 && enabled != SD_EVENT_OFF)
        return 0;   // already armed: a steady stream of events still gets its trim
    uint64_t now = 0;
    sd_event_now(sd_event_source_get_event(self->timer_), CLOCK_MONOTONIC, &now);
    sd_event_source_set_time(self->timer_, now + kDelayUsec);
    sd_event_source_set_enabled(self->timer_, SD_EVENT_ONESHOT);
    return 0;
}

int IdleTrim::on_timer(sd_event_source*, uint64_t, void* userdata)
{
    auto* self = static_cast<IdleTrim*>(userdata);
    malloc_trim(0);
    self->trimmed_ = true;
    return 0;
}

}  // namespace berth::daemon
