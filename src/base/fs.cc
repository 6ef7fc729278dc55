#include "base/fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sendfile.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <random>

namespace berth {

namespace {

std::string dirname_of(const std::string& path)
{
    auto slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    if (slash == 0)
        return "/";
    return path.substr(0, slash);
}

}  // namespace

Result<std::vector<std::string>> list_dir_at(int dirfd, const std::string& shown)
{
    int copy = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0)
        return fail_errno("dup " + shown);
    DIR* dir = fdopendir(copy);
    if (!dir) {
        int saved = errno;
        close(copy);
        return fail_errno(saved, "read directory " + shown);
    }
    rewinddir(dir);
    std::vector<std::string> names;
    while (auto* entry = readdir(dir)) {
        if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0)
            continue;
        names.emplace_back(entry->d_name);
    }
    closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
}

namespace {

Result<> remove_children(int dirfd, dev_t dev, const std::string& shown)
{
    auto names = BERTH_TRY(list_dir_at(dirfd, shown));
    for (const auto& name : names) {
        struct stat st;
        if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT)
                continue;
            return fail_errno("stat " + shown + "/" + name);
        }
        if (S_ISDIR(st.st_mode)) {
            if (st.st_dev != dev)
                return fail(ErrorKind::Busy, shown + "/" + name + " is a mount point; not removing across it");
            UniqueFd child(openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!child)
                return fail_errno("open " + shown + "/" + name);
            BERTH_TRY(remove_children(child.get(), dev, shown + "/" + name));
            if (unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT)
                return fail_errno("remove " + shown + "/" + name);
        } else if (unlinkat(dirfd, name.c_str(), 0) < 0 && errno != ENOENT) {
            return fail_errno("remove " + shown + "/" + name);
        }
    }
    return {};
}

Result<> copy_xattrs(int from_dirfd, const char* name, int to_dirfd, const std::string& shown)
{
    // l*xattr through /proc/self/fd paths keeps symlinks unfollowed and works for every file type.
    std::string from = "/proc/self/fd/" + std::to_string(from_dirfd) + "/" + name;
    std::string to = "/proc/self/fd/" + std::to_string(to_dirfd) + "/" + name;
    ssize_t len = llistxattr(from.c_str(), nullptr, 0);
    if (len <= 0)
        return {};
    std::string list(static_cast<size_t>(len), '\0');
    len = llistxattr(from.c_str(), list.data(), list.size());
    if (len < 0)
        return {};
    for (size_t pos = 0; pos < static_cast<size_t>(len);) {
        const char* key = list.c_str() + pos;
        pos += std::strlen(key) + 1;
        ssize_t vlen = lgetxattr(from.c_str(), key, nullptr, 0);
        if (vlen < 0)
            continue;
        std::string value(static_cast<size_t>(vlen), '\0');
        vlen = lgetxattr(from.c_str(), key, value.data(), value.size());
        if (vlen < 0)
            continue;
        if (lsetxattr(to.c_str(), key, value.data(), static_cast<size_t>(vlen), 0) < 0 && errno != ENOTSUP &&
            errno != EPERM)
            return fail_errno("copy extended attribute " + std::string(key) + " of " + shown);
    }
    return {};
}

Result<> copy_file_data(int from, int to, off_t size, const std::string& shown)
{
    off_t done = 0;
    while (done < size) {
        ssize_t n = copy_file_range(from, nullptr, to, nullptr, static_cast<size_t>(size - done), 0);
        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL))
            n = sendfile(to, from, nullptr, static_cast<size_t>(size - done));
        if (n < 0)
            return fail_errno("copy " + shown);
        if (n == 0)
            break;
        done += n;
    }
    return {};
}

Result<> copy_children(int from_dir, int to_dir, dev_t dev, const std::string& shown)
{
    auto names = BERTH_TRY(list_dir_at(from_dir, shown));
    for (const auto& name : names) {
        const std::string path = shown + "/" + name;
        struct stat st;
        if (fstatat(from_dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
            return fail_errno("stat " + path);
        if (S_ISDIR(st.st_mode)) {
            if (st.st_dev != dev)
                continue;  // never copy what another mount shows
            if (mkdirat(to_dir, name.c_str(), 0700) < 0 && errno != EEXIST)
                return fail_errno("create directory " + path);
            UniqueFd from_child(openat(from_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            UniqueFd to_child(openat(to_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!from_child || !to_child)
                return fail_errno("open directory " + path);
            BERTH_TRY(copy_children(from_child.get(), to_child.get(), dev, path));
        } else if (S_ISREG(st.st_mode)) {
            UniqueFd in(openat(from_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
            if (!in)
                return fail_errno("open " + path);
            UniqueFd out(openat(to_dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
            if (!out)
                return fail_errno("create " + path);
            BERTH_TRY(copy_file_data(in.get(), out.get(), st.st_size, path));
        } else if (S_ISLNK(st.st_mode)) {
            std::string target(static_cast<size_t>(st.st_size > 0 ? st.st_size : 4096) + 1, '\0');
            ssize_t n = readlinkat(from_dir, name.c_str(), target.data(), target.size());
            if (n < 0)
                return fail_errno("read link " + path);
            target.resize(static_cast<size_t>(n));
            if (symlinkat(target.c_str(), to_dir, name.c_str()) < 0)
                return fail_errno("create link " + path);
        } else {
            if (mknodat(to_dir, name.c_str(), st.st_mode, st.st_rdev) < 0)
                return fail_errno("create node " + path);
        }
        if (fchownat(to_dir, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
            return fail_errno("set owner of " + path);
        if (!S_ISLNK(st.st_mode) && fchmodat(to_dir, name.c_str(), st.st_mode & 07777, 0) < 0)
            return fail_errno("set mode of " + path);
        BERTH_TRY(copy_xattrs(from_dir, name.c_str(), to_dir, path));
        const struct timespec times[2] = {st.st_atim, st.st_mtim};
        utimensat(to_dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
    }
    return {};
}

Result<uint64_t> usage_at(int dirfd, dev_t dev, const std::string& shown)
{
    uint64_t total = 0;
    auto names = BERTH_TRY(list_dir_at(dirfd, shown));
    for (const auto& name : names) {
        struct stat st;
        if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        total += static_cast<uint64_t>(st.st_blocks) * 512;
        if (S_ISDIR(st.st_mode) && st.st_dev == dev) {
            UniqueFd child(openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (child)
                total += BERTH_TRY(usage_at(child.get(), dev, shown + "/" + name));
        }
    }
    return total;
}

}  // namespace

Result<std::string> read_file(const std::string& path)
{
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return fail_errno("open " + path);
    std::string content;
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail_errno("read " + path);
        }
        if (n == 0)
            break;
        content.append(buf, static_cast<size_t>(n));
    }
    return content;
}

Result<> write_file_atomic(const std::string& path, std::string_view content, mode_t mode, Durability durability)
{
    const bool durable = durability == Durability::Durable;
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    const std::string tmp = path + ".tmp." + std::to_string(rng() % 1000000000);
    UniqueFd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (!fd)
        return fail_errno("create " + tmp);
    size_t done = 0;
    while (done < content.size()) {
        ssize_t n = write(fd.get(), content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int saved = errno;
            unlink(tmp.c_str());
            return fail_errno(saved, "write " + tmp);
        }
        done += static_cast<size_t>(n);
    }
    if (durable && fsync(fd.get()) < 0) {
        int saved = errno;
        unlink(tmp.c_str());
        return fail_errno(saved, "fsync " + tmp);
    }
    fd.reset();
    if (rename(tmp.c_str(), path.c_str()) < 0) {
        int saved = errno;
        unlink(tmp.c_str());
        return fail_errno(saved, "rename " + tmp + " to " + path);
    }
    if (!durable)
        return {};
    UniqueFd dir(open(dirname_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir)
        fsync(dir.get());
    return {};
}

Result<> make_dirs(const std::string& path, mode_t mode)
{
    if (path.empty())
        return fail(ErrorKind::InvalidArgument, "empty directory path");
    std::string partial;
    size_t pos = 0;
    while (pos != std::string::npos) {
        pos = path.find('/', pos + 1);
        partial = path.substr(0, pos);
        if (partial.empty())
            continue;
        if (mkdir(partial.c_str(), mode) < 0 && errno != EEXIST)
            return fail_errno("create directory " + partial);
    }
    struct stat st;
    if (stat(path.c_str(), &st) < 0)
        return fail_errno("stat " + path);
    if (!S_ISDIR(st.st_mode))
        return fail_errno(ENOTDIR, path);
    return {};
}

Result<> remove_tree(const std::string& path)
{
    struct stat st;
    if (lstat(path.c_str(), &st) < 0) {
        if (errno == ENOENT)
            return {};
        return fail_errno("stat " + path);
    }
    if (S_ISDIR(st.st_mode)) {
        UniqueFd fd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd)
            return fail_errno("open " + path);
        BERTH_TRY(remove_children(fd.get(), st.st_dev, path));
        if (rmdir(path.c_str()) < 0 && errno != ENOENT)
            return fail_errno("remove " + path);
        return {};
    }
    if (unlink(path.c_str()) < 0 && errno != ENOENT)
        return fail_errno("remove " + path);
    return {};
}

bool path_exists(const std::string& path)
{
    struct stat st;
    return lstat(path.c_str(), &st) == 0;
}

Result<UniqueFd> open_dir(const std::string& path)
{
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd)
        return fail_errno("open " + path);
    return fd;
}

Result<std::vector<std::string>> list_dir(const std::string& path)
{
    auto fd = BERTH_TRY(open_dir(path));
    return list_dir_at(fd.get(), path);
}

Result<> copy_tree(const std::string& from, const std::string& to)
{
    struct stat st;
    if (lstat(from.c_str(), &st) < 0)
        return fail_errno("stat " + from);
    if (!S_ISDIR(st.st_mode))
        return fail_errno(ENOTDIR, from);
    if (mkdir(to.c_str(), 0700) < 0)
        return fail_errno("create directory " + to);
    auto from_fd = BERTH_TRY(open_dir(from));
    auto to_fd = BERTH_TRY(open_dir(to));
    BERTH_TRY(copy_children(from_fd.get(), to_fd.get(), st.st_dev, from));
    if (fchown(to_fd.get(), st.st_uid, st.st_gid) < 0 || fchmod(to_fd.get(), st.st_mode & 07777) < 0)
        return fail_errno("set owner and mode of " + to);
    return {};
}

Result<> copy_tree_into(const std::string& from, const std::string& to)
{
    struct stat st;
    if (lstat(from.c_str(), &st) < 0)
        return fail_errno("stat " + from);
    if (!S_ISDIR(st.st_mode))
        return fail_errno(ENOTDIR, from);
    auto from_fd = BERTH_TRY(open_dir(from));
    auto to_fd = BERTH_TRY(open_dir(to));
    BERTH_TRY(copy_children(from_fd.get(), to_fd.get(), st.st_dev, from));
    if (fchown(to_fd.get(), st.st_uid, st.st_gid) < 0 || fchmod(to_fd.get(), st.st_mode & 07777) < 0)
        return fail_errno("set owner and mode of " + to);
    return {};
}

Result<uint64_t> tree_disk_usage(const std::string& path)
{
    struct stat st;
    if (lstat(path.c_str(), &st) < 0)
        return fail_errno("stat " + path);
    auto fd = BERTH_TRY(open_dir(path));
    return usage_at(fd.get(), st.st_dev, path);
}

std::string read_to_end(int fd)
{
    std::string out;
    char buf[8192];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return out;
        out.append(buf, static_cast<size_t>(n));
    }
}

}  // namespace berth
