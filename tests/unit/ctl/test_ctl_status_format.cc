#include <boost/test/unit_test.hpp>

#include "base/size.h"
#include "ctl/status_format.h"

using namespace berth;
using namespace berth::ctl;

namespace {

constexpr uint64_t kSec = 1000000;

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ctl_status_format)

BOOST_AUTO_TEST_CASE(ages)
{
    const uint64_t now = 1700000000 * kSec;
    BOOST_TEST(format_age(now - 5 * kSec, now) == "5s ago");
    BOOST_TEST(format_age(now - 300 * kSec, now) == "5min ago");
    BOOST_TEST(format_age(now - 7380 * kSec, now) == "2h 3min ago");
    BOOST_TEST(format_age(now - 3 * 86400 * kSec, now) == "3 days ago");
    BOOST_TEST(format_age(now + kSec, now) == "in the future");
}

BOOST_AUTO_TEST_CASE(cpu_times)
{
    BOOST_TEST(format_cpu_time(1234000000ull) == "1.234s");
    BOOST_TEST(format_cpu_time(123500000000ull) == "2min 3.5s");
    BOOST_TEST(format_cpu_time(3720000000000ull) == "1h 2min");
}

BOOST_AUTO_TEST_CASE(commands_are_quoted_for_a_shell)
{
    BOOST_TEST(quote_command({"/bin/sh", "-c", "echo hi"}) == "/bin/sh -c 'echo hi'");
    BOOST_TEST(quote_command({"it's"}) == "'it'\\''s'");
    BOOST_TEST(quote_command({""}) == "''");
}

BOOST_AUTO_TEST_CASE(running_container)
{
    ContainerStatus s;
    s.name = "web";
    s.state = "running";
    s.image = "busybox";
    s.mode = "command";
    s.command = {"/bin/sh", "-c", "sleep 1"};
    s.unit = "berth-web.scope";
    s.leader = 4242;
    s.idmap_base = 524288;
    s.idmap_size = 65536;
    s.idmap_mode = "idmapped";
    s.started_at = 1000 * kSec;
    s.memory_current = 12 << 20;
    s.memory_max = 512 << 20;
    s.cpus = 2;
    s.tasks_current = 5;
    s.tasks_max = 100;
    const std::string out = format_status(s, 1300 * kSec);
    BOOST_TEST(out.starts_with("web\n"));
    BOOST_TEST(contains(out, "State: running since "));
    BOOST_TEST(contains(out, "; 5min ago"));
    BOOST_TEST(contains(out, "Mode: command: /bin/sh -c 'sleep 1'"));
    BOOST_TEST(contains(out, "Unit: berth-web.scope"));
    BOOST_TEST(contains(out, "Leader: 4242"));
    BOOST_TEST(contains(out, "ID map: 524288-589823 (65536 ids, idmapped)"));
    BOOST_TEST(contains(out, "Memory: 12M (max: 512M, high: infinity)"));
    BOOST_TEST(contains(out, "(quota: 2 CPUs)"));
    BOOST_TEST(contains(out, "Tasks: 5 (max: 100)"));
    BOOST_TEST(!contains(out, "Exit status"));
}

BOOST_AUTO_TEST_CASE(stopped_container_shows_exit_status)
{
    ContainerStatus s;
    s.name = "job";
    s.state = "stopped";
    s.mode = "boot";
    s.exit_status = 3;
    const std::string out = format_status(s, 0);
    BOOST_TEST(contains(out, "State: stopped\n"));
    BOOST_TEST(contains(out, "Exit status: 3"));
    BOOST_TEST(!contains(out, "Leader:"));
    BOOST_TEST(contains(out, "Tasks: - (max: infinity)"));
    s.exit_status = -1;
    BOOST_TEST(!contains(format_status(s, 0), "Exit status"));
}

BOOST_AUTO_TEST_SUITE_END()
