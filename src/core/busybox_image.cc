#include "core/busybox_image.h"

#include <elf.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <set>
#include <vector>

#include "base/fs.h"
#include "base/unique_fd.h"

namespace berth {

namespace {

const char kInstallHint[] = "install busybox-static (apt-get install busybox-static)";

// Skeleton directories, parents first, with their modes (set explicitly: mkdir is subject to the umask).
struct SkeletonDir {
    const char* path;
    mode_t mode;
};
constexpr SkeletonDir kSkeleton[] = {
    {"bin", 0755}, {"sbin", 0755}, {"usr", 0755}, {"usr/bin", 0755}, {"usr/sbin", 0755}, {"etc", 0755},
    {"proc", 0555}, {"sys", 0555}, {"dev", 0755}, {"run", 0755}, {"tmp", 01777}, {"root", 0700},
    {"var", 0755}, {"var/log", 0755}, {"var/tmp", 01777}, {"home", 0755},
};

// busybox init reads this: no getty or respawn lines (there is no terminal to serve yet), so init brings up
// nothing and idles until berth signals it; on shutdown it only flushes.
const char kInittab[] =
    "# berth busybox image: init starts nothing and waits; run programs with `berthctl exec` or `shell`.\n"
    "::shutdown:/bin/sync\n";

const char kPasswd[] =
    "root:x:0:0:root:/root:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";

const char kGroup[] =
    "root:x:0:\n"
    "tty:x:5:\n"
    "nogroup:x:65534:\n";

const char kProfile[] =
    "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
    "export PS1='\\u@\\h:\\w\\$ '\n";

// Run argv (no shell) and return its standard output; fails unless it exits with status 0.
Result<std::string> run_capture(const std::vector<std::string>& argv)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return fail_errno("create pipe");
    UniqueFd read_end(fds[0]), write_end(fds[1]);

    // posix_spawn (not fork) because the daemon may have threads; the child's stdout is the pipe.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    char* env[] = {const_cast<char*>("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), nullptr};
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), env);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0)
        return fail_errno(rc, "run " + argv[0]);
    write_end.reset();

    std::string out = read_to_end(read_end.get());
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return fail_errno("wait for " + argv[0]);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return fail(ErrorKind::Failed, "'" + argv[0] + " " + (argv.size() > 1 ? argv[1] : "") + "' failed");
    return out;
}

// A dynamically linked busybox would not run inside the image (there is no libc there). 64-bit ELF only;
// anything else is let through and fails later with its own error.
Result<> check_static(int fd, const std::string& path)
{
    Elf64_Ehdr eh;
    if (pread(fd, &eh, sizeof eh, 0) != static_cast<ssize_t>(sizeof eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
        return fail(ErrorKind::Failed, path + " is not an ELF executable: " + kInstallHint);
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr))
        return {};
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph;
        if (pread(fd, &ph, sizeof ph, static_cast<off_t>(eh.e_phoff + i * sizeof ph)) != static_cast<ssize_t>(sizeof ph))
            break;
        if (ph.p_type == PT_INTERP)
            return fail(ErrorKind::Failed, path + " is dynamically linked and cannot run in the image: " + kInstallHint);
    }
    return {};
}

Result<> write_new_file(int rootfd, const char* path, std::string_view content, mode_t mode)
{
    UniqueFd fd(openat(rootfd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (!fd)
        return fail_errno(std::string("create ") + path);
    size_t done = 0;
    while (done < content.size()) {
        ssize_t n = write(fd.get(), content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail_errno(std::string("write ") + path);
        done += static_cast<size_t>(n);
    }
    if (fchmod(fd.get(), mode) < 0)
        return fail_errno(std::string("set mode of ") + path);
    return {};
}

Result<> copy_binary(int src, int rootfd, const char* path)
{
    struct stat st;
    if (fstat(src, &st) < 0)
        return fail_errno("stat busybox");
    UniqueFd out(openat(rootfd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755));
    if (!out)
        return fail_errno(std::string("create ") + path);
    off_t done = 0;
    while (done < st.st_size) {
        ssize_t n = copy_file_range(src, &done, out.get(), nullptr, static_cast<size_t>(st.st_size - done), 0);
        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
            char buf[65536];
            n = pread(src, buf, sizeof buf, done);
            if (n > 0 && write(out.get(), buf, static_cast<size_t>(n)) != n)
                return fail_errno(std::string("write ") + path);
            if (n > 0)
                done += n;
        }
        if (n < 0)
            return fail_errno(std::string("copy busybox to ") + path);
        if (n == 0)
            break;
    }
    if (fchmod(out.get(), 0755) < 0)
        return fail_errno(std::string("set mode of ") + path);
    return {};
}

// mkdir -p below rootfd for an applet's parent directory that the skeleton does not have.
Result<> make_parents(int rootfd, const std::string& path)
{
    for (size_t pos = path.find('/'); pos != std::string::npos; pos = path.find('/', pos + 1)) {
        std::string dir = path.substr(0, pos);
        if (mkdirat(rootfd, dir.c_str(), 0755) < 0 && errno != EEXIST)
            return fail_errno("create directory " + dir);
    }
    return {};
}

std::string os_release(const std::string& version)
{
    std::string text = "ID=busybox\nNAME=\"BusyBox\"\nPRETTY_NAME=\"berth busybox image\"\n";
    if (!version.empty())
        text += "VERSION_ID=" + version + "\n";
    text += "HOME_URL=\"https://busybox.net/\"\n";
    return text;
}

}  // namespace

std::string applet_link_target(std::string_view applet_path)
{
    if (applet_path.empty() || applet_path.front() == '/' || applet_path.back() == '/')
        return {};
    std::string target;
    size_t start = 0;
    for (;;) {
        size_t slash = applet_path.find('/', start);
        std::string_view part = applet_path.substr(start, slash == std::string_view::npos ? slash : slash - start);
        if (part.empty() || part == "." || part == "..")
            return {};
        if (slash == std::string_view::npos)
            break;
        target += "../";
        start = slash + 1;
    }
    return target + "bin/busybox";
}

std::string busybox_version_from_banner(std::string_view banner)
{
    auto pos = banner.find("BusyBox v");
    if (pos == std::string_view::npos)
        return {};
    pos += 9;
    size_t end = pos;
    while (end < banner.size() && (std::isalnum(static_cast<unsigned char>(banner[end])) || banner[end] == '.'))
        ++end;
    return std::string(banner.substr(pos, end - pos));
}

Result<> build_busybox_tree(const std::string& busybox_path, const std::string& root)
{
    UniqueFd src(open(busybox_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!src) {
        if (errno == ENOENT)
            return fail_errno(ENOENT, "static busybox " + busybox_path + " not found: " + kInstallHint);
        return fail_errno("open " + busybox_path);
    }
    BERTH_TRY(check_static(src.get(), busybox_path));

    UniqueFd rootfd(open(root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!rootfd)
        return fail_errno("open " + root);
    for (const auto& dir : kSkeleton) {
        if (mkdirat(rootfd.get(), dir.path, dir.mode) < 0 && errno != EEXIST)
            return fail_errno(std::string("create directory ") + dir.path);
        if (fchmodat(rootfd.get(), dir.path, dir.mode, 0) < 0)
            return fail_errno(std::string("set mode of ") + dir.path);
    }
    BERTH_TRY(copy_binary(src.get(), rootfd.get(), "bin/busybox"));

    // The applet list comes from the binary itself, so the links match exactly what this busybox provides.
    auto list = BERTH_TRY(run_capture({busybox_path, "--list-full"}));
    size_t links = 0;
    std::set<std::string> made;  // parent directories already made
    for (size_t start = 0; start < list.size();) {
        size_t end = list.find('\n', start);
        if (end == std::string::npos)
            end = list.size();
        std::string applet = list.substr(start, end - start);
        start = end + 1;
        std::string target = applet_link_target(applet);
        if (target.empty() || applet == "bin/busybox")
            continue;
        if (auto slash = applet.rfind('/'); slash != std::string::npos && made.insert(applet.substr(0, slash)).second)
            BERTH_TRY(make_parents(rootfd.get(), applet));
        if (symlinkat(target.c_str(), rootfd.get(), applet.c_str()) < 0) {
            if (errno == EEXIST)
                continue;  // listed twice
            return fail_errno("create link " + applet);
        }
        ++links;
    }
    if (links == 0)
        return fail(ErrorKind::Failed, busybox_path + " --list-full listed no applets: " + kInstallHint);

    std::string version;
    if (auto banner = run_capture({busybox_path, "--help"}))
        version = busybox_version_from_banner(*banner);

    BERTH_TRY(write_new_file(rootfd.get(), "etc/os-release", os_release(version), 0644));
    BERTH_TRY(write_new_file(rootfd.get(), "etc/passwd", kPasswd, 0644));
    BERTH_TRY(write_new_file(rootfd.get(), "etc/group", kGroup, 0644));
    BERTH_TRY(write_new_file(rootfd.get(), "etc/inittab", kInittab, 0644));
    BERTH_TRY(write_new_file(rootfd.get(), "etc/hostname", "busybox\n", 0644));
    BERTH_TRY(write_new_file(rootfd.get(), "etc/resolv.conf", "", 0644));
    BERTH_TRY(write_new_file(rootfd.get(), "etc/profile", kProfile, 0644));
    // mount, df and friends read /etc/mtab.
    if (symlinkat("../proc/self/mounts", rootfd.get(), "etc/mtab") < 0)
        return fail_errno("create link etc/mtab");
    if (fchmod(rootfd.get(), 0755) < 0)
        return fail_errno("set mode of " + root);
    // One flush for the whole tree before the caller renames it into place (cheaper than an fsync per file).
    syncfs(rootfd.get());
    return {};
}

}  // namespace berth
