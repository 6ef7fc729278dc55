// Definitions and profiles: layering (profiles in order, the definition last), environment merged by name,
// errors naming file, line and key, show --toml output that applies back unchanged, and the autostart order.
#include <boost/test/unit_test.hpp>

#include "base/fs.h"
#include "core/autostart.h"
#include "core/definition.h"
#include "temp_dir.h"

using namespace berth;

namespace {

struct Fixture {
    testing::TempDir dir;
    DefinitionContext context;
    Fixture()
    {
        context.defaults.image = "busybox";
        context.defaults.limits.tasks_max = 4096;
        context.profiles_dir = dir.path;
    }
    void profile(const std::string& name, const std::string& text)
    {
        BOOST_REQUIRE(write_file_atomic(dir.path + "/" + name + ".toml", text));
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(definition)

BOOST_AUTO_TEST_CASE(environment_merges_by_name)
{
    auto merged = merge_environment({"A=1", "B=2", "C=3"}, {"B=20", "D=4"});
    BOOST_TEST((merged == std::vector<std::string>{"A=1", "C=3", "B=20", "D=4"}));
    BOOST_TEST(merge_environment({}, {"X=1"}).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(profiles_stack_and_the_definition_wins, Fixture)
{
    profile("base", "environment = [\"TIER=base\", \"LANG=C\"]\n[limits]\nmemory_max = \"256M\"\ntasks_max = 100\n");
    profile("web", "image = \"web-image\"\nenvironment = [\"TIER=web\"]\n[limits]\ntasks_max = 200\ncpus = 0.5\n"
                   "[autostart]\nenabled = true\norder = 5\n");
    auto spec = load_definition("profiles = [\"base\", \"web\"]\ncommand = [\"/bin/sleep\", \"9\"]\n"
                                "environment = [\"EXTRA=1\"]\n[limits]\ncpus = 2\n",
                                "/etc/berth/containers/app.toml", context);
    BOOST_REQUIRE_MESSAGE(spec, (spec ? "" : spec.error().message));
    BOOST_TEST(spec->name == "app");  // from the file name
    BOOST_TEST(spec->image == "web-image");
    BOOST_TEST((spec->mode == ContainerMode::Command));
    BOOST_TEST(spec->limits.memory_max == 256u * 1024 * 1024);  // base, untouched by web
    BOOST_TEST(spec->limits.tasks_max == 200u);                 // web over base
    BOOST_TEST(spec->limits.cpus == 2.0);                       // the definition over both
    BOOST_TEST(spec->autostart);
    BOOST_TEST(spec->autostart_order == 5);
    BOOST_TEST((spec->environment == std::vector<std::string>{"LANG=C", "TIER=web", "EXTRA=1"}));
}

BOOST_FIXTURE_TEST_CASE(order_of_profiles_matters, Fixture)
{
    profile("a", "[limits]\ntasks_max = 1\n");
    profile("b", "[limits]\ntasks_max = 2\n");
    auto ab = load_definition("name = \"x\"\nprofiles = [\"a\", \"b\"]\n", "x.toml", context);
    auto ba = load_definition("name = \"x\"\nprofiles = [\"b\", \"a\"]\n", "x.toml", context);
    BOOST_REQUIRE(ab && ba);
    BOOST_TEST(ab->limits.tasks_max == 2u);
    BOOST_TEST(ba->limits.tasks_max == 1u);
}

BOOST_FIXTURE_TEST_CASE(defaults_apply_when_nothing_is_said, Fixture)
{
    auto spec = load_definition("", "/x/plain.toml", context);
    BOOST_REQUIRE(spec);
    BOOST_TEST(spec->name == "plain");
    BOOST_TEST(spec->image == "busybox");
    BOOST_TEST((spec->mode == ContainerMode::Boot));
    BOOST_TEST(spec->limits.tasks_max == 4096u);
}

BOOST_FIXTURE_TEST_CASE(a_boot_definition_drops_an_inherited_command, Fixture)
{
    profile("cmd", "command = [\"/bin/true\"]\n");
    auto spec = load_definition("name = \"x\"\nprofiles = [\"cmd\"]\nmode = \"boot\"\n", "x.toml", context);
    BOOST_REQUIRE(spec);
    BOOST_TEST((spec->mode == ContainerMode::Boot));
    BOOST_TEST(spec->command.empty());
}

BOOST_FIXTURE_TEST_CASE(errors_name_file_line_and_key, Fixture)
{
    auto typo = load_definition("name = \"x\"\n[limits]\nmemory_maxx = 1\n", "def.toml", context);
    BOOST_REQUIRE(!typo);
    BOOST_TEST(typo.error().message.find("def.toml:3") != std::string::npos, typo.error().message);
    BOOST_TEST(typo.error().message.find("limits.memory_maxx") != std::string::npos);

    profile("bad", "\n[limits]\ntasks_max = \"lots\"\n");
    auto bad = load_definition("name = \"x\"\nprofiles = [\"bad\"]\n", "def.toml", context);
    BOOST_REQUIRE(!bad);
    BOOST_TEST(bad.error().message.find("def.toml:2") != std::string::npos, bad.error().message);
    BOOST_TEST(bad.error().message.find("bad.toml:3") != std::string::npos, bad.error().message);
    BOOST_TEST(bad.error().message.find("limits.tasks_max") != std::string::npos);

    auto missing = load_definition("profiles = [\"nope\"]\n", "def.toml", context);
    BOOST_REQUIRE(!missing);
    BOOST_TEST(missing.error().message.find("no profile named 'nope'") != std::string::npos);

    auto idmap = load_definition("[idmap]\nbase = 524288\nsize = 65536\n", "def.toml", context);
    BOOST_REQUIRE(!idmap);
    BOOST_TEST(idmap.error().message.find("kept by berthd") != std::string::npos);

    profile("named", "name = \"y\"\n");
    auto named = load_definition("profiles = [\"named\"]\n", "def.toml", context);
    BOOST_REQUIRE(!named);
    BOOST_TEST(named.error().message.find("not in a profile") != std::string::npos);

    auto badname = load_definition("", "/x/bad name!.toml", context);
    BOOST_REQUIRE(!badname);
}

BOOST_FIXTURE_TEST_CASE(show_toml_applies_back_unchanged, Fixture)
{
    profile("p", "environment = [\"A=1\"]\n[limits]\nmemory_max = \"64M\"\n");
    auto spec = load_definition("name = \"rt\"\nprofiles = [\"p\"]\ncommand = [\"/bin/sh\", \"-c\", \"x\"]\n"
                                "[autostart]\nenabled = true\norder = -3\ndelay = 7\n",
                                "rt.toml", context);
    BOOST_REQUIRE(spec);
    spec->idmap_base = 524288;
    spec->idmap_size = 65536;
    spec->created_at = 123;
    const std::string text = definition_to_toml(*spec);
    BOOST_TEST(text.find("idmap") == std::string::npos, text);
    BOOST_TEST(text.find("created_at") == std::string::npos);
    auto again = load_definition(text, "again.toml", context);
    BOOST_REQUIRE_MESSAGE(again, (again ? "" : again.error().message));
    again->idmap_base = spec->idmap_base;
    again->idmap_size = spec->idmap_size;
    again->created_at = spec->created_at;
    BOOST_TEST((*again == *spec));
}

BOOST_FIXTURE_TEST_CASE(profiles_are_listed_sorted, Fixture)
{
    profile("zeta", "");
    profile("alpha", "");
    BOOST_REQUIRE(write_file_atomic(dir.path + "/notes.txt", "x"));
    auto names = list_profiles(dir.path);
    BOOST_REQUIRE(names);
    BOOST_TEST((*names == std::vector<std::string>{"alpha", "zeta"}));
    BOOST_TEST(list_profiles(dir.path + "/absent")->empty());
}

BOOST_AUTO_TEST_CASE(autostart_plan_orders_enabled_stopped_containers)
{
    Container a, b, c, d, e;
    a.spec.name = "a"; a.spec.autostart = true; a.spec.autostart_order = 10;
    b.spec.name = "b"; b.spec.autostart = true; b.spec.autostart_order = -1;
    c.spec.name = "c"; c.spec.autostart = false;
    d.spec.name = "d"; d.spec.autostart = true; d.spec.autostart_order = 10;
    e.spec.name = "e"; e.spec.autostart = true; e.state = ContainerState::Running;
    auto plan = autostart_plan({&d, &c, &a, &e, &b});
    std::vector<std::string> names;
    for (const Container* x : plan)
        names.push_back(x->spec.name);
    BOOST_TEST((names == std::vector<std::string>{"b", "a", "d"}));
}

BOOST_AUTO_TEST_SUITE_END()
