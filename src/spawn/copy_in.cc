// copy-to: a tar stream from the client becomes files inside the container. The destination's parent is resolved
// inside the root (a symlink there stays inside the container); below it, only the directories this copy walks
// are followed, with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, so an archive cannot plant a symlink and write
// through it. The last component is never followed: an existing symlink there is replaced, not written through.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "base/unique_fd.h"
#include "spawn/copy_tree.h"

namespace berth::copy {

namespace {

struct ArchiveDeleter {
    void operator()(archive* a) const { archive_read_free(a); }
};

tl::unexpected<Error> invalid(std::string message) { return fail(ErrorKind::InvalidArgument, std::move(message)); }

// "a/b/c" split; empty, ".", ".." and absolute names refused.
Result<std::vector<std::string>> components(const std::string& name)
{
    std::vector<std::string> out;
    size_t pos = 0;
    if (name.empty() || name.front() == '/')
        return invalid("archive entry '" + name + "' is not a relative path");
    while (pos <= name.size()) {
        size_t end = name.find('/', pos);
        if (end == std::string::npos)
            end = name.size();
        std::string part = name.substr(pos, end - pos);
        if (part == "..")
            return invalid("archive entry '" + name + "' contains '..'");
        if (!part.empty() && part != ".")
            out.push_back(std::move(part));
        pos = end + 1;
    }
    if (out.empty())
        return invalid("archive entry '" + name + "' has no name");
    return out;
}

Result<UniqueFd> open_beneath(int dirfd, const std::string& rel)
{
    struct open_how how {};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    int fd = static_cast<int>(syscall(SYS_openat2, dirfd, rel.c_str(), &how, sizeof how));
    if (fd < 0)
        return fail_errno("open directory " + rel + " of the copy");
    return UniqueFd(fd);
}

Result<std::pair<uint32_t, uint32_t>> owner(const Target& t, archive_entry* e)
{
    uint64_t uid = 0, gid = 0;
    if (t.keep_ids) {
        uid = static_cast<uint64_t>(archive_entry_uid(e));
        gid = static_cast<uint64_t>(archive_entry_gid(e));
    }
    if (uid >= t.id_count || gid >= t.id_count)
        return invalid(std::string("'") + archive_entry_pathname(e) + "' is owned by " + std::to_string(uid) + ":" +
                       std::to_string(gid) + ", outside the container's " + std::to_string(t.id_count) + " ids");
    return std::pair<uint32_t, uint32_t>(static_cast<uint32_t>(uid + t.id_shift), static_cast<uint32_t>(gid + t.id_shift));
}

Result<> write_data(archive* a, int fd, const std::string& shown)
{
    const void* buf;
    size_t size;
    la_int64_t offset;
    for (;;) {
        int r = archive_read_data_block(a, &buf, &size, &offset);
        if (r == ARCHIVE_EOF)
            return {};
        if (r != ARCHIVE_OK)
            return invalid("read archive data of " + shown + ": " + archive_error_string(a));
        const char* p = static_cast<const char*>(buf);
        while (size > 0) {
            ssize_t n = pwrite(fd, p, size, offset);
            if (n < 0)
                return fail_errno("write " + shown);
            p += n;
            size -= static_cast<size_t>(n);
            offset += n;
        }
    }
}

Result<> make_file(const Target& t, archive* a, archive_entry* e, int parent, const std::string& leaf,
                   const std::string& shown)
{
    const int flags = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    UniqueFd fd(openat(parent, leaf.c_str(), flags, 0600));
    if (!fd && (errno == ELOOP || errno == ENXIO)) {
        // A symlink (or fifo) of that name: replace it, never write through it.
        if (unlinkat(parent, leaf.c_str(), 0) < 0)
            return fail_errno("replace " + shown);
        fd = UniqueFd(openat(parent, leaf.c_str(), flags | O_EXCL, 0600));
    }
    if (!fd)
        return fail_errno("create " + shown);
    struct stat st;
    if (fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode))
        return invalid(shown + " exists and is not a regular file");
    if (ftruncate(fd.get(), archive_entry_size(e)) < 0)
        return fail_errno("size " + shown);
    BERTH_TRY(write_data(a, fd.get(), shown));
    auto [uid, gid] = BERTH_TRY(owner(t, e));
    if (fchown(fd.get(), uid, gid) < 0)
        return fail_errno("chown " + shown);
    if (fchmod(fd.get(), archive_entry_mode(e) & 07777) < 0)
        return fail_errno("chmod " + shown);
    struct timespec times[2] = {{0, UTIME_OMIT}, {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
    (void)futimens(fd.get(), times);
    return {};
}

Result<> make_dir(const Target& t, archive_entry* e, int parent, const std::string& leaf, const std::string& shown)
{
    if (mkdirat(parent, leaf.c_str(), 0700) < 0) {
        if (errno != EEXIST)
            return fail_errno("create directory " + shown);
        struct stat st;
        if (fstatat(parent, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
            return invalid(shown + " exists and is not a directory");
        return {};  // an existing directory keeps its owner and mode
    }
    UniqueFd fd(openat(parent, leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd)
        return fail_errno("open " + shown);
    auto [uid, gid] = BERTH_TRY(owner(t, e));
    if (fchown(fd.get(), uid, gid) < 0)
        return fail_errno("chown " + shown);
    if (fchmod(fd.get(), archive_entry_mode(e) & 07777) < 0)
        return fail_errno("chmod " + shown);
    return {};
}

Result<> make_symlink(const Target& t, archive_entry* e, int parent, const std::string& leaf, const std::string& shown)
{
    const char* target = archive_entry_symlink(e);
    if (!target)
        return invalid("symlink " + shown + " has no target");
    if (symlinkat(target, parent, leaf.c_str()) < 0) {
        struct stat st;
        if (errno != EEXIST || fstatat(parent, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
            return fail_errno("create symlink " + shown);
        if (S_ISDIR(st.st_mode))
            return invalid(shown + " exists and is a directory");
        if (unlinkat(parent, leaf.c_str(), 0) < 0 || symlinkat(target, parent, leaf.c_str()) < 0)
            return fail_errno("replace " + shown);
    }
    auto [uid, gid] = BERTH_TRY(owner(t, e));
    if (fchownat(parent, leaf.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
        return fail_errno("chown " + shown);
    return {};
}

}  // namespace

Result<int> open_in_root(const Target& target, const std::string& path, int flags)
{
    struct open_how how {};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    int fd = static_cast<int>(syscall(SYS_openat2, target.root, path.c_str(), &how, sizeof how));
    if (fd < 0)
        return fail_errno(path);
    return fd;
}

Result<> copy_in(const Target& t, const std::string& path, int data_fd)
{
    // Where the tree goes: into `path` when it is a directory (under the archive's top name), else at `path`.
    std::string rename_to;
    UniqueFd dest;
    if (auto dir = open_in_root(t, path, O_PATH | O_DIRECTORY)) {
        dest = UniqueFd(*dir);
    } else {
        if (dir.error().code != ENOENT)
            return fail(dir.error().context("destination"));
        std::string trimmed = path;
        while (trimmed.size() > 1 && trimmed.back() == '/')
            trimmed.pop_back();
        const auto slash = trimmed.rfind('/');
        rename_to = trimmed.substr(slash + 1);
        const std::string parent = slash == 0 ? "/" : trimmed.substr(0, slash);
        auto pdir = open_in_root(t, parent, O_PATH | O_DIRECTORY);
        if (!pdir)
            return invalid("destination directory " + parent + " does not exist in the container (" +
                           pdir.error().describe() + ")");
        dest = UniqueFd(*pdir);
    }

    std::unique_ptr<archive, ArchiveDeleter> a(archive_read_new());
    archive_read_support_format_tar(a.get());
    if (archive_read_open_fd(a.get(), data_fd, 65536) != ARCHIVE_OK)
        return invalid(std::string("read the archive: ") + archive_error_string(a.get()));
    std::string top;
    archive_entry* e;
    int r;
    size_t count = 0;
    while ((r = archive_read_next_header(a.get(), &e)) == ARCHIVE_OK) {
        const std::string name = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
        auto parts = BERTH_TRY(components(name));
        if (top.empty())
            top = parts[0];
        else if (parts[0] != top)
            return invalid("archive entry '" + name + "' is not under '" + top + "'");
        if (!rename_to.empty())
            parts[0] = rename_to;
        std::string rel, shown = path;
        for (size_t i = 0; i + 1 < parts.size(); ++i)
            rel += (rel.empty() ? "" : "/") + parts[i];
        for (size_t i = rename_to.empty() ? 0 : 1; i < parts.size(); ++i)
            shown += (shown.back() == '/' ? "" : "/") + parts[i];
        UniqueFd parent_holder;
        int parent = dest.get();
        if (!rel.empty()) {
            parent_holder = BERTH_TRY(open_beneath(dest.get(), rel));
            parent = parent_holder.get();
        }
        const std::string& leaf = parts.back();
        if (archive_entry_hardlink(e))
            return invalid("archive entry '" + name + "' is a hard link; not supported");
        switch (archive_entry_filetype(e)) {
        case AE_IFREG: BERTH_TRY(make_file(t, a.get(), e, parent, leaf, shown)); break;
        case AE_IFDIR: BERTH_TRY(make_dir(t, e, parent, leaf, shown)); break;
        case AE_IFLNK: BERTH_TRY(make_symlink(t, e, parent, leaf, shown)); break;
        default: continue;  // devices, fifos and sockets are not copied
        }
        ++count;
    }
    if (r != ARCHIVE_EOF)
        return invalid(std::string("read the archive: ") + archive_error_string(a.get()));
    if (count == 0)
        return invalid("the archive is empty");
    return {};
}

}  // namespace berth::copy
