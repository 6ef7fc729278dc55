#include <boost/test/unit_test.hpp>

#include <limits>
#include <string>

#include "core/spec.h"

using namespace berth;

namespace {

ContainerSpec full_spec()
{
    ContainerSpec s;
    s.name = "web-1.example_x";
    s.image = "debian.12";
    s.mode = ContainerMode::Command;
    s.command = {"/bin/sh", "-c", "echo \"hi\" 'there' \\ $HOME\nsecond line\ttab\r\x01\x7f", "", "ünïcødé ✓ 日本",
                 "# not a comment", "[not a table]", "key = \"value\"", "\"\"\"", "'''"};
    s.environment = {"A=1", "EMPTY=", "QUOTE=\"x\"", "NL=a\nb", "UNI=é", "EQ=a=b=c", "_under=1"};
    s.auto_remove = true;
    s.limits.memory_max = 67108864;
    s.limits.memory_high = 33554432;
    s.limits.cpus = 1.5;
    s.limits.cpu_weight = 100;
    s.limits.tasks_max = 64;
    s.limits.io_weight = 10000;
    s.idmap_base = 524288;
    s.idmap_size = 65536;
    s.idmap_mode = IdMapMode::Shifted;
    s.created_at = 1732812345123456;
    s.last_exit_status = 137;
    return s;
}

ContainerSpec round_trip(const ContainerSpec& spec)
{
    const std::string text = spec_to_toml(spec);
    auto parsed = parse_spec(text, "rt.toml");
    BOOST_TEST_REQUIRE(parsed.has_value(), (parsed ? std::string() : parsed.error().message) << "\n" << text);
    return *parsed;
}

const char* const kMinimal = R"(name = "a"
image = "busybox"
mode = "boot"
[idmap]
base = 524288
size = 65536
)";

// parse `text` and expect InvalidArgument whose message contains `needle`.
void expect_refused(const std::string& text, const std::string& needle)
{
    auto r = parse_spec(text, "bad.toml");
    BOOST_TEST_REQUIRE(!r.has_value(), "accepted:\n" << text);
    BOOST_TEST((r.error().kind == ErrorKind::InvalidArgument));
    BOOST_TEST(r.error().message.find(needle) != std::string::npos, r.error().message << " lacks " << needle);
    BOOST_TEST(r.error().message.rfind("bad.toml", 0) == 0u, r.error().message);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(spec)

BOOST_AUTO_TEST_CASE(round_trip_every_field)
{
    const ContainerSpec s = full_spec();
    BOOST_TEST((round_trip(s) == s));
    // Written twice, the same bytes: files are stable.
    BOOST_TEST(spec_to_toml(round_trip(s)) == spec_to_toml(s));
}

BOOST_AUTO_TEST_CASE(round_trip_boot_and_unlimited)
{
    ContainerSpec s;
    s.name = "b";
    s.image = "busybox";
    s.idmap_base = 65536;
    s.idmap_size = 1;
    BOOST_TEST((round_trip(s) == s));
    const std::string text = spec_to_toml(s);
    BOOST_TEST(text.find("memory_max = \"infinity\"") != std::string::npos);
    BOOST_TEST(text.find("tasks_max = \"infinity\"") != std::string::npos);
    BOOST_TEST(text.find("command = []") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(round_trip_extreme_values)
{
    ContainerSpec s = full_spec();
    s.limits.memory_max = kUnlimited - 1;  // above INT64_MAX: written as a string
    s.limits.memory_high = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    s.limits.tasks_max = uint64_t{1} << 63;
    s.limits.cpus = 0.1 + 0.2;  // needs all 17 digits
    s.created_at = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    s.last_exit_status = std::numeric_limits<int32_t>::min();
    s.idmap_base = 4294967295u - 65537;
    s.idmap_size = 65536;
    BOOST_TEST((round_trip(s) == s));
    s.limits.cpus = 1024;
    s.last_exit_status = std::numeric_limits<int32_t>::max();
    BOOST_TEST((round_trip(s) == s));
    s.limits.cpus = 1e-7;
    BOOST_TEST((round_trip(s) == s));
}

BOOST_AUTO_TEST_CASE(minimal_file_takes_defaults)
{
    auto r = parse_spec(kMinimal, "min.toml");
    BOOST_TEST_REQUIRE(r.has_value(), r.error().message);
    BOOST_TEST(r->name == "a");
    BOOST_TEST((r->mode == ContainerMode::Boot));
    BOOST_TEST((r->limits == Limits{}));
    BOOST_TEST((r->idmap_mode == IdMapMode::Idmapped));
    BOOST_TEST(r->last_exit_status == -1);
    BOOST_TEST(r->created_at == 0u);
    BOOST_TEST(!r->auto_remove);
}

BOOST_AUTO_TEST_CASE(limits_accept_sizes_and_integers)
{
    auto r = parse_spec(std::string(kMinimal) +
                            "[limits]\nmemory_max = \"64M\"\nmemory_high = 8388608\ncpus = 2\ntasks_max = 10\n",
                        "x.toml");
    BOOST_TEST_REQUIRE(r.has_value(), r.error().message);
    BOOST_TEST(r->limits.memory_max == 64u << 20);
    BOOST_TEST(r->limits.memory_high == 8u << 20);
    BOOST_TEST(r->limits.cpus == 2.0);
    BOOST_TEST(r->limits.tasks_max == 10u);
}

BOOST_AUTO_TEST_CASE(refuses_syntax_errors_with_position)
{
    auto r = parse_spec("name = \"a\"\nimage = \n", "broken.toml");
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error().kind == ErrorKind::InvalidArgument));
    BOOST_TEST(r.error().message.rfind("broken.toml:2:", 0) == 0u, r.error().message);
    expect_refused("name = \"a\"\nname = \"b\"\n", "bad.toml:2");
    expect_refused(std::string(kMinimal).substr(0, 40), "bad.toml:");  // truncated mid-file
    expect_refused("", "missing key 'name'");
}

BOOST_AUTO_TEST_CASE(refuses_unknown_keys_and_tables)
{
    const std::string base(kMinimal);
    expect_refused("colour = \"red\"\n" + base, "unknown key 'colour'");
    expect_refused("colour = \"red\"\n" + base, "bad.toml:1:1");
    expect_refused(base + "extra = 1\n", "unknown key 'idmap.extra'");
    expect_refused(base + "[limits]\nmemory = 5\n", "unknown key 'limits.memory'");
    expect_refused(base + "[network]\nx = 1\n", "unknown key 'network'");
}

BOOST_AUTO_TEST_CASE(refuses_wrong_types)
{
    expect_refused("name = 5\nimage = \"b\"\nmode = \"boot\"\n[idmap]\nbase = 524288\nsize = 1\n",
                   "'name' must be a string");
    expect_refused(R"(name = "a"
image = "busybox"
mode = "command"
command = "/bin/sh"
[idmap]
base = 524288
size = 65536
)",
                   "'command' must be an array of strings");
    expect_refused(std::string(kMinimal) + "[limits]\ncpus = \"two\"\n", "'limits.cpus' must be a number");
    expect_refused(std::string(kMinimal) + "[limits]\nmemory_max = true\n", "limits.memory_max");
    expect_refused(std::string(kMinimal) + "[limits]\nmemory_max = -1\n", "must not be negative");
    expect_refused(std::string(kMinimal) + "[limits]\nmemory_max = \"lots\"\n", "limits.memory_max");
    expect_refused(R"(name = "a"
image = "busybox"
mode = "boot"
environment = ["A=1", 2]
[idmap]
base = 524288
size = 65536
)",
                   "must contain only strings");
    expect_refused(R"(name = "a"
image = "busybox"
mode = "boot"
auto_remove = "yes"
[idmap]
base = 524288
size = 65536
)",
                   "true or false");
    expect_refused(R"(name = "a"
image = "busybox"
mode = "boot"
idmap = 5
)",
                   "must be a table");
}

BOOST_AUTO_TEST_CASE(refuses_invalid_values)
{
    auto with = [](const std::string& top, const std::string& idmap = "base = 524288\nsize = 65536\n") {
        return top + "[idmap]\n" + idmap;
    };
    expect_refused(with("name = \"../x\"\nimage = \"b\"\nmode = \"boot\"\n"), "container name");
    expect_refused(with("name = \"a\"\nimage = \"../etc\"\nmode = \"boot\"\n"), "image name");
    expect_refused(with("name = \"a\"\nimage = \"\"\nmode = \"boot\"\n"), "image name");
    expect_refused(with("name = \"a\"\nimage = \"b\"\nmode = \"daemon\"\n"), "\"boot\" or \"command\"");
    expect_refused(with("name = \"a\"\nimage = \"b\"\nmode = \"command\"\n"), "Command");
    expect_refused(with("name = \"a\"\nimage = \"b\"\nmode = \"command\"\ncommand = []\n"), "Command");
    expect_refused(with("name = \"a\"\nimage = \"b\"\nmode = \"command\"\ncommand = [\"\"]\n"), "program");
    expect_refused(with("name = \"a\"\nimage = \"b\"\nmode = \"command\"\ncommand = [\"/x\\u0000y\"]\n"), "NUL");
    expect_refused(with("name = \"a\"\nimage = \"b\"\nmode = \"boot\"\ncommand = [\"/bin/sh\"]\n"), "must be empty");
    expect_refused(with("name = \"a\"\nimage = \"b\"\nmode = \"boot\"\nenvironment = [\"NOEQUALS\"]\n"), "KEY=VALUE");
    expect_refused(with("name = \"a\"\nimage = \"b\"\nmode = \"boot\"\nenvironment = [\"1A=x\"]\n"), "variable name");
    expect_refused(with("name = \"a\"\nimage = \"b\"\nmode = \"boot\"\ncreated_at = -5\n"), "created_at");
    expect_refused(with("name = \"a\"\nimage = \"b\"\nmode = \"boot\"\nlast_exit_status = 4294967296\n"),
                   "last_exit_status");
    const std::string top = "name = \"a\"\nimage = \"b\"\nmode = \"boot\"\n";
    expect_refused(with(top, "base = 524288\nsize = 0\n"), "idmap.size");
    expect_refused(with(top, "base = 0\nsize = 65536\n"), "idmap.base");
    expect_refused(with(top, "base = 4294967295\nsize = 1\n"), "idmap");
    expect_refused(with(top, "base = 4294901760\nsize = 65536\n"), "4294967295");
    expect_refused(with(top, "size = 65536\n"), "missing key 'idmap.base'");
    expect_refused(with(top, "base = 524288\n"), "missing key 'idmap.size'");
    expect_refused(with(top, "base = 524288\nsize = 65536\nmode = \"chown\"\n"), "idmapped");
    expect_refused(top, "missing key 'idmap'");
    expect_refused(std::string(kMinimal) + "[limits]\nmemory_max = 1000\n", "MemoryMax");
    expect_refused(std::string(kMinimal) + "[limits]\ncpus = 2000.0\n", "CPUs");
    expect_refused(std::string(kMinimal) + "[limits]\ncpus = nan\n", "CPUs");
    expect_refused(std::string(kMinimal) + "[limits]\ncpu_weight = 10001\n", "limits.cpu_weight");
    expect_refused(std::string(kMinimal) + "[limits]\ntasks_max = 0\n", "TasksMax");
}

BOOST_AUTO_TEST_SUITE_END()
