#include "spawn/rootfs.h"

#include <optional>

#include <linux/openat2.h>

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>

#include "base/fs.h"


namespace berth::spawn {

namespace {

// Where the new root is assembled: a private tmpfs over /tmp in the child's own mount namespace, so no host
// directory is needed (and none is changed).
constexpr const char* kStaging = "/tmp";
constexpr const char* kRoot = "/tmp/root";
constexpr const char* kLower = "/tmp/lower";
constexpr const char* kUpper = "/tmp/upper";
constexpr const char* kWork = "/tmp/work";

std::string at_root(const std::string& rel)
{
    return std::string(kRoot) + rel;
}

Result<> do_mount(const std::string& source, const std::string& target, const char* fstype, unsigned long flags,
                  const std::string& data = {})
{
    if (mount(source.c_str(), target.c_str(), fstype, flags, data.empty() ? nullptr : data.c_str()) < 0)
        return fail_errno("mount " + (fstype ? std::string(fstype) : source) + " on " + target);
    return {};
}

// A mount point the image provides must be a real directory: a symlink there could aim our mounts elsewhere.
Result<> ensure_dir(const std::string& path, mode_t mode = 0755)
{
    struct stat st;
    if (lstat(path.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return fail(ErrorKind::InvalidArgument, path.substr(sizeof "/tmp/root" - 1) +
                                                         " in the image is not a directory (a symlink?)", ENOTDIR);
        return {};
    }
    if (mkdir(path.c_str(), mode) < 0 && errno != EEXIST)
        return fail_errno("create " + path.substr(sizeof "/tmp/root" - 1) + " in the container");
    return {};
}

Result<> ensure_file(const std::string& path)
{
    UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600));
    if (!fd)
        return fail_errno("create " + path);
    return {};
}

// Make a bind mount read-only, keeping the flags the kernel locked on it (a user namespace may not clear them).
Result<> remount_read_only(const std::string& path)
{
    struct statvfs sv;
    if (statvfs(path.c_str(), &sv) < 0)
        return fail_errno("statvfs " + path);
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
    if (sv.f_flag & ST_NOSUID)
        flags |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV)
        flags |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC)
        flags |= MS_NOEXEC;
    return do_mount("", path, nullptr, flags);
}

Result<> bind_read_only(const std::string& path)
{
    BERTH_TRY(do_mount(path, path, nullptr, MS_BIND));
    return remount_read_only(path);
}

void warn(const Error& error)
{
    std::fprintf(stderr, "berth-spawn: warning: %s\n", error.describe().c_str());
}

Result<> mount_proc()
{
    const std::string proc = at_root("/proc");
    BERTH_TRY(ensure_dir(proc));
    BERTH_TRY(do_mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC));
    // Like nspawn: kernel-wide knobs read-only; the network ones are our own namespace's, so they stay writable.
    for (const char* entry : {"/sys", "/sysrq-trigger", "/irq", "/bus", "/fs", "/scsi", "/acpi", "/asound", "/apm"}) {
        if (!path_exists(proc + entry))
            continue;
        if (auto r = bind_read_only(proc + entry); !r)
            warn(r.error());
    }
    // Kernel memory, keys and timers of the host are nobody's business inside: masked as nspawn does.
    for (const char* entry : {"/kcore", "/keys", "/timer_list", "/kallsyms", "/sched_debug"}) {
        if (!path_exists(proc + entry))
            continue;
        if (auto r = do_mount("/dev/null", proc + entry, nullptr, MS_BIND); !r)
            warn(r.error());
    }
    if (path_exists(proc + "/sys/net")) {
        std::string net = proc + "/sys/net";
        if (auto r = do_mount(net, net, nullptr, MS_BIND); !r)
            warn(r.error());
        else if (auto r2 = do_mount("", net, nullptr, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC); !r2)
            warn(r2.error());
    }
    return {};
}

// cgroup: unified hosts get cgroup2 at /sys/fs/cgroup; hybrid ones a tmpfs with cgroup2 at unified/ (and
// name=systemd when the kernel lets a user namespace mount it). Rooted at the payload cgroup by the cgroup
// namespace. Never fatal: a command does not need it, and a guest init reports what it misses.
void mount_cgroup(const RootPlan& plan)
{
    const std::string dir = at_root("/sys/fs/cgroup");
    const unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    if (plan.unified_cgroup_host) {
        if (auto r = do_mount("cgroup2", dir, "cgroup2", flags); !r)
            warn(r.error());
        return;
    }
    if (auto r = do_mount("tmpfs", dir, "tmpfs", flags, "mode=755"); !r) {
        warn(r.error());
        return;
    }
    for (auto [sub, type, data] : {std::tuple{"/unified", "cgroup2", ""},
                                   std::tuple{"/systemd", "cgroup", "none,name=systemd,xattr"}}) {
        std::string at = dir + sub;
        if (mkdir(at.c_str(), 0755) < 0 && errno != EEXIST)
            continue;
        if (auto r = do_mount("cgroup", at, type, flags, data); !r) {
            if (std::string(type) == "cgroup2")
                warn(r.error());
            rmdir(at.c_str());
        }
    }
    (void)remount_read_only(dir);
}

Result<> mount_sys(const RootPlan& plan)
{
    const std::string sys = at_root("/sys");
    BERTH_TRY(ensure_dir(sys));
    // sysfs may be mounted by a user namespace that owns the network namespace, which ours does. No fallback to
    // a bind of the host's /sys: its submounts (the host's cgroups among them) would stay writable.
    BERTH_TRY(do_mount("sysfs", sys, "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC));
    mount_cgroup(plan);
    return {};
}

Result<> bind_node(const std::string& host, const std::string& inside)
{
    BERTH_TRY(ensure_file(inside));
    return do_mount(host, inside, nullptr, MS_BIND);
}

Result<> mount_dev(const RootPlan& plan)
{
    const std::string dev = at_root("/dev");
    BERTH_TRY(ensure_dir(dev));
    BERTH_TRY(do_mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=4m,nr_inodes=64k"));
    // Device nodes cannot be created in a user namespace: bind the host's harmless ones.
    for (const char* node : {"null", "zero", "full", "random", "urandom", "tty"})
        BERTH_TRY(bind_node(std::string("/dev/") + node, dev + "/" + node));
    if (path_exists("/dev/net/tun")) {
        BERTH_TRY(ensure_dir(dev + "/net"));
        if (auto r = bind_node("/dev/net/tun", dev + "/net/tun"); !r)
            warn(r.error());
    }

    BERTH_TRY(ensure_dir(dev + "/pts"));
    std::string pts_options = "newinstance,ptmxmode=0666,mode=620";
    if (plan.has_tty_gid)
        pts_options += ",gid=" + std::to_string(plan.tty_gid);
    BERTH_TRY(do_mount("devpts", dev + "/pts", "devpts", MS_NOSUID | MS_NOEXEC, pts_options));
    if (symlink("pts/ptmx", (dev + "/ptmx").c_str()) < 0)
        return fail_errno("create /dev/ptmx");

    BERTH_TRY(ensure_dir(dev + "/shm"));
    BERTH_TRY(do_mount("tmpfs", dev + "/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=1777"));
    BERTH_TRY(ensure_dir(dev + "/mqueue"));
    if (auto r = do_mount("mqueue", dev + "/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC); !r)
        warn(r.error());

    for (auto [name, target] : {std::pair{"fd", "/proc/self/fd"}, std::pair{"stdin", "/proc/self/fd/0"},
                                std::pair{"stdout", "/proc/self/fd/1"}, std::pair{"stderr", "/proc/self/fd/2"}})
        if (symlink(target, (dev + "/" + name).c_str()) < 0)
            return fail_errno(std::string("create /dev/") + name);

    BERTH_TRY(bind_node(plan.console_path, dev + "/console"));
    return {};
}

Result<> pivot_into_root()
{
    if (chdir(kRoot) < 0)
        return fail_errno("enter the new root");
    // pivot_root(".", "."): the old root ends up stacked on the new one, and is detached right away.
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return fail_errno("pivot_root");
    if (umount2(".", MNT_DETACH) < 0)
        return fail_errno("detach the host root");
    if (chdir("/") < 0)
        return fail_errno("chdir /");
    return {};
}

}  // namespace

namespace {

// The container's root belongs to the container: a symlink there must resolve inside it (never onto the host),
// and a FIFO, device or huge file must not stall or flood the supervisor, which reads as host root.
std::optional<std::string> read_small_file_in_root(const std::string& rootfs, const char* relative)
{
    UniqueFd root(open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        return std::nullopt;
    struct open_how how = {};
    how.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    UniqueFd fd(static_cast<int>(syscall(SYS_openat2, root.get(), relative, &how, sizeof how)));
    struct stat st;
    if (!fd || fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode))
        return std::nullopt;
    std::string text(64 * 1024, '\0');
    ssize_t n = read(fd.get(), text.data(), text.size());
    if (n < 0)
        return std::nullopt;
    text.resize(static_cast<size_t>(n));
    return text;
}

}  // namespace

bool find_tty_gid(const std::string& rootfs, gid_t* gid)
{
    auto text = read_small_file_in_root(rootfs, "etc/group");
    if (!text)
        return false;
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.compare(0, 4, "tty:") != 0)
            continue;
        auto second = line.find(':', 4);
        if (second == std::string::npos)
            return false;
        try {
            *gid = static_cast<gid_t>(std::stoul(line.substr(second + 1)));
            return true;
        } catch (...) {
            return false;
        }
    }
    return false;
}

bool host_is_unified_cgroup()
{
    struct statfs fs;
    return statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

// An ephemeral root: the shared image (idmapped, never written) under an overlay whose upper layer is on the
// staging tmpfs, so nothing is copied at create and everything written is gone with the mount namespace.
static Result<> mount_volatile_overlay(int image_fd)
{
    for (const char* dir : {kLower, kUpper, kWork})
        if (mkdir(dir, 0755) < 0)
            return fail_errno(std::string("create ") + dir);
    if (move_mount(image_fd, "", AT_FDCWD, kLower, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return fail_errno("attach the image");
    const std::string options =
        std::string("lowerdir=") + kLower + ",upperdir=" + kUpper + ",workdir=" + kWork;
    // In a user namespace overlayfs keeps its metadata in user.* xattrs.
    if (mount("overlay", kRoot, "overlay", 0, (options + ",userxattr").c_str()) < 0 &&
        mount("overlay", kRoot, "overlay", 0, options.c_str()) < 0)
        return fail_errno("mount the volatile overlay root");
    return {};
}

Result<> setup_container_root(const RootPlan& plan, int rootfs_fd)
{
    // Nothing we mount may propagate back to the host.
    BERTH_TRY(do_mount("", "/", nullptr, MS_REC | MS_PRIVATE));
    BERTH_TRY(do_mount("tmpfs", kStaging, "tmpfs", MS_NOSUID | MS_NODEV, "mode=700"));
    if (mkdir(kRoot, 0755) < 0)
        return fail_errno(std::string("create ") + kRoot);
    if (plan.overlay)
        BERTH_TRY(mount_volatile_overlay(rootfs_fd));
    else if (move_mount(rootfs_fd, "", AT_FDCWD, kRoot, MOVE_MOUNT_F_EMPTY_PATH) < 0)
        return fail_errno("attach the container's root file system");

    BERTH_TRY(mount_proc().map_error([](Error e) { return std::move(e).context("set up /proc"); }));
    BERTH_TRY(mount_sys(plan).map_error([](Error e) { return std::move(e).context("set up /sys"); }));
    BERTH_TRY(mount_dev(plan).map_error([](Error e) { return std::move(e).context("set up /dev"); }));
    BERTH_TRY(ensure_dir(at_root("/run")));
    BERTH_TRY(do_mount("tmpfs", at_root("/run"), "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=755"));
    return pivot_into_root();
}

}  // namespace berth::spawn
