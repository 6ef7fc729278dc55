#include <boost/test/unit_test.hpp>

#include "base/size.h"
#include "ctl/settings_args.h"

using namespace berth;
using namespace berth::ctl;

namespace {

ParsedArgs parse(std::vector<std::string> args)
{
    std::vector<OptionSpec> specs = limit_options();
    specs.push_back(env_option());
    auto r = parse_args(args, specs);
    BOOST_REQUIRE(r.has_value());
    return *r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ctl_settings_args)

BOOST_AUTO_TEST_CASE(no_options_no_limits)
{
    auto l = parse_limit_args(parse({}));
    BOOST_REQUIRE(l.has_value());
    BOOST_TEST(l->empty());
}

BOOST_AUTO_TEST_CASE(every_limit)
{
    auto l = parse_limit_args(parse({"--memory", "64M", "--memory-high=1G", "--cpus", "1.5", "--cpu-weight", "200",
                                     "--tasks", "infinity", "--io-weight", "10000"}));
    BOOST_REQUIRE(l.has_value());
    BOOST_TEST(*l->memory_max == 64ull << 20);
    BOOST_TEST(*l->memory_high == 1ull << 30);
    BOOST_TEST(*l->cpus == 1.5);
    BOOST_TEST(*l->cpu_weight == 200u);
    BOOST_TEST(*l->tasks_max == kUnlimited);
    BOOST_TEST(*l->io_weight == 10000u);
    BOOST_TEST(!l->empty());
}

BOOST_AUTO_TEST_CASE(bad_values_name_option_and_value)
{
    auto l = parse_limit_args(parse({"--memory", "12Q"}));
    BOOST_REQUIRE(!l);
    BOOST_TEST((l.error().kind == ErrorKind::InvalidArgument));
    BOOST_TEST(l.error().message.starts_with("invalid --memory '12Q': "));
    BOOST_TEST(!parse_limit_args(parse({"--cpus", "-1"})));
    BOOST_TEST(!parse_limit_args(parse({"--cpus", "two"})));
    BOOST_TEST(!parse_limit_args(parse({"--cpus", "nan"})));
    BOOST_TEST(!parse_limit_args(parse({"--cpu-weight", "0"})));
    BOOST_TEST(!parse_limit_args(parse({"--io-weight", "10001"})));
    BOOST_TEST(!parse_limit_args(parse({"--tasks", "0"})));
    BOOST_TEST(!parse_limit_args(parse({"--tasks", "-5"})));
    BOOST_TEST(!parse_limit_args(parse({"--tasks", "12k"})));
}

BOOST_AUTO_TEST_CASE(value_parsers)
{
    BOOST_TEST(*parse_cpus("0") == 0.0);
    BOOST_TEST(*parse_cpus("0.25") == 0.25);
    BOOST_TEST(!parse_cpus(""));
    BOOST_TEST(!parse_cpus("inf"));
    BOOST_TEST(*parse_weight("1") == 1u);
    BOOST_TEST(!parse_weight(""));
    BOOST_TEST(*parse_tasks("max") == kUnlimited);
    BOOST_TEST(*parse_tasks("4096") == 4096u);
}

BOOST_AUTO_TEST_CASE(environment)
{
    auto env = parse_env_args(parse({"--env", "A=1", "-e", "B=", "--env=C=x=y"}));
    BOOST_REQUIRE(env.has_value());
    BOOST_TEST(*env == (std::vector<std::string>{"A=1", "B=", "C=x=y"}));
    BOOST_TEST(!parse_env_args(parse({"--env", "NOVALUE"})));
    BOOST_TEST(!parse_env_args(parse({"--env", "=x"})));
}

BOOST_AUTO_TEST_SUITE_END()
