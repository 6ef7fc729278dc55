// What berth shows of a guest: the State refinement, os-release names, stop reasons.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include "base/fs.h"
#include "core/container.h"
#include "core/guest_state.h"
#include "temp_dir.h"

using namespace berth;
using berth::testing::TempDir;

BOOST_AUTO_TEST_SUITE(guest_state)

BOOST_AUTO_TEST_CASE(state_waits_for_ready)
{
    GuestState g;
    BOOST_TEST(visible_state(ContainerState::Running, g) == "running");   // busybox, commands
    g.notify = true;
    BOOST_TEST(visible_state(ContainerState::Running, g) == "starting");
    g.ready = true;
    BOOST_TEST(visible_state(ContainerState::Running, g) == "running");
    g.system_state = "degraded";
    BOOST_TEST(visible_state(ContainerState::Running, g) == "degraded");
    BOOST_TEST(visible_state(ContainerState::Stopping, g) == "stopping");
    BOOST_TEST(visible_state(ContainerState::Stopped, g) == "stopped");
}

BOOST_AUTO_TEST_CASE(os_release_names)
{
    BOOST_TEST(parse_os_release_name("NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n") ==
               "Debian GNU/Linux 12 (bookworm)");
    BOOST_TEST(parse_os_release_name("NAME=BusyBox\n") == "BusyBox");
    BOOST_TEST(parse_os_release_name("PRETTY_NAME='a \\\"b\\\"'\n") == "a \"b\"");
    BOOST_TEST(parse_os_release_name("") == "");
}

BOOST_AUTO_TEST_CASE(os_release_links_stay_inside)
{
    TempDir root;
    BOOST_REQUIRE(make_dirs(root.path + "/etc"));
    BOOST_REQUIRE(make_dirs(root.path + "/usr/lib"));
    BOOST_REQUIRE(write_file_atomic(root.path + "/usr/lib/os-release", "PRETTY_NAME=\"Guest OS\"\n"));
    // Absolute, as Debian's is relative: either way it resolves inside the root.
    BOOST_REQUIRE(symlink("/usr/lib/os-release", (root.path + "/etc/os-release").c_str()) == 0);
    BOOST_TEST(read_os_name(root.path) == "Guest OS");
    TempDir escape;
    BOOST_REQUIRE(make_dirs(escape.path + "/etc"));
    BOOST_REQUIRE(symlink("/etc/os-release", (escape.path + "/etc/os-release").c_str()) == 0);
    BOOST_TEST(read_os_name(escape.path) == "");   // not the host's file
}

BOOST_AUTO_TEST_CASE(stop_reasons)
{
    BOOST_TEST(stop_reason_of("poweroff", 130) == "poweroff");
    BOOST_TEST(stop_reason_of("exited", 0) == "exit:0");
    BOOST_TEST(stop_reason_of("exited", 3) == "exit:3");
    BOOST_TEST(stop_reason_of("killed", 137) == "signal:9");
    BOOST_TEST(stop_reason_of("killed", 255) == "killed");
}

BOOST_AUTO_TEST_SUITE_END()
