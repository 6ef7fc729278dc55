// Manager logic against a fake systemd and a real directory pool in a temp dir (no root, no supervisor).
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include "base/fs.h"
#include "core/manager.h"
#include "fake_unit_manager.h"

using namespace berth;

namespace {

struct Fixture {
    std::string dir;
    DaemonConfig config;
    std::unique_ptr<EventLoop> loop;
    testing::FakeUnitManager units;
    std::unique_ptr<ImageStore> images;
    std::unique_ptr<StateStore> store;
    std::unique_ptr<Manager> manager;

    Fixture()
    {
        char tmpl[] = "/tmp/berth-manager-XXXXXX";
        dir = mkdtemp(tmpl);
        config = default_config();
        config.state_dir = dir + "/state";
        config.runtime_dir = dir + "/run";
        config.idmap_first = 1 << 20;
        config.idmap_count = 3 * 65536;
        config.idmap_size = 65536;
        loop = std::move(*EventLoop::create());
        images = std::make_unique<ImageStore>(config.state_dir + "/pools/default");
        BOOST_REQUIRE(images->init());
        // a minimal image: a directory tree is all the dir pool needs
        const std::string root = config.state_dir + "/pools/default/images/tiny/rootfs";
        BOOST_REQUIRE(make_dirs(root + "/bin"));
        BOOST_REQUIRE(write_file_atomic(root + "/bin/true", "", 0755));
        store = std::make_unique<StateStore>(config.state_dir);
        reload();
    }
    void reload()
    {
        manager = std::make_unique<Manager>(Manager::Deps{config, *loop, units, *images, *store});
        auto warnings = manager->init();
        BOOST_REQUIRE(warnings.has_value());
    }
    ~Fixture() { (void)remove_tree(dir); }
};

Settings with_image(Settings s = {})
{
    s["Image"] = std::string("tiny");
    return s;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(manager, Fixture)

BOOST_AUTO_TEST_CASE(create_persists_definition_and_root)
{
    Settings s = with_image();
    s["MemoryMax"] = uint64_t{64} << 20;
    s["Command"] = std::vector<std::string>{"/bin/true"};
    BOOST_REQUIRE(manager->create("web", s).has_value());
    const Container* c = manager->find("web");
    BOOST_REQUIRE(c);
    BOOST_TEST(c->spec.limits.memory_max == uint64_t{64} << 20);
    BOOST_TEST(c->spec.idmap_base == config.idmap_first);
    BOOST_TEST(c->spec.idmap_size == 65536u);
    BOOST_TEST(path_exists(images->container_root("web") + "/bin/true"));
    BOOST_TEST(path_exists(config.state_dir + "/containers/web.toml"));

    reload();  // a restarted daemon finds it again, with the same range
    c = manager->find("web");
    BOOST_REQUIRE(c);
    BOOST_TEST(c->spec.idmap_base == config.idmap_first);
    BOOST_TEST((c->state == ContainerState::Stopped));
}

BOOST_AUTO_TEST_CASE(ranges_never_overlap_and_run_out_cleanly)
{
    BOOST_REQUIRE(manager->create("a", with_image()));
    BOOST_REQUIRE(manager->create("b", with_image()));
    BOOST_REQUIRE(manager->create("c", with_image()));
    BOOST_TEST(manager->find("a")->spec.idmap_base != manager->find("b")->spec.idmap_base);
    auto full = manager->create("d", with_image());
    BOOST_REQUIRE(!full);
    BOOST_TEST((full.error().kind == ErrorKind::QuotaExceeded));
    BOOST_TEST(!path_exists(images->container_root("d")));
    BOOST_TEST(!path_exists(config.state_dir + "/containers/d.toml"));
    // removing one frees its range for the next
    const uint32_t freed = manager->find("b")->spec.idmap_base;
    BOOST_REQUIRE(manager->remove("b", false));
    BOOST_REQUIRE(manager->create("d", with_image()));
    BOOST_TEST(manager->find("d")->spec.idmap_base == freed);
}

BOOST_AUTO_TEST_CASE(bad_input_changes_nothing)
{
    auto bad_name = manager->create("../x", with_image());
    BOOST_REQUIRE(!bad_name);
    BOOST_TEST((bad_name.error().kind == ErrorKind::InvalidArgument));

    Settings unknown = with_image();
    unknown["Foo"] = std::string("bar");
    auto r = manager->create("x", unknown);
    BOOST_REQUIRE(!r);
    BOOST_TEST((r.error().kind == ErrorKind::InvalidArgument));

    Settings missing_image;
    missing_image["Image"] = std::string("nope");
    r = manager->create("x", missing_image);
    BOOST_REQUIRE(!r);
    BOOST_TEST((r.error().kind == ErrorKind::NoSuchImage));

    BOOST_TEST(manager->containers().empty());
    BOOST_TEST(list_dir(config.state_dir + "/containers")->empty());

    BOOST_REQUIRE(manager->create("x", with_image()));
    r = manager->create("x", with_image());
    BOOST_REQUIRE(!r);
    BOOST_TEST((r.error().kind == ErrorKind::AlreadyExists));
}

BOOST_AUTO_TEST_CASE(operations_on_unknown_or_stopped_containers)
{
    BOOST_TEST((manager->start("ghost", [](Result<>) {}).error().kind == ErrorKind::NoSuchContainer));
    BOOST_TEST((manager->remove("ghost", true).error().kind == ErrorKind::NoSuchContainer));
    BOOST_REQUIRE(manager->create("x", with_image()));
    BOOST_TEST((manager->poweroff("x").error().kind == ErrorKind::InvalidState));
    BOOST_TEST((manager->terminate("x").error().kind == ErrorKind::InvalidState));
    BOOST_TEST((manager->reboot("x").error().kind == ErrorKind::InvalidState));
    BOOST_TEST((manager->kill("x", "all", 15).error().kind == ErrorKind::InvalidState));
    BOOST_TEST((manager->kill("x", "someone", 15).error().kind == ErrorKind::InvalidArgument));
    BOOST_TEST((manager->kill("x", "all", 0).error().kind == ErrorKind::InvalidArgument));
    BOOST_TEST((manager->open_shell("x", {}, {}).error().kind == ErrorKind::InvalidState));
    int status = 0;
    BOOST_REQUIRE(manager->wait("x", [&](Result<int> r) { status = *r; }));
    BOOST_TEST(status == -1);
}

BOOST_AUTO_TEST_CASE(set_limits_on_a_stopped_container_is_kept)
{
    BOOST_REQUIRE(manager->create("x", with_image()));
    Settings limits;
    limits["TasksMax"] = uint64_t{32};
    limits["CPUs"] = 0.5;
    BOOST_REQUIRE(manager->set_limits("x", limits));
    BOOST_TEST(units.limits.empty());  // not running: nothing sent to systemd
    reload();
    BOOST_TEST(manager->find("x")->spec.limits.tasks_max == 32u);
    BOOST_TEST(manager->find("x")->spec.limits.cpus == 0.5);

    Settings bad;
    bad["TasksMax"] = int64_t{-1};
    BOOST_TEST(!manager->set_limits("x", bad));
    BOOST_TEST(manager->find("x")->spec.limits.tasks_max == 32u);
}

BOOST_AUTO_TEST_CASE(failed_start_leaves_nothing)
{
    config.spawn_path = "/nonexistent/berth-spawn";
    BOOST_REQUIRE(manager->create("x", with_image()));
    bool called = false;
    auto r = manager->start("x", [&](Result<>) { called = true; });
    BOOST_TEST(!called);  // failed before anything was pending: the error is the call's
    BOOST_REQUIRE(!r);
    BOOST_TEST((manager->find("x")->state == ContainerState::Stopped));
    BOOST_TEST(units.active.empty());
    BOOST_TEST(!path_exists(config.runtime_dir + "/containers/x"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(manager_recovery, Fixture)

BOOST_AUTO_TEST_CASE(a_root_without_definition_is_swept_at_start)
{
    BOOST_REQUIRE(manager->create("kept", with_image()));
    // as if a crash came between writing the root and the definition
    BOOST_REQUIRE(images->create_container_root("tiny", "orphan"));
    BOOST_REQUIRE(manager->create("broken", with_image()));
    BOOST_REQUIRE(write_file_atomic(store->path_of("broken"), "this is not toml ["));
    reload();
    BOOST_TEST(!images->container_root_exists("orphan"));
    BOOST_TEST(images->container_root_exists("kept"));
    BOOST_TEST(images->container_root_exists("broken"));  // its definition may still be repaired
    BOOST_REQUIRE(manager->create("orphan", with_image()));
}

BOOST_AUTO_TEST_SUITE_END()
