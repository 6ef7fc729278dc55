#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include "core/payload_signal.h"

using namespace berth;

BOOST_AUTO_TEST_SUITE(payload_signal)

BOOST_AUTO_TEST_CASE(finds_the_cgroup_of_a_process)
{
    // Whatever this host mounts, the test process itself lives in some cgroup we can name.
    auto dir = payload_cgroup_dir(getpid());
    if (!dir) {
        BOOST_TEST_MESSAGE("no cgroup2 or name=systemd hierarchy here: " << dir.error().describe());
        return;
    }
    BOOST_TEST(dir->rfind("/sys/fs/cgroup", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(unknown_process_is_an_error)
{
    BOOST_TEST(!payload_cgroup_dir(0x3fffffff).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
