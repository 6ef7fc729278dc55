// A thin RAII layer over sd-event, the daemon's single-threaded loop. Sources own their callbacks and are removed
// when their EventSource is destroyed.
#pragma once

#include <systemd/sd-event.h>

#include <cstdint>
#include <functional>
#include <memory>

#include "base/error.h"

namespace berth {

class EventSource {
public:
    EventSource() = default;
    EventSource(const EventSource&) = delete;
    EventSource& operator=(const EventSource&) = delete;
    EventSource(EventSource&& other) noexcept;
    EventSource& operator=(EventSource&& other) noexcept;
    ~EventSource();
    explicit operator bool() const { return source_ != nullptr; }
    // Stop dispatching (and, for an fd, leave epoll) now; safe inside the source's own callback, unlike
    // destroying it there.
    void disable();
    sd_event_source* get() const { return source_; }

private:
    friend class EventLoop;
    struct Holder;
    EventSource(sd_event_source* source, Holder* holder) : source_(source), holder_(holder) {}
    void reset();
    sd_event_source* source_ = nullptr;
    Holder* holder_ = nullptr;
};

class EventLoop {
public:
    static Result<std::unique_ptr<EventLoop>> create();
    ~EventLoop();
    sd_event* get() const { return event_; }

    // events/revents: EPOLLIN, EPOLLOUT, EPOLLHUP...
    Result<EventSource> add_io(int fd, uint32_t events, std::function<void(uint32_t revents)> callback);
    // One-shot timer, CLOCK_MONOTONIC, `usec` from now.
    Result<EventSource> add_timer(uint64_t usec, std::function<void()> callback);
    // Called once when the child exits; sd-event reaps it. SIGCHLD must be blocked (done by create()).
    Result<EventSource> add_child(pid_t pid, std::function<void(const siginfo_t&)> callback);
    // The signal is blocked and delivered here instead.
    Result<EventSource> add_signal(int signal, std::function<void()> callback);
    // Run `callback` once at the next loop iteration (the source removes itself).
    void defer(std::function<void()> callback);

    int run();
    void exit(int code);

private:
    explicit EventLoop(sd_event* event) : event_(event) {}
    sd_event* event_;
};

}  // namespace berth
