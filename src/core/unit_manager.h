// berth's view of systemd: create the transient scope of a container with its limits, change limits live, signal,
// stop, and read usage. The sd-bus implementation is SystemdUnitManager; unit tests use a fake.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "base/error.h"
#include "core/limits.h"

namespace berth {

struct ScopeRequest {
    std::string unit;         // "berth-NAME.scope"
    std::string slice = "machine.slice";
    std::string description;  // "berth container NAME"
    pid_t pid = 0;            // the process to move into the scope (berth-spawn), in systemd's pid namespace
    Limits limits;
    // Device cgroup policy: "closed" plus this allow list (path or "char-pts", and "rwm" style access).
    std::vector<std::pair<std::string, std::string>> device_allow = {
        {"/dev/null", "rwm"}, {"/dev/zero", "rwm"}, {"/dev/full", "rwm"}, {"/dev/random", "rwm"},
        {"/dev/urandom", "rwm"}, {"/dev/tty", "rwm"}, {"/dev/net/tun", "rwm"}, {"/dev/ptmx", "rwm"},
        {"char-pts", "rw"},
    };
};

// A long-running helper service of berthd (dnsmasq of a network): a transient service, restarted on failure.
struct ServiceRequest {
    std::string unit;         // "berth-dnsmasq-berth0.service"
    std::string description;
    std::vector<std::string> argv;  // argv[0] is an absolute path
};

struct UnitUsage {
    uint64_t memory_current = 0;  // bytes (0 when systemd does not know)
    uint64_t cpu_usage_nsec = 0;
    uint64_t tasks_current = 0;
};

class UnitManager {
public:
    virtual ~UnitManager() = default;

    // StartTransientUnit(unit, "fail", [Slice, Description, PIDs, Delegate=yes, CPU/Memory/Tasks/IO accounting,
    // the limits, DevicePolicy=closed, DeviceAllow...]) and wait until systemd's job for it reports "done"
    // (bounded by a timeout). On failure nothing is left: the scope is stopped if it came into being.
    virtual Result<> start_scope(const ScopeRequest& request) = 0;
    // SetUnitProperties(unit, runtime=true, limits): applied to the live cgroup at once.
    virtual Result<> set_limits(const std::string& unit, const Limits& limits) = 0;
    // KillUnit(unit, whom = "main"|"all", signal). For a scope, "main" is not defined: callers signal the leader
    // pid themselves and use "all" here.
    virtual Result<> kill_unit(const std::string& unit, const std::string& whom, int signal) = 0;
    // StopUnit(unit, "replace") and wait (bounded) until the unit is gone. A unit that does not exist is fine.
    virtual Result<> stop_unit(const std::string& unit) = 0;
    // MemoryCurrent, CPUUsageNSec and TasksCurrent of the unit; zeros when it does not exist.
    virtual Result<UnitUsage> usage(const std::string& unit) = 0;
    // Whether the unit is loaded and active (or activating/deactivating).
    virtual Result<bool> is_active(const std::string& unit) = 0;
    // StartTransientUnit of a service running argv (Type=exec, Restart=on-failure) and wait for its start job.
    // An active unit of that name is left running (berthd restarted). Stop it with stop_unit, reload it with
    // kill_unit(unit, "main", SIGHUP).
    virtual Result<> start_service(const ServiceRequest& request)
    {
        return fail(ErrorKind::NotSupported, "start service " + request.unit + ": not supported here");
    }
    // KillUnit(unit, whom, signal) without waiting for systemd's answer, for signals nobody waits on (dnsmasq's
    // reload after every create and remove): a unit that is not running is fine, other failures are logged when
    // the answer comes. Calls on the same connection keep their order. This default waits, like kill_unit.
    virtual void kill_unit_nowait(const std::string& unit, const std::string& whom, int signal)
    {
        auto sent = kill_unit(unit, whom, signal);
        if (!sent && is_active(unit).value_or(false))
            std::fprintf(stderr, "berthd: %s\n", sent.error().describe().c_str());
    }
};

// The limits as systemd unit properties, e.g. {"MemoryMax", 67108864}; used by the implementation and unit tests.
// CPUs = 0 gives CPUQuotaPerSecUSec = infinity; weights of 0 give systemd's default (the "unset" value).
struct UnitProperty {
    std::string name;
    uint64_t value;
};
std::vector<UnitProperty> limits_to_unit_properties(const Limits& limits);

}  // namespace berth
