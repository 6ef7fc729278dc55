#include <boost/test/unit_test.hpp>

#include "ctl/options.h"

using namespace berth;
using namespace berth::ctl;

namespace {

const std::vector<OptionSpec> kSpecs = {
    {"image", 'i', true, false, "IMG", "image"},
    {"env", 'e', true, true, "K=V", "env"},
    {"rm", 0, false, false, "", "remove"},
    {"force", 'f', false, false, "", "force"},
};

ParsedArgs parse(std::vector<std::string> args, std::optional<size_t> command_after = std::nullopt)
{
    auto r = parse_args(args, kSpecs, command_after);
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    return *r;
}

std::string parse_error(std::vector<std::string> args)
{
    auto r = parse_args(args, kSpecs);
    BOOST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error().kind == ErrorKind::InvalidArgument));
    return r.error().message;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ctl_options)

BOOST_AUTO_TEST_CASE(long_options_with_and_without_equals)
{
    auto a = parse({"web", "--image", "busybox", "--rm"});
    BOOST_TEST(a.positionals == std::vector<std::string>{"web"});
    BOOST_TEST(*a.value("image") == "busybox");
    BOOST_TEST(a.has("rm"));
    BOOST_TEST(!a.has("force"));
    auto b = parse({"--image=deb", "web"});
    BOOST_TEST(*b.value("image") == "deb");
    BOOST_TEST(b.positionals == std::vector<std::string>{"web"});
}

BOOST_AUTO_TEST_CASE(short_options_and_clusters)
{
    auto a = parse({"-i", "x", "-fh", "-eA=1", "-e", "B=2"});
    BOOST_TEST(*a.value("image") == "x");
    BOOST_TEST(a.has("force"));
    BOOST_TEST(a.has("help"));
    BOOST_TEST(a.values("env") == (std::vector<std::string>{"A=1", "B=2"}));
}

BOOST_AUTO_TEST_CASE(dashdash_ends_options)
{
    auto a = parse({"web", "--", "ls", "--rm", "-l"});
    BOOST_TEST(a.dashdash);
    BOOST_TEST(a.positionals == std::vector<std::string>{"web"});
    BOOST_TEST(a.rest == (std::vector<std::string>{"ls", "--rm", "-l"}));
    BOOST_TEST(!a.has("rm"));
    auto b = parse({"web", "--"});
    BOOST_TEST(b.dashdash);
    BOOST_TEST(b.rest.empty());
}

BOOST_AUTO_TEST_CASE(command_after_positionals)
{
    auto a = parse({"web", "--env", "A=1", "ls", "-l", "--rm"}, 1);
    BOOST_TEST(a.positionals == std::vector<std::string>{"web"});
    BOOST_TEST(a.rest == (std::vector<std::string>{"ls", "-l", "--rm"}));
    BOOST_TEST(!a.dashdash);
    BOOST_TEST(!a.has("rm"));
    auto b = parse({"--rm", "echo", "hi"}, 0);
    BOOST_TEST(b.positionals.empty());
    BOOST_TEST(b.rest == (std::vector<std::string>{"echo", "hi"}));
}

BOOST_AUTO_TEST_CASE(stdin_dash_is_a_positional)
{
    auto a = parse({"-", "img"});
    BOOST_TEST(a.positionals == (std::vector<std::string>{"-", "img"}));
}

BOOST_AUTO_TEST_CASE(last_single_value_wins)
{
    auto a = parse({"--image", "a", "--image=b"});
    BOOST_TEST(*a.value("image") == "b");
    BOOST_TEST(a.values("image").size() == 1u);
}

BOOST_AUTO_TEST_CASE(errors_name_the_option)
{
    BOOST_TEST(parse_error({"--bogus"}).find("--bogus") != std::string::npos);
    BOOST_TEST(parse_error({"-z"}).find("-z") != std::string::npos);
    BOOST_TEST(parse_error({"--image"}).find("needs a value") != std::string::npos);
    BOOST_TEST(parse_error({"-i"}).find("needs a value") != std::string::npos);
    BOOST_TEST(parse_error({"--rm=yes"}).find("takes no value") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(help_lists_every_option)
{
    const std::string help = format_option_help(kSpecs);
    BOOST_TEST(help.find("-i, --image IMG") != std::string::npos);
    BOOST_TEST(help.find("    --rm") != std::string::npos);
    BOOST_TEST(help.find("-h, --help") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
