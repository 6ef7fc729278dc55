// The container settings berthctl reads from options (create, run, set-limits), parsed and checked locally so a
// typo gets an answer without a round trip. Bus-free; the verbs turn these into the a{sv} of the D-Bus contract.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "ctl/options.h"

namespace berth::ctl {

struct LimitArgs {
    std::optional<uint64_t> memory_max;    // MemoryMax
    std::optional<uint64_t> memory_high;   // MemoryHigh
    std::optional<double> cpus;            // CPUs
    std::optional<uint64_t> cpu_weight;    // CPUWeight
    std::optional<uint64_t> tasks_max;     // TasksMax
    std::optional<uint64_t> io_weight;     // IOWeight
    std::optional<uint64_t> net_rate_in;   // NetRateIn (bits/s, 0 = none)
    std::optional<uint64_t> net_rate_out;  // NetRateOut
    std::optional<uint64_t> disk;          // Disk (bytes of the root volume, 0 = none)

    bool empty() const
    {
        return !memory_max && !memory_high && !cpus && !cpu_weight && !tasks_max && !io_weight && !net_rate_in &&
               !net_rate_out && !disk;
    }
};

// --memory, --memory-high, --cpus, --cpu-weight, --tasks, --io-weight, --net-rate[-in|-out]
const std::vector<OptionSpec>& limit_options();
// --env K=V (repeatable)
const OptionSpec& env_option();

// Reads the limit options; a bad value is ErrorKind::InvalidArgument: "invalid --memory '12Q': ...".
Result<LimitArgs> parse_limit_args(const ParsedArgs& args);
// Reads every --env; each must be KEY=VALUE with a non-empty KEY without '='.
Result<std::vector<std::string>> parse_env_args(const ParsedArgs& args);

// Individual value parsers (exposed for tests).
Result<double> parse_cpus(const std::string& text);
Result<uint64_t> parse_weight(const std::string& text);       // 1..10000
Result<uint64_t> parse_tasks(const std::string& text);        // a positive number or "infinity"

}  // namespace berth::ctl
