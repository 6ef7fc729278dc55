#include <boost/test/unit_test.hpp>

#include <endian.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "base/fs.h"
#include "temp_dir.h"
#include "core/image_store.h"

using namespace berth;

namespace {

using testing::TempDir;

struct Fixture {
    TempDir t;
    std::string pool = t.path + "/pool";
    ImageStore store{pool};
    Fixture() { BOOST_REQUIRE(store.init().has_value()); }

    // A hand-made image: images/NAME/rootfs with a couple of files, no image.toml.
    std::string make_image(const std::string& name)
    {
        const std::string root = pool + "/images/" + name + "/rootfs";
        BOOST_REQUIRE(make_dirs(root + "/etc").has_value());
        BOOST_REQUIRE(make_dirs(root + "/bin").has_value());
        BOOST_REQUIRE(write_file_atomic(root + "/etc/hostname", "img\n").has_value());
        BOOST_REQUIRE(write_file_atomic(root + "/bin/tool", std::string(10000, 'x'), 0755).has_value());
        BOOST_REQUIRE(symlink("tool", (root + "/bin/alias").c_str()) == 0);
        return root;
    }
};

bool expect_kind(const Result<>& r, ErrorKind kind)
{
    return !r.has_value() && r.error().kind == kind;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(image_store)

BOOST_AUTO_TEST_CASE(init_makes_layout_and_clears_leftovers)
{
    TempDir t;
    ImageStore store(t.path + "/pool");
    BOOST_REQUIRE(store.init().has_value());
    for (const char* sub : {"/images", "/containers", "/.tmp"}) {
        struct stat st;
        BOOST_REQUIRE(stat((t.path + "/pool" + sub).c_str(), &st) == 0);
        BOOST_TEST((st.st_mode & 0777) == 0700u);
    }
    BOOST_REQUIRE(make_dirs(t.path + "/pool/.tmp/import-x-123/rootfs/etc").has_value());
    BOOST_REQUIRE(write_file_atomic(t.path + "/pool/.tmp/stray", "x").has_value());
    BOOST_REQUIRE(store.init().has_value());
    BOOST_TEST(list_dir(t.path + "/pool/.tmp")->empty());
    BOOST_TEST(store.list()->empty());
}

BOOST_AUTO_TEST_CASE(bad_names_are_refused_before_any_path)
{
    Fixture f;
    f.make_image("img");
    for (const std::string bad : {"../x", "..", "a/b", "", ".hidden", "x/../../y"}) {
        BOOST_TEST_CONTEXT(bad)
        {
            BOOST_TEST(!f.store.exists(bad));
            BOOST_TEST((!f.store.get(bad) && f.store.get(bad).error().kind == ErrorKind::InvalidArgument));
            BOOST_TEST(expect_kind(f.store.remove_image(bad), ErrorKind::InvalidArgument));
            BOOST_TEST(expect_kind(f.store.create_container_root(bad, "c"), ErrorKind::InvalidArgument));
            BOOST_TEST(expect_kind(f.store.create_container_root("img", bad), ErrorKind::InvalidArgument));
            BOOST_TEST(expect_kind(f.store.remove_container_root(bad), ErrorKind::InvalidArgument));
            BOOST_TEST(expect_kind(f.store.shift_container_root(bad, 100000), ErrorKind::InvalidArgument));
            BOOST_TEST(!f.store.container_root_exists(bad));
        }
    }
    BOOST_TEST(list_dir(f.pool + "/containers")->empty());
    BOOST_TEST(path_exists(f.store.image_root("img")));
}

BOOST_AUTO_TEST_CASE(missing_images)
{
    Fixture f;
    auto r = f.store.get("nope");
    BOOST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error().kind == ErrorKind::NoSuchImage));
    BOOST_TEST(expect_kind(f.store.remove_image("nope"), ErrorKind::NoSuchImage));
    BOOST_TEST(expect_kind(f.store.create_container_root("nope", "c"), ErrorKind::NoSuchImage));
    BOOST_TEST(!path_exists(f.pool + "/containers/c"));
}

BOOST_AUTO_TEST_CASE(broken_or_missing_metadata_still_lists)
{
    Fixture f;
    f.make_image("plain");
    f.make_image("broken");
    BOOST_REQUIRE(write_file_atomic(f.pool + "/images/broken/image.toml", "origin = [unterminated\n\x01").has_value());
    f.make_image("typed");
    BOOST_REQUIRE(write_file_atomic(f.pool + "/images/typed/image.toml",
                                    "origin = \"import\"\ncreated_at = 42\nsize = -5\n").has_value());
    BOOST_REQUIRE(make_dirs(f.pool + "/images/not-an-image").has_value());  // no rootfs: ignored
    BOOST_REQUIRE(write_file_atomic(f.pool + "/images/file", "x").has_value());

    auto images = f.store.list();
    BOOST_REQUIRE(images.has_value());
    BOOST_REQUIRE(images->size() == 3u);
    for (const auto& info : *images) {
        BOOST_TEST_CONTEXT(info.name)
        {
            BOOST_TEST(info.size >= 10000u);  // computed from the tree when image.toml has none
            BOOST_TEST(info.created_at > 0u);
        }
    }
    BOOST_TEST(f.store.get("broken")->origin == "unknown");
    BOOST_TEST(f.store.get("typed")->origin == "import");
    BOOST_TEST(f.store.get("typed")->created_at == 42u);
}

BOOST_AUTO_TEST_CASE(remove_image_leaves_nothing)
{
    Fixture f;
    f.make_image("img");
    BOOST_REQUIRE(f.store.remove_image("img").has_value());
    BOOST_TEST(!f.store.exists("img"));
    BOOST_TEST(list_dir(f.pool + "/images")->empty());
    BOOST_TEST(list_dir(f.pool + "/.tmp")->empty());
}

BOOST_AUTO_TEST_CASE(container_root_create_and_remove)
{
    Fixture f;
    f.make_image("img");
    BOOST_REQUIRE(f.store.create_container_root("img", "c1").has_value());
    const std::string root = f.store.container_root("c1");
    BOOST_TEST(root == f.pool + "/containers/c1/rootfs");
    BOOST_TEST(f.store.container_root_exists("c1"));
    BOOST_TEST(*read_file(root + "/etc/hostname") == "img\n");
    char buf[16] = {};
    BOOST_TEST(readlink((root + "/bin/alias").c_str(), buf, sizeof buf - 1) == 4);
    struct stat st;
    BOOST_REQUIRE(stat((f.pool + "/containers/c1").c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0700u);

    // A copy, not a link: writing the container's root leaves the image alone.
    BOOST_REQUIRE(write_file_atomic(root + "/etc/hostname", "c1\n").has_value());
    BOOST_TEST(*read_file(f.store.image_root("img") + "/etc/hostname") == "img\n");

    BOOST_TEST(expect_kind(f.store.create_container_root("img", "c1"), ErrorKind::AlreadyExists));
    BOOST_TEST(list_dir(f.pool + "/.tmp")->empty());

    BOOST_REQUIRE(f.store.remove_container_root("c1").has_value());
    BOOST_TEST(!f.store.container_root_exists("c1"));
    BOOST_TEST(!path_exists(f.pool + "/containers/c1"));
    BOOST_TEST(list_dir(f.pool + "/.tmp")->empty());
    BOOST_TEST(f.store.remove_container_root("c1").has_value());  // missing is fine
    BOOST_TEST(f.store.exists("img"));
}

BOOST_AUTO_TEST_CASE(container_root_from_busybox_is_fast)
{
    if (access("/bin/busybox", X_OK) != 0) {
        BOOST_TEST_MESSAGE("skipped: /bin/busybox missing");
        return;
    }
    Fixture f;
    BOOST_REQUIRE(f.store.ensure_busybox_image("/bin/busybox").has_value());
    auto start = std::chrono::steady_clock::now();
    BOOST_REQUIRE(f.store.create_container_root("busybox", "bb").has_value());
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    BOOST_TEST_MESSAGE("container root from busybox in " << ms << " ms");
    BOOST_TEST(path_exists(f.store.container_root("bb") + "/sbin/init"));
    start = std::chrono::steady_clock::now();
    BOOST_REQUIRE(f.store.remove_container_root("bb").has_value());
    ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    BOOST_TEST_MESSAGE("container root removed in " << ms << " ms");
}

BOOST_AUTO_TEST_CASE(shift_changes_owners)
{
    if (geteuid() != 0) {
        BOOST_TEST_MESSAGE("skipped: shifting owners needs root");
        return;
    }
    Fixture f;
    const std::string img = f.make_image("img");
    BOOST_REQUIRE(write_file_atomic(img + "/bin/su", "x", 04755).has_value());
    BOOST_REQUIRE(chown((img + "/bin/su").c_str(), 0, 0) == 0);
    BOOST_REQUIRE(chmod((img + "/bin/su").c_str(), 04755) == 0);
    BOOST_REQUIRE(write_file_atomic(img + "/bin/ping", "x", 0755).has_value());
    BOOST_REQUIRE(make_dirs(img + "/home/u").has_value());
    BOOST_REQUIRE(chown((img + "/home/u").c_str(), 1000, 1001) == 0);
    BOOST_REQUIRE(write_file_atomic(img + "/home/far", "x").has_value());
    BOOST_REQUIRE(chown((img + "/home/far").c_str(), 70000, 70000) == 0);  // beyond a 65536 range
    BOOST_REQUIRE(lchown((img + "/bin/alias").c_str(), 5, 5) == 0);
    // cap_net_raw+ep as a v2 file capability
    vfs_cap_data caps{};
    caps.magic_etc = htole32(VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE);
    caps.data[0].permitted = htole32(1u << CAP_NET_RAW);
    bool have_caps = setxattr((img + "/bin/ping").c_str(), "security.capability", &caps, XATTR_CAPS_SZ_2, 0) == 0;

    BOOST_REQUIRE(f.store.create_container_root("img", "c").has_value());
    const std::string root = f.store.container_root("c");
    const uint32_t base = 655360;
    auto r = f.store.shift_container_root("c", base);
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().describe()));

    auto owner = [&](const std::string& rel) {
        struct stat st {};
        BOOST_REQUIRE(lstat((root + rel).c_str(), &st) == 0);
        return st;
    };
    BOOST_TEST(owner("").st_uid == base);
    BOOST_TEST(owner("/etc/hostname").st_uid == base);
    BOOST_TEST(owner("/home/u").st_uid == base + 1000);
    BOOST_TEST(owner("/home/u").st_gid == base + 1001);
    BOOST_TEST(owner("/home/far").st_uid == base + 65534);  // nobody inside
    BOOST_TEST(owner("/bin/alias").st_uid == base + 5);     // the link itself, not its target
    BOOST_TEST(owner("/bin/tool").st_uid == base);
    BOOST_TEST((owner("/bin/su").st_mode & 07777) == 04755u);  // setuid survives chown
    if (have_caps) {
        vfs_ns_cap_data got{};
        ssize_t n = getxattr((root + "/bin/ping").c_str(), "security.capability", &got, sizeof got);
        BOOST_TEST(n == static_cast<ssize_t>(XATTR_CAPS_SZ_3));
        BOOST_TEST(le32toh(got.rootid) == base);
        BOOST_TEST(le32toh(got.data[0].permitted) == (1u << CAP_NET_RAW));
    } else {
        BOOST_TEST_MESSAGE("file capabilities not supported under /tmp; capability check skipped");
    }
    // The image stays unshifted, and a second run changes nothing (resumable after a crash).
    struct stat st;
    BOOST_REQUIRE(stat((img + "/home/u").c_str(), &st) == 0);
    BOOST_TEST(st.st_uid == 1000u);
    BOOST_REQUIRE(f.store.shift_container_root("c", base).has_value());
    BOOST_TEST(owner("/home/u").st_uid == base + 1000);
    BOOST_TEST(expect_kind(f.store.shift_container_root("missing", base), ErrorKind::NoSuchContainer));
}

BOOST_AUTO_TEST_SUITE_END()
