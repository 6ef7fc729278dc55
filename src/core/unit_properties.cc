// Limits -> systemd unit properties. Every limit is always sent, including "none", so that SetUnitProperties can
// also lift a limit that was set before (systemd reads UINT64_MAX as "infinity" for the limits and as "unset, use
// the default" for the weights).
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/unit_manager.h"

namespace berth {

namespace {

constexpr uint64_t kSystemdInfinity = std::numeric_limits<uint64_t>::max();

// cpus -> CPUQuotaPerSecUSec: 0.5 CPUs = 500000 us of CPU time per second. 0 (or anything that rounds to 0 us)
// means no quota, because systemd refuses a quota of 0.
uint64_t cpu_quota_per_sec_usec(double cpus)
{
    if (!(cpus > 0) || !std::isfinite(cpus))
        return kSystemdInfinity;
    const double usec = std::round(cpus * 1e6);
    if (usec < 1)
        return kSystemdInfinity;
    if (usec >= static_cast<double>(kSystemdInfinity))
        return kSystemdInfinity;
    return static_cast<uint64_t>(usec);
}

uint64_t weight_or_default(uint64_t weight)
{
    return weight == 0 ? kSystemdInfinity : weight;
}

}  // namespace

std::vector<UnitProperty> limits_to_unit_properties(const Limits& limits)
{
    // kUnlimited is UINT64_MAX, which is also systemd's "infinity": the byte and task limits pass through.
    static_assert(kUnlimited == std::numeric_limits<uint64_t>::max());
    return {
        {"MemoryMax", limits.memory_max},
        {"MemoryHigh", limits.memory_high},
        {"CPUQuotaPerSecUSec", cpu_quota_per_sec_usec(limits.cpus)},
        {"CPUWeight", weight_or_default(limits.cpu_weight)},
        {"TasksMax", limits.tasks_max},
        {"IOWeight", weight_or_default(limits.io_weight)},
    };
}

}  // namespace berth
