// Autostart: when berthd starts, the containers marked with `berthctl enable` that are stopped are started one
// after another, lowest order first (then by name), each autostart_delay seconds after the previous one began,
// without blocking the loop. A container that fails to start is logged and skipped.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/event_loop.h"
#include "core/manager.h"

namespace berth {

// The containers to start, in order (pure: unit-tested).
std::vector<const Container*> autostart_plan(const std::vector<const Container*>& containers);

class Autostart {
public:
    using Log = std::function<void(const std::string&)>;
    Autostart(Manager& manager, EventLoop& loop, Log log) : manager_(manager), loop_(loop), log_(std::move(log)) {}
    // Plans and begins; returns at once.
    void run();

private:
    struct Step {
        std::string name;
        uint32_t delay = 0;
    };
    void start_next();
    Manager& manager_;
    EventLoop& loop_;
    Log log_;
    std::vector<Step> plan_;
    size_t next_ = 0;
    EventSource timer_;
};

}  // namespace berth
