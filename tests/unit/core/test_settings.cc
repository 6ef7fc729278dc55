#include <boost/test/unit_test.hpp>

#include <limits>

#include "core/settings.h"

using namespace berth;

namespace {

Limits some_defaults()
{
    Limits l;
    l.tasks_max = 4096;
    l.memory_max = 1ULL << 30;
    return l;
}

Result<ContainerSpec> make(const Settings& settings, const std::string& name = "c1")
{
    return spec_from_settings(name, settings, some_defaults(), "busybox");
}

void expect_refused(const Result<ContainerSpec>& r, const std::string& needle)
{
    BOOST_TEST_REQUIRE(!r.has_value(), "accepted, wanted " << needle);
    BOOST_TEST((r.error().kind == ErrorKind::InvalidArgument));
    BOOST_TEST(r.error().message.find(needle) != std::string::npos, r.error().message << " lacks " << needle);
}

void expect_refused(const Result<Limits>& r, const std::string& needle)
{
    BOOST_TEST_REQUIRE(!r.has_value(), "accepted, wanted " << needle);
    BOOST_TEST((r.error().kind == ErrorKind::InvalidArgument));
    BOOST_TEST(r.error().message.find(needle) != std::string::npos, r.error().message << " lacks " << needle);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(settings)

BOOST_AUTO_TEST_CASE(empty_settings_boot_the_default_image)
{
    auto r = make({});
    BOOST_TEST_REQUIRE(r.has_value(), r.error().message);
    BOOST_TEST(r->name == "c1");
    BOOST_TEST(r->image == "busybox");
    BOOST_TEST((r->mode == ContainerMode::Boot));
    BOOST_TEST(r->command.empty());
    BOOST_TEST((r->limits == some_defaults()));
    BOOST_TEST(!r->auto_remove);
}

BOOST_AUTO_TEST_CASE(every_key)
{
    Settings s{
        {"Image", std::string("debian")},
        {"Command", std::vector<std::string>{"/bin/sh", "-c", "true"}},
        {"Environment", std::vector<std::string>{"A=1", "B="}},
        {"AutoRemove", true},
        {"MemoryMax", uint64_t{64} << 20},
        {"MemoryHigh", int64_t{32} << 20},
        {"CPUs", 1.5},
        {"CPUWeight", uint64_t{200}},
        {"TasksMax", int64_t{64}},
        {"IOWeight", uint64_t{300}},
        {"Boot", false},
    };
    auto r = make(s);
    BOOST_TEST_REQUIRE(r.has_value(), r.error().message);
    BOOST_TEST(r->image == "debian");
    BOOST_TEST((r->mode == ContainerMode::Command));
    BOOST_TEST((r->command == std::vector<std::string>{"/bin/sh", "-c", "true"}));
    BOOST_TEST((r->environment == std::vector<std::string>{"A=1", "B="}));
    BOOST_TEST(r->auto_remove);
    BOOST_TEST(r->limits.memory_max == 64u << 20);
    BOOST_TEST(r->limits.memory_high == 32u << 20);
    BOOST_TEST(r->limits.cpus == 1.5);
    BOOST_TEST(r->limits.cpu_weight == 200u);
    BOOST_TEST(r->limits.tasks_max == 64u);
    BOOST_TEST(r->limits.io_weight == 300u);
}

BOOST_AUTO_TEST_CASE(boot_true_is_boot_mode)
{
    auto r = make({{"Boot", true}});
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST((r->mode == ContainerMode::Boot));
}

BOOST_AUTO_TEST_CASE(integer_forms_of_cpus)
{
    BOOST_TEST(make({{"CPUs", uint64_t{2}}})->limits.cpus == 2.0);
    BOOST_TEST(make({{"CPUs", int64_t{3}}})->limits.cpus == 3.0);
    BOOST_TEST(make({{"MemoryMax", kUnlimited}})->limits.memory_max == kUnlimited);
    BOOST_TEST(make({{"TasksMax", kUnlimited}})->limits.tasks_max == kUnlimited);
}

BOOST_AUTO_TEST_CASE(refuses_bad_names)
{
    expect_refused(make({}, ""), "container name");
    expect_refused(make({}, "../etc"), "container name");
    expect_refused(make({}, "a/b"), "container name");
    expect_refused(make({{"Image", std::string("../../etc")}}), "image name");
    expect_refused(make({{"Image", std::string("")}}), "image name");
    expect_refused(spec_from_settings("a", {}, Limits{}, "bad/default"), "image name");
}

BOOST_AUTO_TEST_CASE(refuses_unknown_keys)
{
    auto r = make({{"Foo", true}});
    expect_refused(r, "Unknown setting 'Foo'");
    BOOST_TEST(r.error().message.find("MemoryMax") != std::string::npos);
    BOOST_TEST(r.error().message.find("Image") != std::string::npos);
    expect_refused(make({{"memorymax", uint64_t{1}}}), "Unknown setting 'memorymax'");  // keys are case-sensitive
}

BOOST_AUTO_TEST_CASE(refuses_wrong_types)
{
    expect_refused(make({{"MemoryMax", std::string("1G")}}),
                   "Setting 'MemoryMax' must be an unsigned integer (bytes)");
    expect_refused(make({{"MemoryMax", 1.0}}), "Setting 'MemoryMax' must be an unsigned integer");
    expect_refused(make({{"TasksMax", true}}), "Setting 'TasksMax' must be an unsigned integer");
    expect_refused(make({{"CPUs", std::string("2")}}), "Setting 'CPUs' must be a number");
    expect_refused(make({{"Image", uint64_t{1}}}), "Setting 'Image' must be a string");
    expect_refused(make({{"Boot", std::string("yes")}}), "Setting 'Boot' must be a boolean");
    expect_refused(make({{"AutoRemove", uint64_t{1}}}), "Setting 'AutoRemove' must be a boolean");
    expect_refused(make({{"Command", std::string("/bin/sh")}}), "Setting 'Command' must be an array of strings");
    expect_refused(make({{"Environment", std::string("A=1")}}), "Setting 'Environment' must be an array");
}

BOOST_AUTO_TEST_CASE(refuses_negative_and_absurd_values)
{
    expect_refused(make({{"MemoryMax", int64_t{-1}}}), "must not be negative");
    expect_refused(make({{"TasksMax", int64_t{-5}}}), "'TasksMax' must not be negative");
    expect_refused(make({{"CPUs", -1.0}}), "CPUs");
    expect_refused(make({{"CPUs", int64_t{-1}}}), "CPUs");
    expect_refused(make({{"CPUs", std::numeric_limits<double>::quiet_NaN()}}), "CPUs");
    expect_refused(make({{"CPUs", std::numeric_limits<double>::infinity()}}), "CPUs");
    expect_refused(make({{"CPUs", uint64_t{5000}}}), "CPUs");
    expect_refused(make({{"MemoryMax", uint64_t{1000}}}), "MemoryMax");
    expect_refused(make({{"CPUWeight", uint64_t{10001}}}), "CPUWeight");
    expect_refused(make({{"IOWeight", kUnlimited}}), "IOWeight");
    expect_refused(make({{"TasksMax", uint64_t{0}}}), "TasksMax");
}

BOOST_AUTO_TEST_CASE(refuses_bad_commands_and_environment)
{
    using V = std::vector<std::string>;
    expect_refused(make({{"Command", V{}}}), "Command");
    expect_refused(make({{"Command", V{""}}}), "program");
    expect_refused(make({{"Command", V{"/bin/true"}}, {"Boot", true}}), "'Boot' and 'Command'");
    expect_refused(make({{"Boot", false}}), "Boot");
    expect_refused(make({{"Environment", V{"NOEQUALS"}}}), "KEY=VALUE");
    expect_refused(make({{"Environment", V{"=x"}}}), "variable name");
    expect_refused(make({{"Environment", V{"1A=x"}}}), "variable name");
    expect_refused(make({{"Environment", V{"A-B=x"}}}), "variable name");
    expect_refused(make({{"Environment", V{"A B=x"}}}), "variable name");
    expect_refused(make({{"Environment", V{std::string("A=x\0y", 5)}}}), "NUL");
}

BOOST_AUTO_TEST_CASE(limits_apply_over_current)
{
    Limits current = some_defaults();
    current.cpus = 2;
    auto r = limits_from_settings({{"MemoryMax", uint64_t{128} << 20}, {"IOWeight", int64_t{50}}}, current);
    BOOST_TEST_REQUIRE(r.has_value(), r.error().message);
    BOOST_TEST(r->memory_max == 128u << 20);
    BOOST_TEST(r->io_weight == 50u);
    BOOST_TEST(r->cpus == 2.0);          // untouched
    BOOST_TEST(r->tasks_max == 4096u);   // untouched
    auto unlimit = limits_from_settings({{"MemoryMax", kUnlimited}, {"CPUs", 0.0}}, *r);
    BOOST_TEST_REQUIRE(unlimit.has_value());
    BOOST_TEST(unlimit->memory_max == kUnlimited);
    BOOST_TEST(unlimit->cpus == 0.0);
}

BOOST_AUTO_TEST_CASE(limits_refuse_bad_input)
{
    const Limits current;
    expect_refused(limits_from_settings({}, current), "no limits given");
    expect_refused(limits_from_settings({{"Image", std::string("x")}}, current), "Unknown limit 'Image'");
    expect_refused(limits_from_settings({{"MemoryMax", int64_t{-1}}}, current), "must not be negative");
    expect_refused(limits_from_settings({{"MemoryMax", std::string("1G")}}, current), "unsigned integer");
    expect_refused(limits_from_settings({{"TasksMax", uint64_t{0}}}, current), "TasksMax");
    expect_refused(limits_from_settings({{"CPUs", 1e6}}, current), "CPUs");
}

BOOST_AUTO_TEST_SUITE_END()
