#include "spawn/mounts.h"

#include <linux/openat2.h>

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>

#include "spawn/child_util.h"

namespace berth::spawn {

namespace {

constexpr uint64_t kResolveInside = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

int openat2_fd(int dirfd, const std::string& path, int flags, uint64_t resolve)
{
    struct open_how how = {};
    how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
    how.resolve = resolve;
    return static_cast<int>(syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how));
}

std::vector<std::string> components(const std::string& path)
{
    std::vector<std::string> parts;
    std::istringstream in(path);
    std::string part;
    while (std::getline(in, part, '/'))
        if (!part.empty() && part != ".")
            parts.push_back(part);
    return parts;
}

Result<> parse_options(const std::string& text, MountEntry& entry)
{
    std::istringstream in(text);
    std::string option;
    while (std::getline(in, option, ',')) {
        if (option == "ro")
            entry.read_only = true;
        else if (option == "rw" || option.empty())
            entry.read_only = false;
        else if (option == "idmap")
            entry.idmap = true;
        else if (option == "mkdir")
            entry.mkdir = true;
        else
            return fail(ErrorKind::InvalidArgument, "unknown mount option '" + option + "'", EINVAL);
    }
    return {};
}

// Open (creating when asked) the mount point inside the root, every step resolved in root_fd.
Result<UniqueFd> open_mount_point(int root_fd, const MountEntry& entry, bool directory)
{
    const auto parts = components(entry.target);
    if (parts.empty())
        return fail(ErrorKind::InvalidArgument, "cannot mount over the container's root directory", EINVAL);
    std::string prefix;
    for (size_t i = 0; i < parts.size(); ++i) {
        const bool last = i + 1 == parts.size();
        const std::string path = prefix.empty() ? parts[i] : prefix + "/" + parts[i];
        UniqueFd fd(openat2_fd(root_fd, path, O_PATH, kResolveInside));
        if (!fd && errno == ENOENT && entry.mkdir) {
            UniqueFd parent(prefix.empty() ? fcntl(root_fd, F_DUPFD_CLOEXEC, 3)
                                           : openat2_fd(root_fd, prefix, O_PATH | O_DIRECTORY, kResolveInside));
            if (!parent)
                return fail_errno("open " + prefix + " in the container");
            if (last && !directory) {
                UniqueFd created(openat(parent.get(), parts[i].c_str(),
                                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644));
                if (!created && errno != EEXIST)
                    return fail_errno("create " + entry.target + " in the container");
            } else if (mkdirat(parent.get(), parts[i].c_str(), 0755) < 0 && errno != EEXIST) {
                return fail_errno("create /" + path + " in the container");
            }
            fd.reset(openat2_fd(root_fd, path, O_PATH, kResolveInside));
        }
        if (!fd) {
            if (errno == ENOENT)
                return fail(ErrorKind::InvalidArgument, "/" + path + " does not exist in the container (use --mkdir)",
                            ENOENT);
            return fail_errno("resolve /" + path + " in the container");
        }
        if (last) {
            struct stat st;
            if (fstat(fd.get(), &st) < 0)
                return fail_errno("stat " + entry.target + " in the container");
            if (S_ISDIR(st.st_mode) != directory)
                return fail(ErrorKind::InvalidArgument,
                            entry.target + " in the container is " + (directory ? "not a directory" : "a directory") +
                                " but the source " + entry.source + (directory ? " is one" : " is not"),
                            directory ? ENOTDIR : EISDIR);
            return fd;
        }
        prefix = path;
    }
    return fail(ErrorKind::InvalidArgument, "empty mount target", EINVAL);
}

// Join the payload's user and mount namespaces through its pidfd (setns of a pidfd sets the root to the
// container's root, past the stacked pivot_root mounts).
Result<> join_payload(int pidfd, bool user)
{
    if (setns(pidfd, CLONE_NEWNS | (user ? CLONE_NEWUSER : 0)) < 0)
        return fail_errno("enter the container's mount namespace");
    if (user)
        BERTH_TRY(become_namespace_root());
    return {};
}

// Run `work` in a forked helper; its failure comes back over a socket ("ERR reason code message").
template <typename Work>
Result<> run_helper(Work&& work)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return fail_errno("create the mount helper's socket");
    UniqueFd ours(sv[0]), theirs(sv[1]);
    pid_t pid = fork();
    if (pid < 0)
        return fail_errno("fork the mount helper");
    if (pid == 0) {
        reset_signals();
        ours.reset();
        if (auto r = work(); !r)
            child_fail(theirs.get(), "mount", r.error());
        _exit(0);
    }
    theirs.reset();
    auto report = receive_message(ours.get());
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (report && report->fields.size() >= 4 && report->verb() == "ERR") {
        const int code = std::atoi(report->fields[2].c_str());
        const bool bad_target = code == ENOENT || code == EINVAL || code == ELOOP || code == ENOTDIR || code == EISDIR;
        ErrorKind kind = bad_target ? ErrorKind::InvalidArgument : ErrorKind::Failed;
        return fail(kind, report->fields[3], code);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return fail(ErrorKind::Failed, "the mount helper ended abnormally", EIO);
    return {};
}

}  // namespace

Result<> validate_mount(const MountEntry& entry)
{
    for (const auto* path : {&entry.source, &entry.target}) {
        if (path->empty() || (*path)[0] != '/')
            return fail(ErrorKind::InvalidArgument, "mount path '" + *path + "' is not absolute", EINVAL);
        if (path->find('\0') != std::string::npos)
            return fail(ErrorKind::InvalidArgument, "mount path contains a NUL byte", EINVAL);
        for (const auto& part : components(*path))
            if (part == "..")
                return fail(ErrorKind::InvalidArgument, "mount path '" + *path + "' contains '..'", EINVAL);
    }
    if (components(entry.target).empty())
        return fail(ErrorKind::InvalidArgument, "cannot mount over the container's root directory", EINVAL);
    return {};
}

Result<std::vector<MountEntry>> parse_mount_fields(const Message& message)
{
    const auto options = message.get_all("mount");
    const auto targets = message.get_all("mount_target");
    const auto sources = message.get_all("mount_source");
    if (options.size() != targets.size() || options.size() != sources.size())
        return fail(ErrorKind::InvalidArgument, "mount=, mount_target= and mount_source= must come in threes",
                    EINVAL);
    std::vector<MountEntry> entries;
    for (size_t i = 0; i < options.size(); ++i) {
        MountEntry entry;
        entry.source = sources[i];
        entry.target = targets[i];
        BERTH_TRY(parse_options(options[i], entry));
        BERTH_TRY(validate_mount(entry));
        entries.push_back(std::move(entry));
    }
    return entries;
}

Result<UniqueFd> prepare_mount_tree(const MountEntry& entry, int userns_fd)
{
    UniqueFd tree(open_tree(AT_FDCWD, entry.source.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
    if (!tree)
        return fail_errno("open " + entry.source + " to mount it");
    struct mount_attr attr = {};
    if (entry.read_only)
        attr.attr_set |= MOUNT_ATTR_RDONLY;
    // A host directory must never give the container device nodes or setuid programs of the host.
    attr.attr_set |= MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID;
    if (mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
        return fail_errno("set the options of the mount of " + entry.source);
    if (entry.idmap) {
        struct mount_attr idmap = {};
        idmap.attr_set = MOUNT_ATTR_IDMAP;
        idmap.userns_fd = static_cast<uint64_t>(userns_fd);
        if (mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &idmap, sizeof idmap) < 0)
            return fail(ErrorKind::NotSupported,
                        "create an idmapped mount of " + entry.source +
                            " (its file system may not support idmapped mounts)", errno);
    }
    return tree;
}

Result<> attach_mount_tree(int root_fd, const MountEntry& entry, int tree)
{
    struct stat st;
    if (fstat(tree, &st) < 0)
        return fail_errno("stat the mount of " + entry.source);
    UniqueFd target = BERTH_TRY(open_mount_point(root_fd, entry, S_ISDIR(st.st_mode)));
    if (move_mount(tree, "", target.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return fail_errno("mount " + entry.source + " on " + entry.target);
    return {};
}

Result<> receive_and_attach_mounts(int sock, const std::vector<MountEntry>& entries)
{
    if (entries.empty())
        return {};
    UniqueFd root(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        return fail_errno("open the container's root");
    for (const auto& entry : entries) {
        auto message = receive_message(sock);
        if (!message)
            return fail(message.error().context("receive the mount of " + entry.source));
        if (message->verb() != "MNT" || message->fds.size() != 1)
            return fail(ErrorKind::Failed, "expected a mount tree for " + entry.target, EPROTO);
        BERTH_TRY(attach_mount_tree(root.get(), entry, message->fds[0].get())
                      .map_error([&](Error e) { return std::move(e).context("mount " + entry.target); }));
    }
    return {};
}

Result<> mount_into_running(const MountEntry& entry, pid_t leader, int leader_pidfd)
{
    BERTH_TRY(validate_mount(entry));
    UniqueFd userns(open(("/proc/" + std::to_string(leader) + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
    if (!userns)
        return fail_errno("open the container's user namespace");
    UniqueFd tree = BERTH_TRY(prepare_mount_tree(entry, userns.get()));
    const int tree_fd = tree.get();
    return run_helper([&]() -> Result<> {
        // As the container's root: directories made by --mkdir belong to it.
        BERTH_TRY(join_payload(leader_pidfd, true));
        UniqueFd root(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!root)
            return fail_errno("open the container's root");
        return attach_mount_tree(root.get(), entry, tree_fd);
    });
}

Result<> unmount_from_running(const std::string& target, int leader_pidfd)
{
    MountEntry entry{"/", target};
    BERTH_TRY(validate_mount(entry));
    return run_helper([&]() -> Result<> {
        BERTH_TRY(join_payload(leader_pidfd, false));
        // No symlink anywhere on the path: then it cannot lead out of the container's root.
        UniqueFd fd(openat2_fd(AT_FDCWD, target, O_PATH, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS));
        if (!fd) {
            if (errno == ELOOP)
                return fail(ErrorKind::InvalidArgument, target + " passes through a symlink in the container", ELOOP);
            return fail_errno("resolve " + target + " in the container");
        }
        if (umount2(target.c_str(), UMOUNT_NOFOLLOW | MNT_DETACH) < 0) {
            if (errno == EINVAL)
                return fail(ErrorKind::InvalidArgument, "nothing is mounted on " + target + " in the container", EINVAL);
            return fail_errno("unmount " + target + " in the container");
        }
        return {};
    });
}

}  // namespace berth::spawn
