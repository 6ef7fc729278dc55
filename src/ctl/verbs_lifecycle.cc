// Verbs that change a container's run state: start, poweroff (stop), reboot, terminate, kill. Each takes one or
// more names and, like machinectl, tries every name and fails if any failed.
#include <signal.h>

#include <functional>

#include "ctl/bus.h"
#include "ctl/errors.h"
#include "ctl/signals.h"
#include "ctl/verbs.h"

namespace berth::ctl {

namespace {

using NameCall = std::function<void(ManagerClient&, const std::string&)>;

Result<int> for_each_name(const Invocation& inv, const NameCall& call)
{
    auto bus = BERTH_TRY(Bus::connect());
    int status = 0;
    for (const auto& name : inv.args.positionals) {
        auto r = bus_call([&] { call(bus.manager(), name); });
        if (!r)
            status = report_error(r.error(), inv.verb.name);
    }
    return status;
}

Result<int> do_start(const Invocation& inv)
{
    if (!inv.args.has("wait")) {
        if (inv.args.has("timeout"))
            return usage_error("--timeout needs --wait");
        return for_each_name(inv, [](ManagerClient& m, const std::string& n) { m.StartContainer(n); });
    }
    const double timeout = BERTH_TRY(parse_wait_timeout(inv.args.value("timeout").value_or("90")));
    auto bus = BERTH_TRY(Bus::connect());
    int status = 0;
    for (const auto& name : inv.args.positionals) {
        auto r = bus_call([&] { bus.manager().StartContainer(name); });
        if (r)
            r = wait_until_ready(bus, name, timeout);
        if (!r)
            status = report_error(r.error(), inv.verb.name);
    }
    return status;
}

Result<int> do_poweroff(const Invocation& inv)
{
    return for_each_name(inv, [](ManagerClient& m, const std::string& n) { m.PowerOffContainer(n); });
}

Result<int> do_reboot(const Invocation& inv)
{
    return for_each_name(inv, [](ManagerClient& m, const std::string& n) { m.RebootContainer(n); });
}

Result<int> do_terminate(const Invocation& inv)
{
    return for_each_name(inv, [](ManagerClient& m, const std::string& n) { m.TerminateContainer(n); });
}

Result<int> do_kill(const Invocation& inv)
{
    int signal = SIGTERM;
    if (auto text = inv.args.value("signal")) {
        auto parsed = parse_signal(*text);
        if (!parsed)
            return usage_error("invalid --signal: " + parsed.error().message);
        signal = *parsed;
    }
    const std::string whom = inv.args.value("kill-whom").value_or("all");
    if (whom != "leader" && whom != "all")
        return usage_error("invalid --kill-whom '" + whom + "' (use leader or all)");
    return for_each_name(inv, [&](ManagerClient& m, const std::string& n) { m.KillContainer(n, whom, signal); });
}

}  // namespace

std::vector<Verb> lifecycle_verbs()
{
    return {
        {"start", {}, "NAME... [--wait [--timeout SEC]]", 1, kAnyNumber, std::nullopt,
         {{"wait", 'w', false, false, "", "return when the guest is ready (State running or degraded)"},
          {"timeout", 0, true, false, "SEC", "with --wait: give up after SEC seconds (default 90)"}},
         do_start, "Start containers",
         "Starts each stopped container NAME; returns when its PID 1 runs inside the container's scope.\n"
         "With --wait, returns when the guest is ready: a systemd guest reports READY=1 through the\n"
         "NOTIFY_SOCKET berth gives it (State goes starting -> running, or degraded when the guest's systemd\n"
         "says so); other inits are ready as soon as they run. Fails when the container stops while booting\n"
         "or is not ready within --timeout (it keeps booting then)."},
        {"poweroff", {"stop"}, "NAME...", 1, kAnyNumber, std::nullopt, {}, do_poweroff,
         "Ask containers to shut down cleanly",
         "Asks each container's init to shut down (SIGRTMIN+3 for systemd, the image's shutdown signal for other\n"
         "inits, SIGTERM for a command); the daemon terminates it after its stop timeout. Returns at once:\n"
         "watch 'berthctl list' or 'berthctl status'."},
        {"reboot", {}, "NAME...", 1, kAnyNumber, std::nullopt, {}, do_reboot, "Ask containers to reboot",
         "Asks each container's init to reboot; a command-mode container has its command killed and started\n"
         "again. The scope, id range and settings stay."},
        {"terminate", {}, "NAME...", 1, kAnyNumber, std::nullopt, {}, do_terminate,
         "Stop containers at once (no clean shutdown)",
         "Stops each container's scope at once (SIGTERM, then SIGKILL). Returns when it is stopped."},
        {"kill", {}, "NAME... [--signal SIG] [--kill-whom leader|all]", 1, kAnyNumber, std::nullopt,
         {{"signal", 's', true, false, "SIG", "signal to send: a name (TERM, SIGKILL, RTMIN+3) or number (default TERM)"},
          {"kill-whom", 0, true, false, "WHOM", "'leader' (PID 1 only) or 'all' processes (default all)"}},
         do_kill, "Send a signal to container processes",
         "Sends SIG to the container's PID 1 (--kill-whom=leader) or to all of its processes (the default)."},
    };
}

}  // namespace berth::ctl
