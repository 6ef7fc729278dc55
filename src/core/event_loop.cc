#include "core/event_loop.h"

#include <csignal>
#include <utility>

namespace berth {

struct EventSource::Holder {
    std::function<void(uint32_t)> io;
    std::function<void()> plain;
    std::function<void(const siginfo_t&)> child;
};

EventSource::EventSource(EventSource&& other) noexcept
    : source_(std::exchange(other.source_, nullptr)), holder_(std::exchange(other.holder_, nullptr))
{
}

EventSource& EventSource::operator=(EventSource&& other) noexcept
{
    if (this != &other) {
        reset();
        source_ = std::exchange(other.source_, nullptr);
        holder_ = std::exchange(other.holder_, nullptr);
    }
    return *this;
}

EventSource::~EventSource() { reset(); }

void EventSource::disable()
{
    if (source_)
        sd_event_source_set_enabled(source_, SD_EVENT_OFF);
}

void EventSource::reset()
{
    if (source_)
        sd_event_source_disable_unref(source_);
    source_ = nullptr;
    delete holder_;
    holder_ = nullptr;
}

namespace {

// Callbacks are copied before they run, so a callback may destroy its own EventSource.
int on_io(sd_event_source*, int, uint32_t revents, void* userdata)
{
    auto fn = *static_cast<std::function<void(uint32_t)>*>(userdata);
    fn(revents);
    return 0;
}

int on_plain(sd_event_source*, uint64_t, void* userdata)
{
    auto fn = *static_cast<std::function<void()>*>(userdata);
    fn();
    return 0;
}

int on_child(sd_event_source*, const siginfo_t* si, void* userdata)
{
    auto fn = *static_cast<std::function<void(const siginfo_t&)>*>(userdata);
    fn(*si);
    return 0;
}

int on_signal(sd_event_source*, const struct signalfd_siginfo*, void* userdata)
{
    auto fn = *static_cast<std::function<void()>*>(userdata);
    fn();
    return 0;
}

int on_defer(sd_event_source* source, void* userdata)
{
    auto* fn = static_cast<std::function<void()>*>(userdata);
    auto copy = std::move(*fn);
    delete fn;
    sd_event_source_disable_unref(source);
    copy();
    return 0;
}

}  // namespace

Result<std::unique_ptr<EventLoop>> EventLoop::create()
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    sd_event* event = nullptr;
    int r = sd_event_new(&event);
    if (r < 0)
        return fail_errno(-r, "create event loop");
    return std::unique_ptr<EventLoop>(new EventLoop(event));
}

EventLoop::~EventLoop() { sd_event_unref(event_); }

Result<EventSource> EventLoop::add_io(int fd, uint32_t events, std::function<void(uint32_t)> callback)
{
    auto* holder = new EventSource::Holder{std::move(callback), {}, {}};
    sd_event_source* source = nullptr;
    int r = sd_event_add_io(event_, &source, fd, events, on_io, &holder->io);
    if (r < 0) {
        delete holder;
        return fail_errno(-r, "watch fd");
    }
    return EventSource(source, holder);
}

Result<EventSource> EventLoop::add_timer(uint64_t usec, std::function<void()> callback)
{
    auto* holder = new EventSource::Holder{{}, std::move(callback), {}};
    sd_event_source* source = nullptr;
    uint64_t now = 0;
    sd_event_now(event_, CLOCK_MONOTONIC, &now);
    int r = sd_event_add_time(event_, &source, CLOCK_MONOTONIC, now + usec, 1000, on_plain, &holder->plain);
    if (r < 0) {
        delete holder;
        return fail_errno(-r, "add timer");
    }
    return EventSource(source, holder);
}

Result<EventSource> EventLoop::add_child(pid_t pid, std::function<void(const siginfo_t&)> callback)
{
    auto* holder = new EventSource::Holder{{}, {}, std::move(callback)};
    sd_event_source* source = nullptr;
    int r = sd_event_add_child(event_, &source, pid, WEXITED, on_child, &holder->child);
    if (r < 0) {
        delete holder;
        return fail_errno(-r, "watch child process");
    }
    return EventSource(source, holder);
}

Result<EventSource> EventLoop::add_signal(int signal, std::function<void()> callback)
{
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, signal);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    auto* holder = new EventSource::Holder{{}, std::move(callback), {}};
    sd_event_source* source = nullptr;
    int r = sd_event_add_signal(event_, &source, signal, on_signal, &holder->plain);
    if (r < 0) {
        delete holder;
        return fail_errno(-r, "watch signal");
    }
    return EventSource(source, holder);
}

void EventLoop::defer(std::function<void()> callback)
{
    auto* fn = new std::function<void()>(std::move(callback));
    sd_event_source* source = nullptr;
    if (sd_event_add_defer(event_, &source, on_defer, fn) < 0) {
        delete fn;
        return;
    }
}

int EventLoop::run() { return sd_event_loop(event_); }

void EventLoop::exit(int code) { sd_event_exit(event_, code); }

}  // namespace berth
