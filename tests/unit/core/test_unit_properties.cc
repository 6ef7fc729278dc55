#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <string>

#include "core/unit_manager.h"

using namespace berth;

namespace {

constexpr uint64_t kInfinity = std::numeric_limits<uint64_t>::max();

std::map<std::string, uint64_t> as_map(const Limits& limits)
{
    std::map<std::string, uint64_t> out;
    for (const UnitProperty& p : limits_to_unit_properties(limits)) {
        BOOST_TEST(out.count(p.name) == 0u, "property sent twice: " << p.name);
        out[p.name] = p.value;
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(unit_properties)

BOOST_AUTO_TEST_CASE(defaults_lift_every_limit)
{
    // A default Limits must still name every property, so set_limits() can undo an earlier limit.
    const auto props = as_map(Limits{});
    BOOST_TEST(props.size() == 6u);
    for (const char* name : {"MemoryMax", "MemoryHigh", "CPUQuotaPerSecUSec", "CPUWeight", "TasksMax", "IOWeight"}) {
        BOOST_REQUIRE_MESSAGE(props.count(name) == 1u, "missing " << name);
        BOOST_TEST(props.at(name) == kInfinity, name);
    }
}

BOOST_AUTO_TEST_CASE(values_pass_through)
{
    Limits limits;
    limits.memory_max = 64ull << 20;
    limits.memory_high = 48ull << 20;
    limits.cpus = 0.5;
    limits.cpu_weight = 200;
    limits.tasks_max = 20;
    limits.io_weight = 50;
    const auto props = as_map(limits);
    BOOST_TEST(props.at("MemoryMax") == 67108864u);
    BOOST_TEST(props.at("MemoryHigh") == 50331648u);
    BOOST_TEST(props.at("CPUQuotaPerSecUSec") == 500000u);
    BOOST_TEST(props.at("CPUWeight") == 200u);
    BOOST_TEST(props.at("TasksMax") == 20u);
    BOOST_TEST(props.at("IOWeight") == 50u);
}

BOOST_AUTO_TEST_CASE(cpu_quota_rounds_to_microseconds)
{
    Limits limits;
    limits.cpus = 1.0 / 3.0;
    BOOST_TEST(as_map(limits).at("CPUQuotaPerSecUSec") == 333333u);
    limits.cpus = 2.0000006;
    BOOST_TEST(as_map(limits).at("CPUQuotaPerSecUSec") == 2000001u);
    limits.cpus = 1024;
    BOOST_TEST(as_map(limits).at("CPUQuotaPerSecUSec") == 1024000000u);
}

BOOST_AUTO_TEST_CASE(tiny_or_invalid_cpu_quota_means_none)
{
    // systemd refuses a quota of 0; anything that rounds to 0 us (or is not a number) is "no quota".
    Limits limits;
    for (double cpus : {0.0, 1e-9, -1.0, std::numeric_limits<double>::quiet_NaN(),
                        std::numeric_limits<double>::infinity()}) {
        limits.cpus = cpus;
        BOOST_TEST(as_map(limits).at("CPUQuotaPerSecUSec") == kInfinity, "cpus=" << cpus);
    }
}

BOOST_AUTO_TEST_SUITE_END()
