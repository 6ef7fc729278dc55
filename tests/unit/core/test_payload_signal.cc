#include <boost/test/unit_test.hpp>

#include <csignal>

#include "core/payload_signal.h"
#include "temp_dir.h"

using namespace berth;

BOOST_AUTO_TEST_SUITE(payload_signal)

BOOST_AUTO_TEST_CASE(payload_dir_comes_from_the_unit)
{
    // Whatever this host mounts, the path names the unit's payload below machine.slice in one hierarchy.
    const std::string dir = unit_payload_cgroup_dir("berth-web.scope");
    BOOST_TEST(dir.rfind("/sys/fs/cgroup", 0) == 0u);
    const std::string tail = "/machine.slice/berth-web.scope/payload";
    BOOST_TEST(dir.size() > tail.size());
    BOOST_TEST(dir.compare(dir.size() - tail.size(), tail.size(), tail) == 0);
    // A root without cgroup2 falls back to v1's name=systemd.
    BOOST_TEST(unit_payload_cgroup_dir("berth-web.scope", "/nonexistent") ==
               "/nonexistent/systemd/machine.slice/berth-web.scope/payload");
}

BOOST_AUTO_TEST_CASE(an_empty_cgroup_has_nothing_to_signal)
{
    testing::TempDir t;
    BOOST_REQUIRE(write_file_atomic(t.path + "/cgroup.procs", ""));
    auto r = signal_cgroup_tree(t.path, SIGTERM);
    BOOST_REQUIRE(!r);
    BOOST_TEST((r.error().kind == ErrorKind::InvalidState));
    BOOST_TEST(!signal_cgroup_tree("/nonexistent/cgroup", SIGTERM).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
