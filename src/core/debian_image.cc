#include "core/debian_image.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <sstream>

#include "base/fs.h"
#include "core/guest_boot_trim.h"

namespace berth {

namespace {

std::vector<std::string> words(std::string_view text)
{
    std::vector<std::string> out;
    std::istringstream in{std::string(text)};
    for (std::string w; in >> w;)
        out.push_back(w);
    return out;
}

std::string lower(std::string s)
{
    for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

void parse_one_line(std::string_view text, std::vector<AptSource>& out)
{
    std::istringstream in{std::string(text)};
    for (std::string line; std::getline(in, line);) {
        if (auto hash = line.find('#'); hash != std::string::npos)
            line.erase(hash);
        auto w = words(line);
        if (w.size() < 3 || w[0] != "deb")
            continue;
        size_t i = 1;
        if (w[i].front() == '[') {  // [arch=amd64 signed-by=...]
            while (i < w.size() && w[i].back() != ']')
                ++i;
            ++i;
        }
        if (i + 1 >= w.size())
            continue;
        out.push_back({w[i], {w[i + 1]}});
    }
}

void parse_deb822(std::string_view text, std::vector<AptSource>& out)
{
    // Stanzas separated by blank lines; fields "Key: value" with continuation lines starting with blanks.
    std::istringstream in{std::string(text)};
    std::vector<std::string> types, uris, suites;
    bool enabled = true;
    auto flush = [&] {
        bool deb = false;
        for (const auto& t : types)
            deb = deb || t == "deb";
        if (deb && enabled)
            for (const auto& u : uris)
                out.push_back({u, suites});
        types.clear(), uris.clear(), suites.clear();
        enabled = true;
    };
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line[0] == '#')
            continue;
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            flush();
            continue;
        }
        if (line[0] == ' ' || line[0] == '\t')
            continue;  // continuation: only Signed-By uses them, and we do not need it
        auto colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        std::string key = lower(line.substr(0, colon));
        auto value = words(std::string_view(line).substr(colon + 1));
        if (key == "types")
            types = value;
        else if (key == "uris")
            uris = value;
        else if (key == "suites")
            suites = value;
        else if (key == "enabled")
            enabled = value.empty() || lower(value[0]) != "no";
    }
    flush();
}

bool valid_package_name(const std::string& p)
{
    // Debian policy 5.6.1: lower case letters, digits, + - . ; at least two characters, starting alphanumeric.
    if (p.size() < 2 || !std::isalnum(static_cast<unsigned char>(p[0])))
        return false;
    for (char c : p)
        if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
              c == '+' || c == '-' || c == '.'))
            return false;
    return true;
}

void log_line(int fd, const std::string& text)
{
    std::string line = "berth: " + text + "\n";
    (void)!write(fd, line.data(), line.size());
}

// Units that fail in an unprivileged container, or would configure what the host configures (network, DNS,
// time, hostname prompts on the console at first boot).
constexpr const char* kMaskedUnits[] = {
    "sys-kernel-debug.mount", "sys-kernel-tracing.mount", "sys-kernel-config.mount",
    "sys-fs-fuse-connections.mount", "dev-hugepages.mount", "systemd-firstboot.service",
    "systemd-journald-audit.socket", "systemd-networkd.service", "systemd-networkd.socket",
    "systemd-networkd-wait-online.service", "systemd-resolved.service", "systemd-timesyncd.service",
    "systemd-modules-load.service", "kmod-static-nodes.service", "systemd-sysctl.service",
    "e2scrub_reap.service", "e2scrub_all.timer", "systemd-pstore.service", "networking.service",
    "ifupdown-wait-online.service",
};

}  // namespace

std::vector<AptSource> parse_apt_sources(std::string_view text, bool deb822)
{
    std::vector<AptSource> out;
    if (deb822)
        parse_deb822(text, out);
    else
        parse_one_line(text, out);
    return out;
}

Result<std::string> pick_debian_mirror(const std::vector<AptSource>& sources, const std::string& suite)
{
    auto is_http = [](const std::string& u) { return u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0; };
    for (const auto& s : sources)
        for (const auto& su : s.suites)
            if (su == suite && is_http(s.uri))
                return s.uri;
    for (const auto& s : sources) {
        bool security = s.uri.find("security") != std::string::npos;
        for (const auto& su : s.suites)
            security = security || su.find("security") != std::string::npos;
        if (!security && is_http(s.uri) && s.uri.find("debian") != std::string::npos)
            return s.uri;
    }
    return fail(ErrorKind::NotSupported,
                "no Debian mirror for '" + suite + "' in the apt sources (/etc/apt/sources.list, "
                "sources.list.d/*.list, *.sources); name one with --mirror URL");
}

Result<std::string> debian_mirror_from_apt(const std::string& suite, const std::string& apt_dir)
{
    std::vector<AptSource> all;
    if (auto text = read_file(apt_dir + "/sources.list"))
        for (auto& s : parse_apt_sources(*text, false))
            all.push_back(std::move(s));
    if (auto names = list_dir(apt_dir + "/sources.list.d")) {
        for (const auto& n : *names) {
            bool deb822 = n.size() > 8 && n.ends_with(".sources");
            if (!deb822 && !(n.size() > 5 && n.ends_with(".list")))
                continue;
            if (auto text = read_file(apt_dir + "/sources.list.d/" + n))
                for (auto& s : parse_apt_sources(*text, deb822))
                    all.push_back(std::move(s));
        }
    }
    return pick_debian_mirror(all, suite);
}

Result<> validate_debian_options(const DebianBuildOptions& options)
{
    const auto& s = options.suite;
    if (s.empty() || s.size() > 64 || !std::islower(static_cast<unsigned char>(s[0])))
        return fail(ErrorKind::InvalidArgument, "invalid suite '" + s + "' (e.g. bookworm, trixie, sid)");
    for (char c : s)
        if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
            return fail(ErrorKind::InvalidArgument, "invalid suite '" + s + "' (e.g. bookworm, trixie, sid)");
    for (const auto& p : options.include)
        if (!valid_package_name(p))
            return fail(ErrorKind::InvalidArgument, "invalid package name '" + p + "' in --include");
    const auto& m = options.mirror;
    if (!m.empty()) {
        bool http = m.rfind("http://", 0) == 0 || m.rfind("https://", 0) == 0;
        if (!http || m.size() > 1024 || m.find_first_of(" \t\n\r") != std::string::npos)
            return fail(ErrorKind::InvalidArgument, "invalid mirror '" + m + "': give an http:// or https:// URL");
    }
    return {};
}

std::vector<std::string> debootstrap_argv(const DebianBuildOptions& options, const std::string& mirror,
                                          const std::string& target)
{
    std::string include(kDebianBasePackages);
    for (const auto& p : options.include)
        include += "," + p;
    return {"debootstrap", "--variant=minbase", "--include=" + include, "--components=main", options.suite,
            target, mirror};
}

Result<> make_debian_guest_ready(const std::string& root, int log_fd)
{
    log_line(log_fd, "making the tree a guest: machine-id, hostname, resolv.conf, fstab, masked units");
    // Empty machine-id: berth-spawn writes a fresh one per container before init runs.
    BERTH_TRY(write_file_atomic(root + "/etc/machine-id", ""));
    (void)unlink((root + "/var/lib/dbus/machine-id").c_str());
    if (symlink("/etc/machine-id", (root + "/var/lib/dbus/machine-id").c_str()) < 0 && errno != ENOENT)
        return fail_errno("link " + root + "/var/lib/dbus/machine-id");
    // The container's name is its hostname (berth sets the UTS name); systemd keeps a name that is already set.
    if (unlink((root + "/etc/hostname").c_str()) < 0 && errno != ENOENT)
        return fail_errno("remove " + root + "/etc/hostname");
    // debootstrap copies the builder's resolv.conf: never ship it. berth writes the container's own.
    (void)unlink((root + "/etc/resolv.conf").c_str());
    BERTH_TRY(write_file_atomic(root + "/etc/resolv.conf", "# written by berth when the container starts\n"));
    BERTH_TRY(write_file_atomic(root + "/etc/fstab", "# berth mounts the container's file systems\n"));
    const std::string units = root + "/etc/systemd/system";
    BERTH_TRY(make_dirs(units));
    for (const char* unit : kMaskedUnits) {
        std::string link = units + "/" + unit;
        (void)unlink(link.c_str());
        if (symlink("/dev/null", link.c_str()) < 0)
            return fail_errno("mask " + std::string(unit));
    }
    // What systemd would do at every boot for nothing in a container (core/guest_boot_trim.h).
    log_line(log_fd, "trimming the boot: " + BERTH_TRY(trim_guest_boot(root)));
    // Apt's downloaded packages are not part of the image.
    if (auto debs = list_dir(root + "/var/cache/apt/archives"))
        for (const auto& n : *debs)
            if (n.ends_with(".deb"))
                (void)unlink((root + "/var/cache/apt/archives/" + n).c_str());
    return {};
}

Result<> build_debian_tree(const DebianBuildOptions& options, const std::string& root, int log_fd)
{
    BERTH_TRY(validate_debian_options(options));
    std::string mirror = options.mirror;
    if (mirror.empty())
        mirror = BERTH_TRY(debian_mirror_from_apt(options.suite));
    auto argv = debootstrap_argv(options, mirror, root);
    std::string shown;
    for (const auto& a : argv)
        shown += (shown.empty() ? "" : " ") + a;
    log_line(log_fd, "running " + shown);

    std::vector<char*> cargv;
    for (auto& a : argv)
        cargv.push_back(a.data());
    cargv.push_back(nullptr);
    pid_t pid = fork();
    if (pid < 0)
        return fail_errno("fork debootstrap");
    if (pid == 0) {
        // The daemon blocks SIGCHLD (sd-event) and ignores SIGPIPE: give debootstrap a normal process.
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, nullptr);
        signal(SIGPIPE, SIG_DFL);
        umask(022);
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(log_fd, STDOUT_FILENO) < 0 ||
            dup2(log_fd, STDERR_FILENO) < 0)
            _exit(126);
        execvp(cargv[0], cargv.data());
        _exit(errno == ENOENT ? 127 : 126);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return fail_errno("wait for debootstrap");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return fail(ErrorKind::NotSupported, "debootstrap is not installed (apt-get install debootstrap)");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::string why = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                            : "signal " + std::to_string(WTERMSIG(status));
        return fail(ErrorKind::Failed, "debootstrap of " + options.suite + " from " + mirror + " failed (" + why +
                                           "); its output above says why");
    }
    return make_debian_guest_ready(root, log_fd);
}

}  // namespace berth
