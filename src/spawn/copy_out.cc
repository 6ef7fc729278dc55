// copy-from: a tree inside the container becomes a tar stream to the client. The path given is resolved inside
// the root (its last symlink followed there); below it nothing is followed: symlinks are archived as symlinks,
// every open is O_NOFOLLOW relative to its parent's fd, and special files are left out.
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "base/unique_fd.h"
#include "spawn/copy_tree.h"

namespace berth::copy {

namespace {

struct WriteDeleter {
    void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};
struct DirDeleter {
    void operator()(DIR* d) const { closedir(d); }
};

class Writer {
public:
    Writer(const Target& t, archive* a) : t_(t), a_(a) {}

    Result<> add(int fd, const struct stat& st, const std::string& name, const std::string& shown)
    {
        std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
        archive_entry_set_pathname(e.get(), name.c_str());
        archive_entry_set_mode(e.get(), st.st_mode);
        archive_entry_set_uid(e.get(), container_id(st.st_uid));
        archive_entry_set_gid(e.get(), container_id(st.st_gid));
        archive_entry_set_mtime(e.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        archive_entry_set_size(e.get(), S_ISREG(st.st_mode) ? st.st_size : 0);
        if (archive_write_header(a_, e.get()) != ARCHIVE_OK)
            return fail(ErrorKind::Failed, "write archive header of " + shown + ": " + archive_error_string(a_));
        if (S_ISREG(st.st_mode))
            BERTH_TRY(copy_data(fd, st.st_size, shown));
        if (S_ISDIR(st.st_mode))
            BERTH_TRY(add_children(fd, name, shown));
        return {};
    }

private:
    int64_t container_id(uint32_t id) const
    {
        return id >= t_.id_shift && id - t_.id_shift < t_.id_count ? id - t_.id_shift : 65534;
    }

    Result<> copy_data(int fd, off_t size, const std::string& shown)
    {
        std::vector<char> buf(65536);
        off_t done = 0;
        while (done < size) {
            ssize_t n = read(fd, buf.data(), buf.size());
            if (n < 0)
                return fail_errno("read " + shown);
            if (n == 0)
                break;  // shrank while we read: the archive pads with zeros
            if (archive_write_data(a_, buf.data(), static_cast<size_t>(n)) < 0)
                return fail(ErrorKind::Failed, "write the archive: " + std::string(archive_error_string(a_)));
            done += n;
        }
        return {};
    }

    Result<> add_children(int dirfd, const std::string& name, const std::string& shown)
    {
        UniqueFd dup_fd(fcntl(dirfd, F_DUPFD_CLOEXEC, 3));
        std::unique_ptr<DIR, DirDeleter> dir(dup_fd ? fdopendir(dup_fd.get()) : nullptr);
        if (!dir)
            return fail_errno("list " + shown);
        dup_fd.release();
        std::vector<std::string> names;
        while (struct dirent* d = readdir(dir.get())) {
            const std::string child = d->d_name;
            if (child != "." && child != "..")
                names.push_back(child);
        }
        for (const auto& child : names) {
            const std::string child_shown = shown + (shown.back() == '/' ? "" : "/") + child;
            struct stat st;
            if (fstatat(dirfd, child.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
                return fail_errno("stat " + child_shown);
            const std::string child_name = name + "/" + child;
            if (S_ISLNK(st.st_mode)) {
                BERTH_TRY(add_symlink(dirfd, child, st, child_name, child_shown));
                continue;
            }
            if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
                continue;
            UniqueFd fd(openat(dirfd, child.c_str(),
                               O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
                                   (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0)));
            if (!fd)
                return fail_errno("open " + child_shown);
            struct stat now;
            if (fstat(fd.get(), &now) < 0 || (now.st_mode & S_IFMT) != (st.st_mode & S_IFMT))
                return fail(ErrorKind::Failed, child_shown + " changed while it was copied");
            BERTH_TRY(add(fd.get(), now, child_name, child_shown));
        }
        return {};
    }

    Result<> add_symlink(int dirfd, const std::string& child, const struct stat& st, const std::string& name,
                         const std::string& shown)
    {
        std::vector<char> target(static_cast<size_t>(st.st_size > 0 ? st.st_size : 4096) + 1);
        ssize_t n = readlinkat(dirfd, child.c_str(), target.data(), target.size() - 1);
        if (n < 0)
            return fail_errno("read symlink " + shown);
        std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
        archive_entry_set_pathname(e.get(), name.c_str());
        archive_entry_set_mode(e.get(), st.st_mode);
        archive_entry_set_uid(e.get(), container_id(st.st_uid));
        archive_entry_set_gid(e.get(), container_id(st.st_gid));
        archive_entry_set_mtime(e.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        archive_entry_set_symlink(e.get(), std::string(target.data(), static_cast<size_t>(n)).c_str());
        if (archive_write_header(a_, e.get()) != ARCHIVE_OK)
            return fail(ErrorKind::Failed, "write archive header of " + shown + ": " + archive_error_string(a_));
        return {};
    }

    const Target& t_;
    archive* a_;
};

}  // namespace

Result<> copy_out(const Target& t, const std::string& path, int data_fd)
{
    auto opened = open_in_root(t, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (!opened)
        return fail(ErrorKind::InvalidArgument, opened.error().describe() + " (in the container)");
    UniqueFd fd(*opened);
    struct stat st;
    if (fstat(fd.get(), &st) < 0)
        return fail_errno("stat " + path);
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return fail(ErrorKind::InvalidArgument, path + " is not a regular file or a directory");
    std::string trimmed = path;
    while (trimmed.size() > 1 && trimmed.back() == '/')
        trimmed.pop_back();
    std::string top = trimmed.substr(trimmed.rfind('/') + 1);
    if (top.empty())
        top = "root";

    std::unique_ptr<archive, WriteDeleter> a(archive_write_new());
    archive_write_set_format_pax_restricted(a.get());
    archive_write_set_bytes_in_last_block(a.get(), 1);
    if (archive_write_open_fd(a.get(), data_fd) != ARCHIVE_OK)
        return fail(ErrorKind::Failed, std::string("open the archive stream: ") + archive_error_string(a.get()));
    Writer writer(t, a.get());
    BERTH_TRY(writer.add(fd.get(), st, top, path));
    if (archive_write_close(a.get()) != ARCHIVE_OK)
        return fail(ErrorKind::Failed, std::string("finish the archive: ") + archive_error_string(a.get()));
    return {};
}

}  // namespace berth::copy
