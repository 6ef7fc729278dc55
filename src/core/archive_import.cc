#include "core/archive_import.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string_view>

#include "base/unique_fd.h"
#include "core/archive_lib.h"

namespace berth {

namespace {

struct ReadDeleter {
    void operator()(archive* a) const { sym_archive_read_free(a); }
};
struct WriteDeleter {
    void operator()(archive* a) const { sym_archive_write_free(a); }
};
using ArchiveReader = std::unique_ptr<archive, ReadDeleter>;
using ArchiveWriter = std::unique_ptr<archive, WriteDeleter>;

// Puts the working directory back when extraction ends, whichever way it ends.
class CwdRestorer {
public:
    explicit CwdRestorer(UniqueFd saved) : saved_(std::move(saved)) {}
    ~CwdRestorer()
    {
        if (saved_)
            (void)fchdir(saved_.get());
    }

private:
    UniqueFd saved_;
};

constexpr int kExtractFlags = ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
                              ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                              ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;

std::string message_of(archive* a)
{
    const char* text = sym_archive_error_string(a);
    return text ? text : "unknown libarchive error";
}

tl::unexpected<Error> corrupt(archive* a)
{
    return fail(ErrorKind::InvalidArgument, "tarball is corrupt or truncated: " + message_of(a));
}

// Strip every leading "./" (and a lone "."); empty means the archive's root entry.
std::string_view strip_dot_slash(std::string_view path)
{
    while (path.size() >= 2 && path[0] == '.' && path[1] == '/') {
        path.remove_prefix(2);
        while (!path.empty() && path.front() == '/')
            path.remove_prefix(1);
    }
    if (path == ".")
        path = {};
    return path;
}

bool has_dot_dot(std::string_view path)
{
    size_t start = 0;
    for (;;) {
        size_t slash = path.find('/', start);
        if (path.substr(start, slash == std::string_view::npos ? slash : slash - start) == "..")
            return true;
        if (slash == std::string_view::npos)
            return false;
        start = slash + 1;
    }
}

// A path from the archive made relative to the root, or an error naming the entry (`entry`, or raw itself).
Result<std::string> safe_relative(const char* raw, const char* what, const std::string& entry = {})
{
    if (!raw)
        return fail(ErrorKind::InvalidArgument, std::string("tarball has an entry whose ") + what +
                                                    " cannot be read (not valid in this locale)");
    const std::string shown = entry.empty() ? "tarball entry '" + std::string(raw) + "'"
                                            : "tarball entry '" + entry + "' (" + what + " '" + raw + "')";
    std::string_view path = strip_dot_slash(raw);
    if (!path.empty() && path.front() == '/')
        return fail(ErrorKind::InvalidArgument, shown + " has an absolute " + what + "; refusing the tarball");
    if (has_dot_dot(path))
        return fail(ErrorKind::InvalidArgument, shown + " has '..' in its " + what + "; refusing the tarball");
    return std::string(path);
}

// "PREFIX/a/b" -> "a/b", "PREFIX" -> "": an export archive keeps its tree below one directory.
Result<std::string> below_prefix(const std::string& path, const std::string& prefix)
{
    if (path == prefix)
        return std::string();
    if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 && path[prefix.size()] == '/')
        return path.substr(prefix.size() + 1);
    return fail(ErrorKind::InvalidArgument, "archive entry '" + path + "' is not below " + prefix + "/");
}

bool is_system_errno(int code)
{
    return code == ENOSPC || code == EDQUOT || code == EIO || code == ENOMEM || code == EROFS || code == EMFILE;
}

Result<> copy_data(archive* in, archive* out, const std::string& path)
{
    for (;;) {
        const void* buf;
        size_t size;
        la_int64_t offset;
        int r = sym_archive_read_data_block(in, &buf, &size, &offset);
        if (r == ARCHIVE_EOF)
            return {};
        if (r < ARCHIVE_WARN)
            return corrupt(in);
        // The disk writer reports a failed write(2) (ENOSPC, EDQUOT, EIO) as ARCHIVE_WARN: that is an error here.
        if (sym_archive_write_data_block(out, buf, size, offset) < ARCHIVE_OK)
            return fail_errno(sym_archive_errno(out) ? sym_archive_errno(out) : EIO,
                              "write " + path + ": " + message_of(out));
    }
}

Result<> extract_entry(archive* in, archive* out, archive_entry* entry, const std::string& path)
{
    int r = sym_archive_write_header(out, entry);
    if (r < ARCHIVE_WARN) {
        int code = sym_archive_errno(out);
        if (r == ARCHIVE_FATAL || is_system_errno(code))
            return fail_errno(code, "extract " + path + ": " + message_of(out));
        // Refused by libarchive's own checks (e.g. extracting through a symlink) or not creatable as given.
        return fail(ErrorKind::InvalidArgument,
                    "tarball entry '" + path + "' cannot be extracted safely: " + message_of(out));
    }
    if (sym_archive_entry_size(entry) > 0)
        BERTH_TRY(copy_data(in, out, path));
    if (sym_archive_write_finish_entry(out) < ARCHIVE_WARN)
        return fail_errno(sym_archive_errno(out), "finish " + path + ": " + message_of(out));
    return {};
}

}  // namespace

Result<ArchiveReadHandle> open_tar_reader(int fd)
{
    BERTH_TRY(dlopen_libarchive());
    ArchiveReadHandle in(sym_archive_read_new(), sym_archive_read_free);
    if (!in)
        return fail_errno(ENOMEM, "create libarchive handles");
    // Listed one by one rather than *_all: no external decompressor programs, and no reader but tar.
    sym_archive_read_support_filter_gzip(in.get());
    sym_archive_read_support_filter_bzip2(in.get());
    sym_archive_read_support_filter_xz(in.get());
    sym_archive_read_support_filter_lzma(in.get());
    sym_archive_read_support_filter_zstd(in.get());
    sym_archive_read_support_format_tar(in.get());
    sym_archive_read_support_format_gnutar(in.get());
    sym_archive_read_support_format_empty(in.get());
    if (sym_archive_read_open_fd(in.get(), fd, 64 * 1024) != ARCHIVE_OK)
        return corrupt(in.get());
    return in;
}

Result<ExtractStats> extract_tarball(int fd, const std::string& rootfs)
{
    auto in = BERTH_TRY(open_tar_reader(fd));
    return extract_open_archive(in.get(), rootfs);
}

Result<ExtractStats> extract_open_archive(archive* in, const std::string& rootfs, const std::string& prefix)
{
    BERTH_TRY(dlopen_libarchive());
    ArchiveWriter out(sym_archive_write_disk_new());
    if (!out)
        return fail_errno(ENOMEM, "create libarchive handles");
    sym_archive_write_disk_set_options(out.get(), kExtractFlags);
    // No user/group lookup: numeric ids from the archive are what the image's own /etc/passwd means.

    UniqueFd saved_cwd(open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!saved_cwd)
        saved_cwd.reset(open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    CwdRestorer restore(std::move(saved_cwd));
    if (chdir(rootfs.c_str()) < 0)
        return fail_errno("enter " + rootfs);

    ExtractStats stats;
    for (;;) {
        archive_entry* entry;
        int r = sym_archive_read_next_header(in, &entry);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN)
            return corrupt(in);
        ++stats.entries;

        const auto type = sym_archive_entry_filetype(entry);
        if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFSOCK) {
            ++stats.devices_skipped;
            continue;
        }
        auto path = BERTH_TRY(safe_relative(sym_archive_entry_pathname(entry), "path"));
        if (!prefix.empty())
            path = BERTH_TRY(below_prefix(path, prefix));
        if (path.empty())
            continue;  // the archive's "./": the root directory is ours
        sym_archive_entry_set_pathname(entry, path.c_str());
        if (const char* link = sym_archive_entry_hardlink(entry)) {
            auto target = BERTH_TRY(safe_relative(link, "hard link target", path));
            if (!prefix.empty())
                target = BERTH_TRY(below_prefix(target, prefix));
            if (target.empty())
                return fail(ErrorKind::InvalidArgument, "tarball entry '" + path + "' is a hard link to the root");
            sym_archive_entry_set_hardlink(entry, target.c_str());
        }
        BERTH_TRY(extract_entry(in, out.get(), entry, path));
    }
    // Closing applies the deferred directory modes and times.
    if (sym_archive_write_close(out.get()) < ARCHIVE_WARN)
        return fail_errno(sym_archive_errno(out.get()), "finish extraction: " + message_of(out.get()));
    if (stats.entries == 0)
        return fail(ErrorKind::InvalidArgument, "tarball is empty");
    return stats;
}

}  // namespace berth
