// The guest OS of a running container (manager side of core/guest_state.h): readiness from the guest's notify
// socket (berth-spawn relays NOTIFY), the guest's own system state, its os-release name, and stop reasons.
#include <fcntl.h>
#include <unistd.h>

#include "core/manager.h"
#include "core/manager_internal.h"

namespace berth {

using namespace manager_detail;

namespace {

// Enough for any answer of `systemctl is-system-running`.
std::string read_available(int fd)
{
    std::string out;
    char buf[256];
    ssize_t n;
    while (out.size() < 4096 && (n = read(fd, buf, sizeof buf)) > 0)
        out.append(buf, static_cast<size_t>(n));
    while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
        out.pop_back();
    return out;
}

}  // namespace

// A new run of PID 1 (start, reboot, or a daemon that re-attached): a systemd guest is "starting" until it says
// READY=1; anything else (busybox init, a command) is running as soon as it runs.
void Manager::guest_started(Container& c, bool ready)
{
    c.guest.notify = c.spec.mode == ContainerMode::Boot && c.init == InitKind::Systemd;
    c.guest.ready = ready;
    c.guest.status.clear();
    c.guest.system_state.clear();
    c.guest.stop_timed_out = false;
    c.guest.os_name = read_os_name(root_of(c.spec));
    if (ready)
        query_guest_state(c.spec.name);
}

void Manager::on_guest_notify(Container& c, const Message& message)
{
    std::vector<std::string> changed;
    if (auto status = message.get("status"); !status.empty() && status != c.guest.status) {
        c.guest.status = status;
        changed.push_back("GuestStatus");
    }
    if (message.get("stopping") == "1") {
        c.guest.system_state = "stopping";
        changed.push_back("GuestState");
    }
    if (message.get("ready") == "1" && !c.guest.ready) {
        c.guest.ready = true;
        changed.push_back("State");
        query_guest_state(c.spec.name);
    }
    if (!changed.empty())
        notify_changed(c, changed);
}

// `systemctl is-system-running` in the guest, read through a pipe when the command ends (never blocking).
void Manager::query_guest_state(const std::string& name)
{
    auto* c = lookup(name).value_or(nullptr);
    if (!c || !c->guest.notify)
        return;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
        return;
    auto out = std::make_shared<UniqueFd>(fds[0]);
    StdioFds stdio{UniqueFd(open("/dev/null", O_RDONLY | O_CLOEXEC)), UniqueFd(fds[1]),
                   UniqueFd(open("/dev/null", O_WRONLY | O_CLOEXEC))};
    auto started = exec(name, {"systemctl", "is-system-running"}, {}, std::move(stdio), [this, name, out](Result<int>) {
        auto* late = lookup(name).value_or(nullptr);
        if (!late || late->state != ContainerState::Running)
            return;
        std::string state = read_available(out->get());
        if (state.empty() || state == late->guest.system_state)
            return;
        const bool was_degraded = late->guest.system_state == "degraded";
        late->guest.system_state = state;
        std::vector<std::string> changed = {"GuestState"};
        if (was_degraded != (state == "degraded"))
            changed.push_back("State");
        notify_changed(*late, changed);
    });
    (void)started;   // a guest without systemctl keeps an unknown system state
}

}  // namespace berth
