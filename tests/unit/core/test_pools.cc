// The pool layer against a fake driver (a dir driver that counts calls and fails on demand), and the dir
// driver's volume and snapshot rules. No root needed.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include "base/fs.h"
#include "core/config.h"
#include "core/spec.h"
#include "core/storage/dir_driver.h"
#include "core/storage/pool_registry.h"
#include "temp_dir.h"

using namespace berth;

namespace {

using testing::TempDir;

struct FakeState {
    int mounts = 0;
    int destroys = 0;
    bool fail_mount = false;
};
FakeState g_fake;

class FakeDriver final : public DirDriver {
public:
    explicit FakeDriver(PoolConfig config) : DirDriver(std::move(config)) {}
    Capabilities capabilities() const override { return {.cow_clone = true, .quotas = true}; }
    Result<> mount() override
    {
        ++g_fake.mounts;
        if (g_fake.fail_mount)
            return fail(ErrorKind::Failed, "fake mount failure", EIO);
        return DirDriver::mount();
    }
    Result<> destroy_pool() override
    {
        ++g_fake.destroys;
        return DirDriver::destroy_pool();
    }
    Result<> set_quota(VolumeKind, const std::string&, uint64_t) override { return {}; }
};

struct Fixture {
    TempDir t;
    Fixture()
    {
        g_fake = FakeState{};
        register_storage_driver("fake", [](const PoolConfig& c) { return std::make_unique<FakeDriver>(c); });
    }
    PoolConfig fake(const std::string& name) { return PoolConfig{name, "fake", "", 0, "", 0}; }
};

bool kind_is(const Result<>& r, ErrorKind kind) { return !r && r.error().kind == kind; }

}  // namespace

BOOST_AUTO_TEST_SUITE(pools)

BOOST_FIXTURE_TEST_CASE(builtin_pool_always_there, Fixture)
{
    Pools pools(t.path);
    BOOST_REQUIRE(pools.init().has_value());
    BOOST_TEST(pools.names() == std::vector<std::string>{"default"});
    BOOST_TEST(pools.default_pool().config().driver == "dir");
    BOOST_TEST(path_exists(t.path + "/pools/default/images"));
    BOOST_TEST(kind_is(pools.remove("default"), ErrorKind::InvalidState));
}

BOOST_FIXTURE_TEST_CASE(created_pool_is_persisted_and_mounted_again, Fixture)
{
    {
        Pools pools(t.path);
        BOOST_REQUIRE(pools.init().has_value());
        auto made = pools.create(fake("fast"));
        BOOST_REQUIRE(made.has_value());
        BOOST_TEST((*made)->config().root == t.path + "/pools/fast");
        BOOST_TEST(path_exists(t.path + "/storage/pools/fast.toml"));
        BOOST_TEST(kind_is(pools.create(fake("fast")).map([](auto) {}), ErrorKind::AlreadyExists));
    }
    BOOST_TEST(g_fake.mounts == 1);
    Pools again(t.path);
    auto warnings = again.init();
    BOOST_REQUIRE(warnings.has_value());
    BOOST_TEST(warnings->empty());
    BOOST_TEST(again.names() == (std::vector<std::string>{"default", "fast"}));
    BOOST_TEST(g_fake.mounts == 2);
    BOOST_TEST(again.get("fast").has_value());
}

BOOST_FIXTURE_TEST_CASE(failed_create_leaves_nothing, Fixture)
{
    Pools pools(t.path);
    BOOST_REQUIRE(pools.init().has_value());
    g_fake.fail_mount = true;
    BOOST_TEST(!pools.create(fake("broken")).has_value());
    BOOST_TEST(g_fake.destroys == 1);
    BOOST_TEST(!path_exists(t.path + "/storage/pools/broken.toml"));
    BOOST_TEST(!path_exists(t.path + "/pools/broken"));
    BOOST_TEST(!pools.exists("broken"));
}

BOOST_FIXTURE_TEST_CASE(unmountable_pool_is_kept_but_unavailable, Fixture)
{
    {
        Pools pools(t.path);
        BOOST_REQUIRE(pools.init().has_value());
        BOOST_REQUIRE(pools.create(fake("flaky")).has_value());
    }
    g_fake.fail_mount = true;
    Pools again(t.path);
    auto warnings = again.init();
    BOOST_REQUIRE(warnings.has_value());
    BOOST_TEST(warnings->size() == 1u);
    BOOST_TEST(again.exists("flaky"));
    auto got = again.get("flaky");
    BOOST_TEST((!got && got.error().message.find("unavailable") != std::string::npos));
}

BOOST_FIXTURE_TEST_CASE(bad_input_refused, Fixture)
{
    Pools pools(t.path);
    BOOST_REQUIRE(pools.init().has_value());
    for (const std::string bad : {"a/b", "..", "../x", "", ".hidden"})
        BOOST_TEST(!pools.create(fake(bad)).has_value(), bad);
    auto unknown = pools.create(PoolConfig{"z", "zfs", "", 0, "", 0});
    BOOST_TEST((!unknown && unknown.error().kind == ErrorKind::InvalidArgument));
    BOOST_TEST((!unknown && unknown.error().message.find("btrfs") != std::string::npos));  // names known drivers
    auto sized_dir = pools.create(PoolConfig{"z", "dir", "", 1 << 30, "", 0});
    BOOST_TEST((!sized_dir && sized_dir.error().kind == ErrorKind::InvalidArgument));
    auto bare_btrfs = pools.create(PoolConfig{"z", "btrfs", "", 0, "", 0});
    BOOST_TEST((!bare_btrfs && bare_btrfs.error().kind == ErrorKind::InvalidArgument));
    auto no_source = pools.create(PoolConfig{"z", "dir", t.path + "/nope", 0, "", 0});
    BOOST_TEST((!no_source && no_source.error().kind == ErrorKind::InvalidArgument));
    BOOST_TEST(kind_is(pools.get("nosuch").map([](auto) {}), ErrorKind::NoSuchPool));
}

BOOST_FIXTURE_TEST_CASE(remove_destroys_and_forgets, Fixture)
{
    Pools pools(t.path);
    BOOST_REQUIRE(pools.init().has_value());
    BOOST_REQUIRE(pools.create(fake("gone")).has_value());
    BOOST_REQUIRE(pools.remove("gone").has_value());
    BOOST_TEST(g_fake.destroys == 1);
    BOOST_TEST(!path_exists(t.path + "/storage/pools/gone.toml"));
    BOOST_TEST(!path_exists(t.path + "/pools/gone"));
    BOOST_TEST(kind_is(pools.remove("gone"), ErrorKind::NoSuchPool));
}

BOOST_FIXTURE_TEST_CASE(default_pool_cannot_be_removed, Fixture)
{
    {
        Pools pools(t.path);
        BOOST_REQUIRE(pools.init().has_value());
        BOOST_REQUIRE(pools.create(fake("main")).has_value());
    }
    Pools pools(t.path, "main");
    BOOST_REQUIRE(pools.init().has_value());
    BOOST_TEST(&pools.default_pool() == *pools.get("main"));
    BOOST_TEST(kind_is(pools.remove("main"), ErrorKind::InvalidState));
    Pools missing(t.path, "nosuch");
    BOOST_TEST(!missing.init().has_value());
}

BOOST_FIXTURE_TEST_CASE(pool_config_round_trip, Fixture)
{
    PoolConfig c{"p1", "btrfs", "/var/lib/berth/storage/disks/p1.img", 1ull << 30, "/var/lib/berth/pools/p1", 42};
    auto parsed = parse_pool_config(pool_config_to_toml(c), "p1.toml");
    BOOST_REQUIRE(parsed.has_value());
    BOOST_TEST((*parsed == c));
    BOOST_TEST(!parse_pool_config("name = \"x\"\ndriver = \"dir\"\nroot = \"/r\"\ntypo = 1\n", "t").has_value());
}

BOOST_FIXTURE_TEST_CASE(dir_driver_volumes_and_snapshots, Fixture)
{
    DirDriver d(PoolConfig{"p", "dir", "", 0, t.path + "/p", 0});
    BOOST_REQUIRE(d.create_pool().has_value());
    BOOST_REQUIRE(d.mount().has_value());
    // A fill that fails leaves nothing.
    auto failed = d.create_volume_from(VolumeKind::Custom, "v", [](const std::string& path) -> Result<> {
        BOOST_REQUIRE(write_file_atomic(path + "/half", "x").has_value());
        return fail(ErrorKind::QuotaExceeded, "disk full", ENOSPC);
    });
    BOOST_TEST(kind_is(failed, ErrorKind::QuotaExceeded));
    BOOST_TEST(!d.volume_exists(VolumeKind::Custom, "v"));
    BOOST_TEST(list_dir(t.path + "/p/.tmp")->empty());
    BOOST_TEST(!path_exists(t.path + "/p/custom/v"));

    BOOST_REQUIRE(d.create_volume_from(VolumeKind::Container, "c", [](const std::string& path) -> Result<> {
        return write_file_atomic(path + "/f", "one");
    }).has_value());
    BOOST_TEST(d.volume_path(VolumeKind::Container, "c") == t.path + "/p/containers/c/rootfs");
    BOOST_REQUIRE(d.create_snapshot(VolumeKind::Container, "c", "s1").has_value());
    BOOST_TEST(kind_is(d.create_snapshot(VolumeKind::Container, "c", "s1"), ErrorKind::AlreadyExists));
    BOOST_REQUIRE(write_file_atomic(d.volume_path(VolumeKind::Container, "c") + "/f", "two").has_value());
    BOOST_REQUIRE(d.restore_snapshot(VolumeKind::Container, "c", "s1").has_value());
    BOOST_TEST(*read_file(d.volume_path(VolumeKind::Container, "c") + "/f") == "one");
    BOOST_TEST(d.list_snapshots(VolumeKind::Container, "c")->size() == 1u);
    BOOST_TEST(kind_is(d.restore_snapshot(VolumeKind::Container, "c", "nope"), ErrorKind::NoSuchPool));

    BOOST_REQUIRE(d.clone_volume(VolumeKind::Container, "c", VolumeKind::Container, "c2").has_value());
    BOOST_TEST(*read_file(d.volume_path(VolumeKind::Container, "c2") + "/f") == "one");
    BOOST_TEST(kind_is(d.clone_volume(VolumeKind::Container, "c", VolumeKind::Container, "c2"),
                       ErrorKind::AlreadyExists));
    BOOST_TEST(kind_is(d.set_quota(VolumeKind::Container, "c", 1 << 20), ErrorKind::NotSupported));
    BOOST_TEST(kind_is(d.create_snapshot(VolumeKind::Container, "c", "../x"), ErrorKind::InvalidArgument));

    BOOST_REQUIRE(d.delete_volume(VolumeKind::Container, "c").has_value());
    BOOST_TEST(!path_exists(t.path + "/p/containers/c"));
    BOOST_TEST(!path_exists(t.path + "/p/snapshots/containers/c"));
    BOOST_TEST(*d.list_volumes(VolumeKind::Container) == std::vector<std::string>{"c2"});
}

BOOST_AUTO_TEST_CASE(default_pool_config_key)
{
    auto config = parse_config("[storage]\ndefault_pool = \"fast\"\n", "berthd.toml");
    BOOST_REQUIRE(config.has_value());
    BOOST_TEST(config->default_pool == "fast");
    BOOST_TEST(default_config().default_pool == "default");
    BOOST_TEST(!parse_config("[storage]\ndefault_pool = \"../x\"\n", "berthd.toml").has_value());
    BOOST_TEST(!parse_config("[storage]\npool = \"x\"\n", "berthd.toml").has_value());
}

BOOST_AUTO_TEST_CASE(spec_keeps_pool_and_disk)
{
    ContainerSpec spec;
    spec.name = "c";
    spec.image = "busybox";
    spec.idmap_base = 524288;
    spec.idmap_size = 65536;
    spec.pool = "fast";
    spec.limits.disk = 64ull << 20;
    auto parsed = parse_spec(spec_to_toml(spec), "c.toml");
    BOOST_REQUIRE(parsed.has_value());
    BOOST_TEST(parsed->pool == "fast");
    BOOST_TEST(parsed->limits.disk == (64ull << 20));
}

BOOST_AUTO_TEST_SUITE_END()
