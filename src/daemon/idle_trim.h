// Gives freed heap back to the kernel once berthd goes quiet. glibc keeps the pages of freed allocations for
// reuse, so after a burst (200 containers created and removed, a ListContainers of a thousand) berthd would stay
// at its high-water mark: 12.4 MB instead of 7.9 MB after 200 containers came and went. A trim a second after
// activity returns them; at idle nothing runs (no periodic wake-up), and under steady load it trims at most once
// a second (a walk of the free lists: well under a millisecond).
#pragma once

#include <systemd/sd-event.h>

#include "base/error.h"

namespace berth::daemon {

class IdleTrim {
public:
    IdleTrim() = default;
    IdleTrim(const IdleTrim&) = delete;
    IdleTrim& operator=(const IdleTrim&) = delete;
    ~IdleTrim();

    // Watches every iteration of the loop (a post source) and arms the one-shot trim timer.
    Result<> attach(sd_event* loop);

private:
    static int on_post(sd_event_source* source, void* userdata);
    static int on_timer(sd_event_source* source, uint64_t usec, void* userdata);

    sd_event_source* post_ = nullptr;
    sd_event_source* timer_ = nullptr;
    bool trimmed_ = false;   // the iteration that ran the trim must not arm the next one
};

}  // namespace berth::daemon
