#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <csignal>

#include "base/fs.h"
#include "core/init_signals.h"

using namespace berth;

namespace {
struct Root {
    std::string path;
    Root()
    {
        char tmpl[] = "/tmp/berth-init-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~Root() { (void)remove_tree(path); }
    void link(const std::string& target, const std::string& at)
    {
        auto slash = at.rfind('/');
        BOOST_REQUIRE(make_dirs(path + at.substr(0, slash)));
        BOOST_REQUIRE(symlink(target.c_str(), (path + at).c_str()) == 0);
    }
    void file(const std::string& at)
    {
        auto slash = at.rfind('/');
        BOOST_REQUIRE(make_dirs(path + at.substr(0, slash)));
        BOOST_REQUIRE(write_file_atomic(path + at, "", 0755));
    }
};
ContainerSpec boot_spec()
{
    ContainerSpec spec;
    spec.mode = ContainerMode::Boot;
    return spec;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(init_signals)

BOOST_AUTO_TEST_CASE(busybox_through_relative_link)
{
    Root r;
    r.file("/bin/busybox");
    r.link("../bin/busybox", "/sbin/init");
    BOOST_TEST((detect_init(r.path, boot_spec()) == InitKind::Busybox));
    BOOST_TEST(poweroff_signal(InitKind::Busybox) == SIGUSR2);
    BOOST_TEST(reboot_signal(InitKind::Busybox) == SIGTERM);
}

BOOST_AUTO_TEST_CASE(systemd_through_absolute_link_and_merged_usr)
{
    Root r;
    r.file("/usr/lib/systemd/systemd");
    r.link("usr/lib", "/lib");
    r.link("usr/sbin", "/sbin");
    r.link("/lib/systemd/systemd", "/usr/sbin/init");
    BOOST_TEST((detect_init(r.path, boot_spec()) == InitKind::Systemd));
    BOOST_TEST(poweroff_signal(InitKind::Systemd) == SIGRTMIN + 3);
    BOOST_TEST(reboot_signal(InitKind::Systemd) == SIGINT);
}

BOOST_AUTO_TEST_CASE(links_never_leave_the_root)
{
    Root r;
    // /sbin/init -> /../../../../usr/lib/systemd/systemd must resolve inside the root, where it does not exist
    r.link("/../../../../../usr/lib/systemd/systemd", "/sbin/init");
    BOOST_TEST((detect_init(r.path, boot_spec()) == InitKind::Other));
    r.link("loop", "/bin/loop");
    r.link("/bin/loop", "/init");
    BOOST_TEST((detect_init(r.path, boot_spec()) == InitKind::Other));
}

BOOST_AUTO_TEST_CASE(command_mode)
{
    ContainerSpec spec;
    spec.mode = ContainerMode::Command;
    BOOST_TEST((detect_init("/nonexistent", spec) == InitKind::Command));
    BOOST_TEST(poweroff_signal(InitKind::Command) == SIGTERM);
    BOOST_TEST(reboot_signal(InitKind::Command) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
