#include "core/limits.h"

#include <cmath>

namespace berth {

namespace {

// Below this the kernel's own bookkeeping for a container (page tables, slab, the init's stack) does not fit, and
// systemd's scope would be OOM-killed as soon as it starts: refuse it early with a readable message instead.
constexpr uint64_t kMinMemory = 4ULL << 20;
constexpr double kMaxCpus = 1024;
constexpr uint64_t kMaxWeight = 10000;

Result<> check_memory(std::string_view setting, uint64_t bytes)
{
    if (bytes == kUnlimited || bytes >= kMinMemory)
        return {};
    return fail(ErrorKind::InvalidArgument, std::string(setting) + " must be at least 4M (4194304 bytes) or " +
                                                "infinity, got " + std::to_string(bytes) + " bytes");
}

Result<> check_weight(std::string_view setting, uint64_t weight)
{
    if (weight <= kMaxWeight)
        return {};
    return fail(ErrorKind::InvalidArgument, std::string(setting) + " must be between 1 and 10000 (or 0 for " +
                                                "systemd's default of 100), got " + std::to_string(weight));
}

}  // namespace

Result<> validate_limits(const Limits& limits)
{
    BERTH_TRY(check_memory("MemoryMax", limits.memory_max));
    BERTH_TRY(check_memory("MemoryHigh", limits.memory_high));
    // NaN fails both comparisons, so test for the valid range rather than for the invalid one.
    if (!(std::isfinite(limits.cpus) && limits.cpus >= 0 && limits.cpus <= kMaxCpus))
        return fail(ErrorKind::InvalidArgument, "CPUs must be a number between 0 (no limit) and 1024, got " +
                                                    std::to_string(limits.cpus));
    BERTH_TRY(check_weight("CPUWeight", limits.cpu_weight));
    BERTH_TRY(check_weight("IOWeight", limits.io_weight));
    // tc's ratespec is 32-bit bytes/s with a 64-bit extension; 1 Tbit/s is far beyond any veth, 8 kbit/s the floor.
    for (auto [setting, rate] : {std::pair{"NetRateIn", limits.net_rate_in}, std::pair{"NetRateOut", limits.net_rate_out}})
        if (rate != 0 && (rate < 8000 || rate > 1000000000000ULL))
            return fail(ErrorKind::InvalidArgument, std::string(setting) + " must be 0 (no limit) or between 8000 and " +
                                                        "10^12 bits per second, got " + std::to_string(rate));
    if (limits.tasks_max == 0)
        return fail(ErrorKind::InvalidArgument,
                    "TasksMax must be at least 1 (or infinity for no limit), got 0; a container needs its init");
    return {};
}

}  // namespace berth
