#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdlib>

#include "base/fs.h"
#include "temp_dir.h"
#include "core/busybox_image.h"
#include "core/image_store.h"

using namespace berth;

namespace {

const char kBusybox[] = "/bin/busybox";

using testing::TempDir;

std::string real(const std::string& path)
{
    char buf[PATH_MAX];
    return realpath(path.c_str(), buf) ? buf : "";
}

std::string link_of(const std::string& path)
{
    char buf[256] = {};
    ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
    return n < 0 ? "" : std::string(buf, static_cast<size_t>(n));
}

bool have_busybox()
{
    if (access(kBusybox, X_OK) == 0)
        return true;
    BOOST_TEST_MESSAGE("skipped: " << kBusybox << " missing (install busybox-static)");
    return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(busybox_image)

BOOST_AUTO_TEST_CASE(applet_targets_are_relative)
{
    BOOST_TEST(applet_link_target("sbin/init") == "../bin/busybox");
    BOOST_TEST(applet_link_target("bin/sh") == "../bin/busybox");
    BOOST_TEST(applet_link_target("usr/bin/env") == "../../bin/busybox");
    BOOST_TEST(applet_link_target("linuxrc") == "bin/busybox");
    BOOST_TEST(applet_link_target("/bin/sh").empty());
    BOOST_TEST(applet_link_target("../bin/sh").empty());
    BOOST_TEST(applet_link_target("usr//bin/x").empty());
    BOOST_TEST(applet_link_target("").empty());
}

BOOST_AUTO_TEST_CASE(version_from_banner)
{
    BOOST_TEST(busybox_version_from_banner("BusyBox v1.35.0 (Debian 1:1.35.0-4+b1) multi-call binary.") == "1.35.0");
    BOOST_TEST(busybox_version_from_banner("something else").empty());
}

BOOST_AUTO_TEST_CASE(builds_a_working_tree)
{
    if (!have_busybox())
        return;
    TempDir t;
    ImageStore store(t.path + "/pool");
    BOOST_REQUIRE(store.init().has_value());
    auto start = std::chrono::steady_clock::now();
    auto r = store.ensure_busybox_image(kBusybox);
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().describe()));
    auto built_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    BOOST_TEST_MESSAGE("busybox image built in " << built_ms << " ms");

    const std::string root = store.image_root("busybox");
    const std::string busybox = real(root + "/bin/busybox");
    BOOST_REQUIRE(!busybox.empty());
    BOOST_TEST(real(root + "/bin/sh") == busybox);
    BOOST_TEST(real(root + "/sbin/init") == busybox);
    BOOST_TEST(link_of(root + "/sbin/init") == "../bin/busybox");
    BOOST_TEST(link_of(root + "/usr/bin/env") == "../../bin/busybox");
    auto os_release = read_file(root + "/etc/os-release");
    BOOST_REQUIRE(os_release.has_value());
    BOOST_TEST(os_release->find("ID=busybox\n") != std::string::npos);
    BOOST_TEST(read_file(root + "/etc/passwd")->find("root:x:0:0:root:/root:/bin/sh\n") == 0u);
    BOOST_TEST(read_file(root + "/etc/inittab")->find("respawn") == std::string::npos);

    struct stat st;
    BOOST_REQUIRE(stat((root + "/tmp").c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 07777) == 01777u);
    BOOST_REQUIRE(stat((root + "/root").c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 07777) == 0700u);
    BOOST_REQUIRE(stat((root + "/bin/busybox").c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 07777) == 0755u);
    if (geteuid() == 0)
        BOOST_TEST((st.st_uid == 0 && st.st_gid == 0));

    // The shell in the tree runs (the binary is static, so no libraries are needed).
    const std::string cmd = root + "/bin/sh -c 'exit 7'";
    int status = std::system(cmd.c_str());
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 7));

    auto info = store.get("busybox");
    BOOST_REQUIRE(info.has_value());
    BOOST_TEST(info->origin == "builtin");
    BOOST_TEST(info->size > 1000000u);
    BOOST_TEST(list_dir(t.path + "/pool/.tmp")->empty());

    // Second call: the fast path, nothing rebuilt.
    start = std::chrono::steady_clock::now();
    BOOST_REQUIRE(store.ensure_busybox_image(kBusybox).has_value());
    auto fast = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    BOOST_TEST_MESSAGE("existing busybox image checked in " << fast << " ms");
    BOOST_TEST(store.get("busybox")->created_at == info->created_at);
}

BOOST_AUTO_TEST_CASE(missing_busybox_says_what_to_install)
{
    TempDir t;
    ImageStore store(t.path + "/pool");
    BOOST_REQUIRE(store.init().has_value());
    auto r = store.ensure_busybox_image(t.path + "/no-such-busybox");
    BOOST_REQUIRE(!r.has_value());
    BOOST_TEST(r.error().message.find("busybox-static") != std::string::npos);
    BOOST_TEST(list_dir(t.path + "/pool/images")->empty());
    BOOST_TEST(list_dir(t.path + "/pool/.tmp")->empty());
}

BOOST_AUTO_TEST_CASE(dynamic_binary_is_refused)
{
    TempDir t;
    ImageStore store(t.path + "/pool");
    BOOST_REQUIRE(store.init().has_value());
    auto r = store.ensure_busybox_image("/bin/true");  // dynamically linked on Debian
    BOOST_REQUIRE(!r.has_value());
    BOOST_TEST(r.error().message.find("busybox-static") != std::string::npos);
    BOOST_TEST(list_dir(t.path + "/pool/images")->empty());
    BOOST_TEST(list_dir(t.path + "/pool/.tmp")->empty());
}

BOOST_AUTO_TEST_CASE(bad_image_name_is_refused)
{
    TempDir t;
    ImageStore store(t.path + "/pool");
    auto r = store.ensure_busybox_image(kBusybox, "../escape");
    BOOST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error().kind == ErrorKind::InvalidArgument));
    BOOST_TEST(!path_exists(t.path + "/escape"));
}

BOOST_AUTO_TEST_SUITE_END()
