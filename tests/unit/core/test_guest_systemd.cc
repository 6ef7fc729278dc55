// The pure parts of the guest systemd client: the shell service's command and its exit status.
#include <boost/test/unit_test.hpp>

#include "core/guest_systemd.h"

using namespace berth;

BOOST_AUTO_TEST_SUITE(guest_systemd)

BOOST_AUTO_TEST_CASE(login_shell_without_argv)
{
    auto cmd = guest_shell_command({});
    BOOST_REQUIRE(cmd.size() == 3u);
    BOOST_TEST(cmd[0] == "/bin/sh");
    BOOST_TEST(cmd[2].find("${SHELL") != std::string::npos);
    BOOST_TEST(cmd[2].find("-l") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(argv_runs_through_sh_unchanged)
{
    auto cmd = guest_shell_command({"ls", "-l", "a b", "$HOME"});
    BOOST_REQUIRE(cmd.size() == 7u);
    BOOST_TEST(cmd[0] == "/bin/sh");
    BOOST_TEST(cmd[2] == "exec \"$0\" \"$@\"");
    BOOST_TEST(cmd[3] == "ls");
    BOOST_TEST(cmd[5] == "a b");
    BOOST_TEST(cmd[6] == "$HOME");   // an argument, never expanded
}

BOOST_AUTO_TEST_CASE(exit_status_mapping)
{
    BOOST_TEST(guest_exit_status(1, 0, "success") == 0);
    BOOST_TEST(guest_exit_status(1, 7, "exit-code") == 7);
    BOOST_TEST(guest_exit_status(2, 15, "signal") == 143);
    BOOST_TEST(guest_exit_status(3, 11, "core-dump") == 139);
    BOOST_TEST(guest_exit_status(1, 203, "exit-code") == 127);   // systemd could not execute it
    BOOST_TEST(guest_exit_status(0, 0, "resources") == 1);       // never ran
}

BOOST_AUTO_TEST_SUITE_END()
