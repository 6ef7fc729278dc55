#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>

#include "core/limits.h"

using namespace berth;

namespace {
bool refused_naming(const Limits& limits, const std::string& setting)
{
    auto r = validate_limits(limits);
    return !r && r.error().kind == ErrorKind::InvalidArgument && r.error().message.find(setting) != std::string::npos;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(limits)

BOOST_AUTO_TEST_CASE(defaults_are_valid)
{
    BOOST_TEST(validate_limits(Limits{}).has_value());
}

BOOST_AUTO_TEST_CASE(accepts_edges)
{
    Limits l;
    l.memory_max = 4ULL << 20;
    l.memory_high = 4ULL << 20;
    l.cpus = 1024;
    l.cpu_weight = 10000;
    l.io_weight = 1;
    l.tasks_max = 1;
    BOOST_TEST(validate_limits(l).has_value());
    l.cpus = 0.01;
    l.cpu_weight = 1;
    l.io_weight = 10000;
    l.memory_max = kUnlimited - 1;
    BOOST_TEST(validate_limits(l).has_value());
}

BOOST_AUTO_TEST_CASE(refuses_small_memory)
{
    Limits l;
    l.memory_max = (4ULL << 20) - 1;
    BOOST_TEST(refused_naming(l, "MemoryMax"));
    BOOST_TEST(validate_limits(l).error().message.find("4M") != std::string::npos);
    l = {};
    l.memory_high = 0;
    BOOST_TEST(refused_naming(l, "MemoryHigh"));
}

BOOST_AUTO_TEST_CASE(refuses_bad_cpus)
{
    for (double cpus : {-0.5, 1024.5, 1e9, std::numeric_limits<double>::infinity(),
                        std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<double>::infinity()}) {
        Limits l;
        l.cpus = cpus;
        BOOST_TEST(refused_naming(l, "CPUs"), cpus);
    }
}

BOOST_AUTO_TEST_CASE(refuses_bad_weights_and_tasks)
{
    Limits l;
    l.cpu_weight = 10001;
    BOOST_TEST(refused_naming(l, "CPUWeight"));
    BOOST_TEST(validate_limits(l).error().message.find("10000") != std::string::npos);
    l = {};
    l.io_weight = kUnlimited;
    BOOST_TEST(refused_naming(l, "IOWeight"));
    l = {};
    l.tasks_max = 0;
    BOOST_TEST(refused_naming(l, "TasksMax"));
}

BOOST_AUTO_TEST_SUITE_END()
