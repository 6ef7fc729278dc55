// Debian images: apt sources parsing, mirror choice, option checks, debootstrap's arguments, and the guest-ready
// edits of a bootstrapped tree (on a fake tree: no debootstrap, no root needed).
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "base/fs.h"
#include "core/debian_image.h"
#include "core/guest_boot_trim.h"
#include "temp_dir.h"

using namespace berth;
using berth::testing::TempDir;

BOOST_AUTO_TEST_SUITE(debian_image)

BOOST_AUTO_TEST_CASE(one_line_sources)
{
    auto s = parse_apt_sources("# comment\n"
                               "deb http://mirror.example/debian bookworm main contrib\n"
                               "deb-src http://mirror.example/debian bookworm main\n"
                               "deb [arch=amd64 signed-by=/k.gpg] http://security.example/debian-security "
                               "bookworm-security main # trailing\n",
                               false);
    BOOST_REQUIRE_EQUAL(s.size(), 2u);
    BOOST_TEST(s[0].uri == "http://mirror.example/debian");
    BOOST_TEST(s[0].suites.at(0) == "bookworm");
    BOOST_TEST(s[1].uri == "http://security.example/debian-security");
}

BOOST_AUTO_TEST_CASE(deb822_sources)
{
    auto s = parse_apt_sources("Types: deb\n"
                               "# http://snapshot.example/archive/debian/20250520T000000Z\n"
                               "URIs: http://mirror.example/debian\n"
                               "Suites: bookworm bookworm-updates\n"
                               "Components: main\n"
                               "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
                               "\n"
                               "Types: deb-src\n"
                               "URIs: http://src.example/debian\n"
                               "Suites: bookworm\n"
                               "\n"
                               "Types: deb\n"
                               "URIs: http://off.example/debian\n"
                               "Suites: bookworm\n"
                               "Enabled: no\n",
                               true);
    BOOST_REQUIRE_EQUAL(s.size(), 1u);
    BOOST_TEST(s[0].uri == "http://mirror.example/debian");
    BOOST_TEST(s[0].suites.size() == 2u);
}

BOOST_AUTO_TEST_CASE(mirror_choice)
{
    std::vector<AptSource> s = {{"http://sec.example/debian-security", {"bookworm-security"}},
                                {"https://mirror.example/debian", {"bookworm", "bookworm-updates"}}};
    BOOST_TEST(pick_debian_mirror(s, "bookworm").value() == "https://mirror.example/debian");
    // Another suite: the first archive that is not a security one.
    BOOST_TEST(pick_debian_mirror(s, "trixie").value() == "https://mirror.example/debian");
    auto none = pick_debian_mirror({{"http://sec.example/debian-security", {"bookworm-security"}}}, "bookworm");
    BOOST_REQUIRE(!none);
    BOOST_TEST((none.error().kind == ErrorKind::NotSupported));
    BOOST_TEST(none.error().message.find("--mirror") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(mirror_from_apt_dir)
{
    TempDir dir;
    BOOST_REQUIRE(make_dirs(dir.path + "/sources.list.d"));
    BOOST_REQUIRE(write_file_atomic(dir.path + "/sources.list.d/debian.sources",
                                    "Types: deb\nURIs: http://m.example/debian\nSuites: bookworm\n"));
    BOOST_REQUIRE(write_file_atomic(dir.path + "/sources.list.d/other.list.disabled", "deb http://x/ y main\n"));
    BOOST_TEST(debian_mirror_from_apt("bookworm", dir.path).value() == "http://m.example/debian");
    TempDir empty;
    BOOST_TEST(!debian_mirror_from_apt("bookworm", empty.path));
}

BOOST_AUTO_TEST_CASE(options_checked)
{
    DebianBuildOptions o;
    BOOST_TEST(validate_debian_options(o).has_value());
    o.include = {"openssh-server", "libstdc++6", "g++"};
    BOOST_TEST(validate_debian_options(o).has_value());
    o.include = {"--root=/"};
    BOOST_TEST((validate_debian_options(o).error().kind == ErrorKind::InvalidArgument));
    o.include.clear();
    o.suite = "../etc";
    BOOST_TEST(!validate_debian_options(o));
    o.suite = "bookworm";
    o.mirror = "file:///etc";
    BOOST_TEST(!validate_debian_options(o));
    o.mirror = "http://a b";
    BOOST_TEST(!validate_debian_options(o));
}

BOOST_AUTO_TEST_CASE(debootstrap_arguments)
{
    DebianBuildOptions o;
    o.include = {"less", "curl"};
    auto argv = debootstrap_argv(o, "http://m.example/debian", "/pool/.tmp/x/rootfs");
    std::vector<std::string> want = {"debootstrap", "--variant=minbase",
                                     "--include=systemd,systemd-sysv,dbus,iproute2,less,curl", "--components=main",
                                     "bookworm", "/pool/.tmp/x/rootfs", "http://m.example/debian"};
    BOOST_TEST(argv == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(guest_ready_tree)
{
    TempDir root;
    for (const char* d : {"/etc/systemd/system", "/var/lib/dbus", "/var/cache/apt/archives", "/usr"})
        BOOST_REQUIRE(make_dirs(root.path + d));
    BOOST_REQUIRE(write_file_atomic(root.path + "/etc/machine-id", "0123456789abcdef0123456789abcdef\n"));
    BOOST_REQUIRE(write_file_atomic(root.path + "/etc/hostname", "builder\n"));
    BOOST_REQUIRE(write_file_atomic(root.path + "/etc/resolv.conf", "nameserver 10.0.0.1\n"));
    BOOST_REQUIRE(write_file_atomic(root.path + "/var/lib/dbus/machine-id", "0123\n"));
    BOOST_REQUIRE(write_file_atomic(root.path + "/var/cache/apt/archives/a.deb", "x"));
    UniqueFd null(open("/dev/null", O_WRONLY | O_CLOEXEC));
    BOOST_REQUIRE(make_debian_guest_ready(root.path, null.get()));
    BOOST_TEST(read_file(root.path + "/etc/machine-id").value() == "");
    BOOST_TEST(!path_exists(root.path + "/etc/hostname"));
    BOOST_TEST(read_file(root.path + "/etc/resolv.conf").value().find("nameserver") == std::string::npos);
    char target[64] = {};
    BOOST_REQUIRE(readlink((root.path + "/var/lib/dbus/machine-id").c_str(), target, sizeof target - 1) > 0);
    BOOST_TEST(std::string(target) == "/etc/machine-id");
    BOOST_REQUIRE(readlink((root.path + "/etc/systemd/system/sys-kernel-debug.mount").c_str(), target,
                           sizeof target - 1) > 0);
    BOOST_TEST(std::string(target).rfind("/dev/null", 0) == 0);
    BOOST_TEST(!path_exists(root.path + "/var/cache/apt/archives/a.deb"));
    BOOST_TEST(path_exists(root.path + "/etc/.updated"));   // the boot trimmed too (next case)
}

BOOST_AUTO_TEST_CASE(boot_trimmed)
{
    TempDir root;
    BOOST_REQUIRE(make_dirs(root.path + "/usr"));
    BOOST_REQUIRE(make_dirs(root.path + "/etc/systemd/system-generators"));
    // A generator the image had already replaced by a file: masked all the same.
    BOOST_REQUIRE(write_file_atomic(root.path + "/etc/systemd/system-generators/systemd-run-generator", "x"));
    auto summary = trim_guest_boot(root.path);
    BOOST_REQUIRE(summary);
    BOOST_TEST(summary->find("generators") != std::string::npos);
    char target[64] = {};
    for (std::string path : {"/etc/systemd/system-generators/systemd-run-generator",
                             "/etc/systemd/system-generators/systemd-gpt-auto-generator",
                             "/etc/systemd/system/systemd-update-utmp-runlevel.service"}) {
        std::fill(std::begin(target), std::end(target), 0);
        BOOST_REQUIRE(readlink((root.path + path).c_str(), target, sizeof target - 1) > 0);
        BOOST_TEST(std::string(target) == "/dev/null");
    }
    // The getty generator (console login) is kept.
    BOOST_TEST(!path_exists(root.path + "/etc/systemd/system-generators/systemd-getty-generator"));
    // ConditionNeedsUpdate=/etc compares seconds first: the stamp is newer than /usr.
    struct stat usr, stamp;
    BOOST_REQUIRE(stat((root.path + "/usr").c_str(), &usr) == 0);
    BOOST_REQUIRE(stat((root.path + "/etc/.updated").c_str(), &stamp) == 0);
    BOOST_TEST(stamp.st_mtim.tv_sec == usr.st_mtim.tv_sec + 1);
    BOOST_TEST(read_file(root.path + "/etc/.updated").value().find(
                   "TIMESTAMP_NSEC=" + std::to_string((usr.st_mtim.tv_sec + 1) * 1000000000LL) + "\n") !=
               std::string::npos);
    // A tree without /usr is not a Debian tree.
    TempDir empty;
    BOOST_TEST(!trim_guest_boot(empty.path));
}

BOOST_AUTO_TEST_SUITE_END()
