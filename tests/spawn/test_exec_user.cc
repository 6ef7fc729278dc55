// exec --user resolution against passwd/group text: no root, no files.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "spawn/exec_user.h"

using namespace berth;
using namespace berth::spawn;

namespace {

constexpr const char* kPasswd =
    "root:x:0:0:root:/root:/bin/bash\n"
    "# a comment\n"
    "alice:x:1000:1000:Alice:/home/alice:/bin/zsh\n"
    "broken:line\n"
    "svc:x:999:998::/:\n";
constexpr const char* kGroup =
    "root:x:0:\n"
    "staff:x:50:bob,alice\n"
    "alice:x:1000:\n"
    "video:x:44:alice\n"
    "svcgrp:x:998:\n";

bool has(const std::vector<gid_t>& v, gid_t g) { return std::find(v.begin(), v.end(), g) != v.end(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(exec_user)

BOOST_AUTO_TEST_CASE(name_gives_ids_home_shell_and_groups)
{
    auto u = resolve_exec_user("alice", kPasswd, kGroup);
    BOOST_REQUIRE(u);
    BOOST_TEST(u->uid == 1000u);
    BOOST_TEST(u->gid == 1000u);
    BOOST_TEST(u->home == "/home/alice");
    BOOST_TEST(u->shell == "/bin/zsh");
    BOOST_TEST(has(u->groups, 1000));
    BOOST_TEST(has(u->groups, 50));
    BOOST_TEST(has(u->groups, 44));
    BOOST_TEST(!has(u->groups, 0));
}

BOOST_AUTO_TEST_CASE(numeric_uid_finds_the_entry)
{
    auto u = resolve_exec_user("999", kPasswd, kGroup);
    BOOST_REQUIRE(u);
    BOOST_TEST(u->name == "svc");
    BOOST_TEST(u->gid == 998u);
    BOOST_TEST(u->shell == "/bin/sh");   // empty shell field
}

BOOST_AUTO_TEST_CASE(group_override_by_number_and_name)
{
    auto a = resolve_exec_user("alice:50", kPasswd, kGroup);
    BOOST_REQUIRE(a);
    BOOST_TEST(a->gid == 50u);
    auto b = resolve_exec_user("alice:video", kPasswd, kGroup);
    BOOST_REQUIRE(b);
    BOOST_TEST(b->gid == 44u);
    auto c = resolve_exec_user("4242:4343", kPasswd, kGroup);
    BOOST_REQUIRE(c);
    BOOST_TEST(c->uid == 4242u);
    BOOST_TEST(c->gid == 4343u);
    BOOST_TEST(c->name.empty());
    BOOST_TEST(c->groups.size() == 1u);
}

BOOST_AUTO_TEST_CASE(refusals_are_invalid_argument)
{
    for (const char* spec : {"mallory", "4242", "alice:nogroup", "70000:0", "0:70000", "", ":", "alice:", ":5"}) {
        auto u = resolve_exec_user(spec, kPasswd, kGroup);
        BOOST_TEST_CONTEXT(spec)
        {
            BOOST_TEST(!u);
            if (!u)
                BOOST_TEST((u.error().kind == ErrorKind::InvalidArgument));
        }
    }
}

BOOST_AUTO_TEST_CASE(malformed_lines_are_skipped)
{
    BOOST_TEST(!resolve_exec_user("broken", kPasswd, kGroup));
    BOOST_TEST(!resolve_exec_user("root", "root:x:notanumber:0::/:/bin/sh\n", ""));
}

BOOST_AUTO_TEST_CASE(user_environment_has_login_variables)
{
    auto u = resolve_exec_user("alice", kPasswd, kGroup);
    BOOST_REQUIRE(u);
    auto env = user_environment(*u);
    BOOST_TEST((std::find(env.begin(), env.end(), "HOME=/home/alice") != env.end()));
    BOOST_TEST((std::find(env.begin(), env.end(), "USER=alice") != env.end()));
    BOOST_TEST((std::find(env.begin(), env.end(), "LOGNAME=alice") != env.end()));
    BOOST_TEST((std::find(env.begin(), env.end(), "SHELL=/bin/zsh") != env.end()));
}

BOOST_AUTO_TEST_SUITE_END()
