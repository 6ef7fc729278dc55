// START parsing and the container environment: no root needed.
#define BOOST_TEST_MODULE berth_spawn
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "spawn/security.h"
#include "spawn/start_config.h"

using namespace berth;
using namespace berth::spawn;

namespace {

Message start(std::vector<std::string> extra)
{
    Message m;
    m.fields = {"START", "name=web", "rootfs=/var/lib/berth/web/rootfs", "runtime_dir=/run/berth/web",
                "uid_base=200000", "uid_size=65536"};
    m.fields.insert(m.fields.end(), extra.begin(), extra.end());
    return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(start_config)

BOOST_AUTO_TEST_CASE(parses_a_boot_start)
{
    auto config = parse_start(start({"mode=boot", "idmap=shifted", "env=A=1", "hostname=h1"}));
    BOOST_REQUIRE(config);
    BOOST_TEST(config->name == "web");
    BOOST_TEST(config->hostname == "h1");
    BOOST_TEST(config->uid_base == 200000u);
    BOOST_TEST(config->uid_size == 65536u);
    BOOST_TEST((config->mode == RunMode::Boot));
    BOOST_TEST((config->idmap == IdmapMode::Shifted));
    BOOST_TEST(config->args.empty());
    BOOST_TEST(config->env.size() == 1u);
    BOOST_TEST(!config->attached);
}

BOOST_AUTO_TEST_CASE(command_defaults)
{
    auto config = parse_start(start({"arg=/bin/echo", "arg=hi"}));
    BOOST_REQUIRE(config);
    BOOST_TEST(config->hostname == "web");   // hostname defaults to the name
    BOOST_TEST((config->mode == RunMode::Command));
    BOOST_TEST((config->idmap == IdmapMode::Mount));
    BOOST_TEST(config->args.size() == 2u);
}

BOOST_AUTO_TEST_CASE(rejects_bad_input)
{
    BOOST_TEST(!parse_start(start({"mode=command"})));                         // no command
    BOOST_TEST(!parse_start(start({"mode=boot", "idmap=magic"})));
    BOOST_TEST(!parse_start(start({"mode=sideways"})));
    BOOST_TEST(!parse_start(start({"mode=boot", "env=NOVALUE"})));
    BOOST_TEST(!parse_start(start({"mode=boot", "attached=1"})));              // attached needs three fds
    Message m = start({"mode=boot"});
    m.fields[0] = "EXEC";
    BOOST_TEST(!parse_start(std::move(m)));
    Message root_map = start({"mode=boot"});
    root_map.fields[4] = "uid_base=0";                                          // never map to host root
    BOOST_TEST(!parse_start(std::move(root_map)));
    Message wrap = start({"mode=boot"});
    wrap.fields[4] = "uid_base=4294967000";
    BOOST_TEST(!parse_start(std::move(wrap)));
    Message bad_name = start({"mode=boot"});
    bad_name.fields[1] = "name=../etc";
    BOOST_TEST(!parse_start(std::move(bad_name)));
    Message relative = start({"mode=boot"});
    relative.fields[2] = "rootfs=var/lib";
    BOOST_TEST(!parse_start(std::move(relative)));
}

BOOST_AUTO_TEST_CASE(environment)
{
    auto env = container_environment({"HOME=/home/x", "LANG=C.UTF-8"}, true);
    auto has = [&](const std::string& e) { return std::find(env.begin(), env.end(), e) != env.end(); };
    BOOST_TEST(has("container=berth"));
    BOOST_TEST(has("TERM=xterm-256color"));
    BOOST_TEST(has("HOME=/home/x"));
    BOOST_TEST(!has("HOME=/root"));   // the caller's pairs override
    BOOST_TEST(has("LANG=C.UTF-8"));
    auto plain = container_environment({}, false);
    BOOST_TEST((std::find(plain.begin(), plain.end(), "TERM=xterm-256color") == plain.end()));
}

BOOST_AUTO_TEST_SUITE_END()
