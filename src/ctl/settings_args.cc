#include "ctl/settings_args.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "base/rate.h"
#include "base/size.h"

namespace berth::ctl {

namespace {

Result<uint64_t> parse_u64(const std::string& text, std::string_view what)
{
    uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size())
        return fail(ErrorKind::InvalidArgument, "not " + std::string(what));
    return value;
}

// Wraps a value parser's error as "invalid --OPTION 'VALUE': why".
template <typename T, typename F>
Result<std::optional<T>> read_option(const ParsedArgs& args, std::string_view name, F parse)
{
    auto text = args.value(name);
    if (!text)
        return std::optional<T>{};
    auto parsed = parse(*text);
    if (!parsed)
        return fail(ErrorKind::InvalidArgument,
                    "invalid --" + std::string(name) + " '" + *text + "': " + parsed.error().message);
    return std::optional<T>{*parsed};
}

}  // namespace

const std::vector<OptionSpec>& limit_options()
{
    static const std::vector<OptionSpec> specs = {
        {"memory", 'm', true, false, "SIZE", "hard memory limit, e.g. 512M, 2G or infinity"},
        {"memory-high", 0, true, false, "SIZE", "memory throttling limit (cgroup v2 only)"},
        {"cpus", 0, true, false, "N", "CPU time as a number of CPUs, e.g. 0.5 or 2 (0: no limit)"},
        {"cpu-weight", 0, true, false, "N", "CPU weight, 1..10000 (default 100)"},
        {"tasks", 0, true, false, "N", "maximum number of processes and threads, or infinity"},
        {"io-weight", 0, true, false, "N", "IO weight, 1..10000 (default 100)"},
        {"net-rate", 0, true, false, "RATE", "network bandwidth both ways in bits/s, e.g. 10M or 800k (0: none)"},
        {"net-rate-in", 0, true, false, "RATE", "bandwidth toward the container only (its download)"},
        {"net-rate-out", 0, true, false, "RATE", "bandwidth from the container only (its upload)"},
        {"disk", 0, true, false, "SIZE", "disk space of the root, e.g. 2G (btrfs pools; 0 or infinity: none)"},
    };
    return specs;
}

const OptionSpec& env_option()
{
    static const OptionSpec spec{"env", 'e', true, true, "K=V", "set an environment variable (repeatable)"};
    return spec;
}

Result<double> parse_cpus(const std::string& text)
{
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || errno != 0 || !std::isfinite(v))
        return fail(ErrorKind::InvalidArgument, "not a number of CPUs (use e.g. 0.5, 1 or 2)");
    if (v < 0)
        return fail(ErrorKind::InvalidArgument, "must not be negative");
    return v;
}

Result<uint64_t> parse_weight(const std::string& text)
{
    auto v = parse_u64(text, "a number");
    if (!v || *v < 1 || *v > 10000)
        return fail(ErrorKind::InvalidArgument, "must be a number from 1 to 10000");
    return *v;
}

Result<uint64_t> parse_tasks(const std::string& text)
{
    if (text == "infinity" || text == "max")
        return kUnlimited;
    auto v = parse_u64(text, "a number");
    if (!v || *v == 0)
        return fail(ErrorKind::InvalidArgument, "must be a positive number or infinity");
    return *v;
}

Result<LimitArgs> parse_limit_args(const ParsedArgs& args)
{
    LimitArgs out;
    out.memory_max = BERTH_TRY(read_option<uint64_t>(args, "memory", parse_size));
    out.memory_high = BERTH_TRY(read_option<uint64_t>(args, "memory-high", parse_size));
    out.cpus = BERTH_TRY(read_option<double>(args, "cpus", parse_cpus));
    out.cpu_weight = BERTH_TRY(read_option<uint64_t>(args, "cpu-weight", parse_weight));
    out.tasks_max = BERTH_TRY(read_option<uint64_t>(args, "tasks", parse_tasks));
    out.io_weight = BERTH_TRY(read_option<uint64_t>(args, "io-weight", parse_weight));
    // --net-rate sets both directions; --net-rate-in/-out override one of them.
    const auto both = BERTH_TRY(read_option<uint64_t>(args, "net-rate", parse_rate));
    out.net_rate_in = BERTH_TRY(read_option<uint64_t>(args, "net-rate-in", parse_rate));
    out.net_rate_out = BERTH_TRY(read_option<uint64_t>(args, "net-rate-out", parse_rate));
    out.disk = BERTH_TRY(read_option<uint64_t>(args, "disk", [](const std::string& text) -> Result<uint64_t> {
        const uint64_t v = BERTH_TRY(parse_size(text));
        return v == kUnlimited ? 0 : v;
    }));
    if (both && !out.net_rate_in)
        out.net_rate_in = both;
    if (both && !out.net_rate_out)
        out.net_rate_out = both;
    return out;
}

Result<std::vector<std::string>> parse_env_args(const ParsedArgs& args)
{
    std::vector<std::string> env = args.values("env");
    for (const auto& e : env) {
        const size_t eq = e.find('=');
        if (eq == std::string::npos || eq == 0)
            return fail(ErrorKind::InvalidArgument, "invalid --env '" + e + "': use KEY=VALUE");
    }
    return env;
}

}  // namespace berth::ctl
