#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "base/fs.h"
#include "core/config.h"

using namespace berth;

namespace {

void expect_refused(const std::string& text, const std::string& needle)
{
    auto r = parse_config(text, "berthd.toml");
    BOOST_TEST_REQUIRE(!r.has_value(), "accepted:\n" << text);
    BOOST_TEST((r.error().kind == ErrorKind::InvalidArgument));
    BOOST_TEST(r.error().message.find(needle) != std::string::npos, r.error().message << " lacks " << needle);
    BOOST_TEST(r.error().message.rfind("berthd.toml", 0) == 0u, r.error().message);
}

void expect_same(const DaemonConfig& a, const DaemonConfig& b, bool compare_build_paths = true)
{
    BOOST_TEST(a.state_dir == b.state_dir);
    BOOST_TEST(a.runtime_dir == b.runtime_dir);
    BOOST_TEST(a.idmap_first == b.idmap_first);
    BOOST_TEST(a.idmap_count == b.idmap_count);
    BOOST_TEST(a.idmap_size == b.idmap_size);
    BOOST_TEST((a.default_limits == b.default_limits));
    BOOST_TEST(a.default_image == b.default_image);
    BOOST_TEST(a.stop_timeout_sec == b.stop_timeout_sec);
    if (compare_build_paths) {
        BOOST_TEST(a.spawn_path == b.spawn_path);
        BOOST_TEST(a.busybox_path == b.busybox_path);
    }
}

// The shipped config/berthd.toml, found from this source file (meson builds with relative paths from the build
// directory, where the tests also run) or from the source root.
std::string shipped_config_path()
{
    namespace stdfs = std::filesystem;
    const stdfs::path here = stdfs::path(__FILE__).parent_path();
    for (const stdfs::path& candidate : {here / "../../../config/berthd.toml", stdfs::path("config/berthd.toml"),
                                         stdfs::path("../config/berthd.toml")})
        if (stdfs::exists(candidate))
            return candidate.string();
    return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(defaults)
{
    const DaemonConfig c = default_config();
    BOOST_TEST(c.state_dir == "/var/lib/berth");
    BOOST_TEST(c.runtime_dir == "/run/berth");
    BOOST_TEST(c.idmap_first == 524288u);
    BOOST_TEST(c.idmap_count == 65536u * 1000);
    BOOST_TEST(c.idmap_size == 65536u);
    BOOST_TEST(c.default_image == "busybox");
    BOOST_TEST(c.stop_timeout_sec == 30u);
    BOOST_TEST(c.default_limits.memory_max == kUnlimited);
    BOOST_TEST(c.default_limits.tasks_max == 4096u);
    BOOST_TEST(!c.spawn_path.empty());
    BOOST_TEST(c.spawn_path.front() == '/');
    BOOST_TEST(validate_limits(c.default_limits).has_value());
}

BOOST_AUTO_TEST_CASE(empty_text_gives_defaults)
{
    auto r = parse_config("", "empty.toml");
    BOOST_TEST_REQUIRE(r.has_value(), r.error().message);
    expect_same(*r, default_config());
}

BOOST_AUTO_TEST_CASE(every_key)
{
    auto r = parse_config(R"(
[paths]
state = "/srv/berth"
runtime = "/run/b"
spawn = "/opt/berth-spawn"
[idmap]
first = 65536
count = 131072
size = 1000
[defaults]
image = "debian"
memory_max = "1G"
memory_high = 536870912
cpus = 1.5
cpu_weight = 50
tasks_max = "infinity"
io_weight = 10000
stop_timeout = 5
[images]
busybox = ""
)",
                          "full.toml");
    BOOST_TEST_REQUIRE(r.has_value(), r.error().message);
    BOOST_TEST(r->state_dir == "/srv/berth");
    BOOST_TEST(r->runtime_dir == "/run/b");
    BOOST_TEST(r->spawn_path == "/opt/berth-spawn");
    BOOST_TEST(r->idmap_first == 65536u);
    BOOST_TEST(r->idmap_count == 131072u);
    BOOST_TEST(r->idmap_size == 1000u);
    BOOST_TEST(r->default_image == "debian");
    BOOST_TEST(r->default_limits.memory_max == 1ull << 30);
    BOOST_TEST(r->default_limits.memory_high == 512ull << 20);
    BOOST_TEST(r->default_limits.cpus == 1.5);
    BOOST_TEST(r->default_limits.cpu_weight == 50u);
    BOOST_TEST(r->default_limits.tasks_max == kUnlimited);
    BOOST_TEST(r->default_limits.io_weight == 10000u);
    BOOST_TEST(r->stop_timeout_sec == 5u);
    BOOST_TEST(r->busybox_path.empty());
}

BOOST_AUTO_TEST_CASE(partial_file_keeps_other_defaults)
{
    auto r = parse_config("[defaults]\nmemory_max = \"512M\"\ncpus = 2\n", "p.toml");
    BOOST_TEST_REQUIRE(r.has_value(), r.error().message);
    BOOST_TEST(r->default_limits.memory_max == 512ull << 20);
    BOOST_TEST(r->default_limits.cpus == 2.0);
    BOOST_TEST(r->default_limits.tasks_max == 4096u);
    BOOST_TEST(r->idmap_first == 524288u);
}

BOOST_AUTO_TEST_CASE(refuses_unknown_and_mistyped)
{
    expect_refused("[network]\nbridge = \"br0\"\n", "unknown key 'network'");
    expect_refused("[paths]\nstate_dir = \"/x\"\n", "unknown key 'paths.state_dir'");
    expect_refused("[paths]\nstate_dir = \"/x\"\n", "berthd.toml:2:1");
    expect_refused("[defaults]\nmemory = \"1G\"\n", "known keys here:");
    expect_refused("state = \"/x\"\n", "unknown key 'state'");
    expect_refused("paths = 5\n", "must be a table");
    expect_refused("[paths]\nstate = 5\n", "'paths.state' must be a string");
    expect_refused("[idmap]\nfirst = \"524288\"\n", "'idmap.first' must be an integer");
    expect_refused("[defaults]\ncpus = \"2\"\n", "'defaults.cpus' must be a number");
    expect_refused("[defaults]\nstop_timeout = 1.5\n", "defaults.stop_timeout");
    expect_refused("[paths\n", "berthd.toml:1:");
}

BOOST_AUTO_TEST_CASE(refuses_bad_values)
{
    expect_refused("[paths]\nstate = \"var/lib/berth\"\n", "absolute path");
    expect_refused("[paths]\nruntime = \"\"\n", "absolute path");
    expect_refused("[paths]\nspawn = \"berth-spawn\"\n", "absolute path");
    expect_refused("[images]\nbusybox = \"busybox\"\n", "absolute path");
    expect_refused("[idmap]\nfirst = 1000\n", "idmap.first");
    expect_refused("[idmap]\nfirst = 65535\n", "65536");
    expect_refused("[idmap]\nfirst = -1\n", "idmap.first");
    expect_refused("[idmap]\nsize = 0\n", "idmap.size");
    expect_refused("[idmap]\ncount = 0\n", "idmap.count");
    expect_refused("[idmap]\ncount = 1000\n", "holds no range");  // count < size
    expect_refused("[idmap]\nfirst = 65537\ncount = 65536\nsize = 65536\n", "holds no range");
    expect_refused("[idmap]\nfirst = 4294901760\ncount = 65536\n", "4294967295");
    expect_refused("[idmap]\nfirst = 4294967296\n", "idmap.first");
    expect_refused("[defaults]\nimage = \"../x\"\n", "image name");
    expect_refused("[defaults]\nmemory_max = \"1K\"\n", "MemoryMax");
    expect_refused("[defaults]\nmemory_max = \"lots\"\n", "defaults.memory_max");
    expect_refused("[defaults]\nmemory_high = -1\n", "must not be negative");
    expect_refused("[defaults]\ncpus = -1\n", "CPUs");
    expect_refused("[defaults]\ncpus = inf\n", "CPUs");
    expect_refused("[defaults]\ncpu_weight = 10001\n", "defaults.cpu_weight");
    expect_refused("[defaults]\nio_weight = -1\n", "defaults.io_weight");
    expect_refused("[defaults]\ntasks_max = 0\n", "TasksMax");
    expect_refused("[defaults]\nstop_timeout = 0\n", "defaults.stop_timeout");
    expect_refused("[defaults]\nstop_timeout = 100000\n", "defaults.stop_timeout");
}

BOOST_AUTO_TEST_CASE(small_pools_for_tests_are_fine)
{
    auto r = parse_config("[idmap]\nfirst = 65536\ncount = 2000\nsize = 1000\n", "t.toml");
    BOOST_TEST_REQUIRE(r.has_value(), r.error().message);
    // The largest pool: up to 4294967295 exclusive.
    auto top = parse_config("[idmap]\nfirst = 65536\ncount = 4294901759\n", "t.toml");
    BOOST_TEST_REQUIRE(top.has_value(), top.error().message);
}

BOOST_AUTO_TEST_CASE(load_missing_file_gives_defaults)
{
    auto r = load_config("/nonexistent/berth/berthd.toml");
    BOOST_TEST_REQUIRE(r.has_value(), r.error().message);
    expect_same(*r, default_config());
}

BOOST_AUTO_TEST_CASE(load_reads_and_names_the_file)
{
    char dir[] = "/tmp/berth-test-config-XXXXXX";
    BOOST_TEST_REQUIRE(mkdtemp(dir) != nullptr);
    const std::string path = std::string(dir) + "/berthd.toml";
    BOOST_TEST_REQUIRE(write_file_atomic(path, "[defaults]\nstop_timeout = 7\n").has_value());
    auto r = load_config(path);
    BOOST_TEST_REQUIRE(r.has_value(), r.error().message);
    BOOST_TEST(r->stop_timeout_sec == 7u);
    BOOST_TEST_REQUIRE(write_file_atomic(path, "[defaults]\nstop_timeout = \"7\"\n").has_value());
    auto bad = load_config(path);
    BOOST_TEST_REQUIRE(!bad.has_value());
    BOOST_TEST(bad.error().message.rfind(path + ":2:", 0) == 0u, bad.error().message);
    // A directory where the file should be is an error, not the defaults.
    auto dir_error = load_config(dir);
    BOOST_TEST(!dir_error.has_value());
    BOOST_TEST(remove_tree(dir).has_value());
}

BOOST_AUTO_TEST_CASE(shipped_file_documents_every_key_with_its_default)
{
    const std::string path = shipped_config_path();
    if (path.empty()) {
        BOOST_TEST_MESSAGE("config/berthd.toml not found from " << __FILE__ << "; skipping");
        return;
    }
    auto text = read_file(path);
    BOOST_TEST_REQUIRE(text.has_value());
    auto as_is = parse_config(*text, path);
    BOOST_TEST_REQUIRE(as_is.has_value(), as_is.error().message);
    expect_same(*as_is, default_config());

    // Uncomment every "#key = value" line: the result must still be the defaults (the shown values are the real
    // defaults), and every key the parser knows must appear.
    const std::regex commented_key("^#([a-z_]+ = .*)$");
    std::istringstream in(*text);
    std::string line, uncommented;
    std::set<std::string> keys;
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_match(line, m, commented_key)) {
            uncommented += m[1].str() + "\n";
            keys.insert(m[1].str().substr(0, m[1].str().find(' ')));
        } else {
            uncommented += line + "\n";
        }
    }
    auto all_set = parse_config(uncommented, path);
    BOOST_TEST_REQUIRE(all_set.has_value(), all_set.error().message);
    // spawn and busybox depend on the build's prefix and options; the file shows the Debian defaults.
    expect_same(*all_set, default_config(), false);
    for (const char* key : {"state", "runtime", "spawn", "first", "count", "size", "image", "memory_max",
                            "memory_high", "cpus", "cpu_weight", "tasks_max", "io_weight", "stop_timeout", "busybox",
                            "definitions", "profiles"})
        BOOST_TEST(keys.count(key) == 1u, key);
    BOOST_TEST(keys.size() == 18u);  // + definitions, profiles, default_pool
}

BOOST_AUTO_TEST_SUITE_END()
