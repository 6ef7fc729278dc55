// `start --wait`: after Start (which replies once PID 1 runs), wait until each container's guest is ready: the
// State property leaves "starting" (a systemd guest says READY=1 on its notify socket; other inits are ready at
// once). Reads State, then sleeps until the container's PropertiesChanged signal arrives (berthd sends one when
// State changes), re-reading at least every 250 ms in case a signal was missed. A fixed 50 ms poll added 25 ms
// on average to every boot.
#include <poll.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "ctl/bus.h"
#include "ctl/errors.h"
#include "ctl/verbs.h"

namespace berth::ctl {

namespace {

double monotonic_sec()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Dispatches what the connection has read, then waits on its fd until `*woken` or `until_sec` (monotonic).
void wait_for_signal(sdbus::IConnection& connection, const bool* woken, double until_sec)
{
    for (;;) {
        while (connection.processPendingRequest()) {
        }
        const double left = until_sec - monotonic_sec();
        if (*woken || left <= 0)
            return;
        auto data = connection.getEventLoopPollData();
        struct pollfd p = {data.fd, data.events, 0};
        (void)poll(&p, 1, static_cast<int>(left * 1000) + 1);
    }
}

}  // namespace

Result<double> parse_wait_timeout(const std::string& text)
{
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || !end || *end != '\0' || !(v > 0) || v > 86400)
        return usage_error("invalid --timeout '" + text + "': give seconds, e.g. 30 or 2.5");
    return v;
}

Result<> wait_until_ready(Bus& bus, const std::string& name, double timeout_sec)
{
    auto container = BERTH_TRY(bus.container(name));
    const double deadline = monotonic_sec() + timeout_sec;
    // Subscribed before the first read, so a change between the read and the wait is not lost. No sender= in the
    // rule: a signal only wakes us to read State again, whoever sent it.
    bool changed = false;
    const std::string match = "type='signal',path='" + std::string(container->getProxy().getObjectPath()) +
                              "',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged'";
    auto subscribed = bus_call([&] {
        return bus.connection().addMatch(match, [&changed](sdbus::Message&) { changed = true; });
    });
    for (;;) {
        changed = false;
        auto state = BERTH_TRY(bus_call([&] { return container->State(); }));
        if (state == "running")
            return {};
        if (state == "degraded") {
            std::fprintf(stderr, "berthctl: %s is up, but degraded: see 'berthctl exec %s -- systemctl --failed'\n",
                         name.c_str(), name.c_str());
            return {};
        }
        if (state == "stopped") {
            auto reason = bus_call([&] { return container->StopReason(); }).value_or("");
            return fail(ErrorKind::Failed, "container '" + name + "' stopped while it was booting" +
                                               (reason.empty() ? "" : " (" + reason + ")") +
                                               "; see its console log with 'journalctl' or 'berthctl status " +
                                               name + "'");
        }
        if (monotonic_sec() >= deadline) {
            auto status = bus_call([&] { return container->GuestStatus(); }).value_or("");
            char shown[32];
            std::snprintf(shown, sizeof shown, "%g", timeout_sec);
            return fail(ErrorKind::Failed, "container '" + name + "' is not ready after " + shown + " s (state: " +
                                               state + (status.empty() ? "" : "; the guest says: " + status) +
                                               "); it keeps booting: 'berthctl poweroff " + name + "' stops it");
        }
        const double until = std::min(deadline, monotonic_sec() + (subscribed ? 0.25 : 0.05));
        if (subscribed)
            wait_for_signal(bus.connection(), &changed, until);
        else {
            struct timespec pause = {0, 50 * 1000 * 1000};   // no match (an old bus): poll
            nanosleep(&pause, nullptr);
        }
    }
}

}  // namespace berth::ctl
