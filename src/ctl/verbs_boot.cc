// `start --wait`: after Start (which replies once PID 1 runs), wait until each container's guest is ready: the
// State property leaves "starting" (a systemd guest says READY=1 on its notify socket; other inits are ready at
// once). Polls the property: one cheap call every 50 ms, and nothing to leak when the caller gives up.
#include <time.h>

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
    for (;;) {
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
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, nullptr);
    }
}

}  // namespace berth::ctl
