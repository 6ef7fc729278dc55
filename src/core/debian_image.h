// Debian images: a debootstrap of a bootable tree (systemd, dbus, iproute2), made ready to boot as a berth guest.
// The mirror comes from the machine's apt sources unless the caller names one; the host name is never built in.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace berth {

struct DebianBuildOptions {
    std::string suite = "bookworm";
    std::vector<std::string> include;  // extra packages
    std::string mirror;                // empty: from the apt sources
};

// Packages every Debian guest gets: an init that reports readiness, a bus, and ip for the network berth sets up.
inline constexpr std::string_view kDebianBasePackages = "systemd,systemd-sysv,dbus,iproute2";

// One entry of the apt sources: a "deb" URI and its suites.
struct AptSource {
    std::string uri;
    std::vector<std::string> suites;
};

// Parses one-line (sources.list, *.list) or deb822 (*.sources) text; "deb-src" entries and disabled
// (Enabled: no) stanzas are left out.
std::vector<AptSource> parse_apt_sources(std::string_view text, bool deb822);

// The mirror to bootstrap `suite` from: the first source that carries the suite itself (not -security or
// -updates), else the first one that is not a security archive. NotSupported when there is none.
Result<std::string> pick_debian_mirror(const std::vector<AptSource>& sources, const std::string& suite);

// Reads /etc/apt/sources.list and sources.list.d/*.list|*.sources below `apt_dir`, then picks as above.
Result<std::string> debian_mirror_from_apt(const std::string& suite, const std::string& apt_dir = "/etc/apt");

// Suite and package names (Debian's own rules), mirror an http(s) URL: InvalidArgument naming the entry.
Result<> validate_debian_options(const DebianBuildOptions& options);

// debootstrap's argument vector (argv[0] = "debootstrap").
std::vector<std::string> debootstrap_argv(const DebianBuildOptions& options, const std::string& mirror,
                                          const std::string& target);

// Makes a bootstrapped tree a berth guest: no machine-id (berth-spawn writes a fresh one per container), no
// hostname (the container's name is its UTS name), a resolv.conf of its own for berth to fill, an empty fstab,
// and units that only fail or fight the host in a container masked. `log` gets one line per step.
Result<> make_debian_guest_ready(const std::string& root, int log_fd);

// The whole build, blocking (run in a child process): debootstrap into `root` with its output on `log_fd`,
// then make_debian_guest_ready.
Result<> build_debian_tree(const DebianBuildOptions& options, const std::string& root, int log_fd);

}  // namespace berth
