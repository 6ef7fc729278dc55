#include "core/export_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <time.h>

#include <memory>

#include "core/archive_lib.h"

namespace berth {

namespace {

struct WriteDeleter {
    void operator()(archive* a) const { sym_archive_write_free(a); }
};
struct ReadDeleter {
    void operator()(archive* a) const { sym_archive_read_free(a); }
};
struct EntryDeleter {
    void operator()(archive_entry* e) const { sym_archive_entry_free(e); }
};
struct ResolverDeleter {
    void operator()(archive_entry_linkresolver* r) const { sym_archive_entry_linkresolver_free(r); }
};

std::string message_of(archive* a)
{
    const char* text = sym_archive_error_string(a);
    return text ? text : "unknown libarchive error";
}

tl::unexpected<Error> write_failed(archive* a, const std::string& what)
{
    int code = sym_archive_errno(a);
    return fail_errno(code ? code : EIO, what + ": " + message_of(a));
}

Result<> add_filter(archive* out, ArchiveFormat format)
{
    int r = ARCHIVE_OK;
    switch (format) {
    case ArchiveFormat::Tar: r = sym_archive_write_add_filter_none(out); break;
    case ArchiveFormat::TarGz: r = sym_archive_write_add_filter_gzip(out); break;
    case ArchiveFormat::TarXz: r = sym_archive_write_add_filter_xz(out); break;
    case ArchiveFormat::TarZstd: r = sym_archive_write_add_filter_zstd(out); break;
    }
    if (r != ARCHIVE_OK)
        return fail(ErrorKind::NotSupported, "compression " + std::string(kArchiveFormatTable.to_string(format)) +
                                                 " is not available: " + message_of(out));
    return {};
}

Result<> write_header_file(archive* out, const ExportSource& source)
{
    std::unique_ptr<archive_entry, EntryDeleter> entry(sym_archive_entry_new());
    sym_archive_entry_set_pathname(entry.get(), source.header_name.c_str());
    sym_archive_entry_set_filetype(entry.get(), AE_IFREG);
    sym_archive_entry_set_perm(entry.get(), 0644);
    sym_archive_entry_set_size(entry.get(), static_cast<la_int64_t>(source.header.size()));
    sym_archive_entry_set_mtime(entry.get(), time(nullptr), 0);
    if (sym_archive_write_header(out, entry.get()) < ARCHIVE_WARN)
        return write_failed(out, "write " + source.header_name);
    if (sym_archive_write_data(out, source.header.data(), source.header.size()) < 0)
        return write_failed(out, "write " + source.header_name);
    return {};
}

int64_t unshift(int64_t id, const ExportSource& s)
{
    if (s.shift_size != 0 && id >= s.shift_base && id < int64_t{s.shift_base} + s.shift_size)
        return id - s.shift_base;
    return id;
}

Result<> copy_file_data(archive* disk, archive* out, const std::string& path)
{
    std::unique_ptr<char[]> buf(new char[128 * 1024]);
    for (;;) {
        la_ssize_t n = sym_archive_read_data(disk, buf.get(), 128 * 1024);
        if (n == 0)
            return {};
        if (n < 0)
            return fail_errno(sym_archive_errno(disk) ? sym_archive_errno(disk) : EIO, "read " + path + ": " + message_of(disk));
        if (sym_archive_write_data(out, buf.get(), static_cast<size_t>(n)) < 0)
            return write_failed(out, "write " + path);
    }
}

Result<> write_tree(archive* out, const ExportSource& shift, const std::string& tree, const std::string& prefix)
{
    ExportSource source = shift;
    source.tree = tree;
    source.prefix = prefix;
    std::unique_ptr<archive, ReadDeleter> disk(sym_archive_read_disk_new());
    std::unique_ptr<archive_entry_linkresolver, ResolverDeleter> links(sym_archive_entry_linkresolver_new());
    if (!disk || !links)
        return fail_errno(ENOMEM, "create libarchive handles");
    sym_archive_entry_linkresolver_set_strategy(links.get(), sym_archive_format(out));
    // Physical walk (symlinks stored as symlinks), on one file system, numeric owners only (no name lookups).
    sym_archive_read_disk_set_symlink_physical(disk.get());
    sym_archive_read_disk_set_behavior(disk.get(), ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
    if (sym_archive_read_disk_open(disk.get(), source.tree.c_str()) != ARCHIVE_OK)
        return fail_errno(sym_archive_errno(disk.get()), "open " + source.tree + ": " + message_of(disk.get()));
    std::unique_ptr<archive_entry, EntryDeleter> entry(sym_archive_entry_new());
    for (;;) {
        sym_archive_entry_clear(entry.get());
        int r = sym_archive_read_next_header2(disk.get(), entry.get());
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN)
            return fail_errno(sym_archive_errno(disk.get()) ? sym_archive_errno(disk.get()) : EIO,
                              "read " + source.tree + ": " + message_of(disk.get()));
        sym_archive_read_disk_descend(disk.get());
        const std::string full = sym_archive_entry_pathname(entry.get());
        std::string rel = full.size() > source.tree.size() ? full.substr(source.tree.size()) : "";
        while (!rel.empty() && rel[0] == '/')
            rel.erase(0, 1);
        const std::string name = rel.empty() ? source.prefix : source.prefix + "/" + rel;
        sym_archive_entry_set_pathname(entry.get(), name.c_str());
        sym_archive_entry_set_uid(entry.get(), unshift(sym_archive_entry_uid(entry.get()), source));
        sym_archive_entry_set_gid(entry.get(), unshift(sym_archive_entry_gid(entry.get()), source));
        sym_archive_entry_set_uname(entry.get(), nullptr);
        sym_archive_entry_set_gname(entry.get(), nullptr);
        const auto type = sym_archive_entry_filetype(entry.get());
        if (type == AE_IFSOCK)
            continue;   // tar cannot hold sockets; whoever made one makes it again
        archive_entry* current = entry.get();
        archive_entry* spare = nullptr;
        sym_archive_entry_linkify(links.get(), &current, &spare);
        if (!current)
            continue;
        r = sym_archive_write_header(out, current);
        if (r < ARCHIVE_WARN)
            return write_failed(out, "write " + name);
        if (type == AE_IFREG && sym_archive_entry_size(current) > 0 && !sym_archive_entry_hardlink(current))
            BERTH_TRY(copy_file_data(disk.get(), out, full));
    }
    return {};
}

}  // namespace

Result<ArchiveFormat> parse_archive_format(std::string_view text)
{
    if (auto f = kArchiveFormatTable.from_string(text))
        return *f;
    if (text == "tar.zstd" || text == "tzst")
        return ArchiveFormat::TarZstd;
    if (text == "tgz")
        return ArchiveFormat::TarGz;
    if (text == "txz")
        return ArchiveFormat::TarXz;
    return fail(ErrorKind::InvalidArgument,
                "unknown archive format '" + std::string(text) + "' (use tar, tar.gz, tar.xz or tar.zst)");
}

Result<> write_export_archive(int fd, ArchiveFormat format, const ExportSource& source)
{
    BERTH_TRY(dlopen_libarchive());
    std::unique_ptr<archive, WriteDeleter> out(sym_archive_write_new());
    if (!out)
        return fail_errno(ENOMEM, "create libarchive handles");
    // pax keeps xattrs, ACLs, long names and large ids; "restricted" writes plain ustar headers when it can.
    sym_archive_write_set_format_pax_restricted(out.get());
    BERTH_TRY(add_filter(out.get(), format));
    sym_archive_write_set_bytes_in_last_block(out.get(), 1);   // a pipe reader needs no padding
    if (sym_archive_write_open_fd(out.get(), fd) != ARCHIVE_OK)
        return write_failed(out.get(), "start the archive");
    BERTH_TRY(write_header_file(out.get(), source));
    BERTH_TRY(write_tree(out.get(), source, source.tree, source.prefix));
    for (const auto& [prefix, tree] : source.more)
        BERTH_TRY(write_tree(out.get(), source, tree, prefix));
    if (sym_archive_write_close(out.get()) != ARCHIVE_OK)
        return write_failed(out.get(), "finish the archive");
    return {};
}

Result<std::string> read_export_header(::archive* in, const std::string& header_name)
{
    BERTH_TRY(dlopen_libarchive());
    archive_entry* entry = nullptr;
    int r = sym_archive_read_next_header(in, &entry);
    if (r < ARCHIVE_WARN || r == ARCHIVE_EOF)
        return fail(ErrorKind::InvalidArgument, "not a berth export archive (corrupt, truncated or empty): " +
                                                    message_of(in));
    std::string name = sym_archive_entry_pathname(entry) ? sym_archive_entry_pathname(entry) : "";
    if (name.rfind("./", 0) == 0)
        name.erase(0, 2);
    if (name != header_name)
        return fail(ErrorKind::InvalidArgument, "not a berth export archive of this kind: it starts with '" + name +
                                                    "', expected " + header_name);
    const auto size = sym_archive_entry_size(entry);
    if (size < 0 || size > 1024 * 1024)
        return fail(ErrorKind::InvalidArgument, header_name + " in the archive is too large");
    std::string text(static_cast<size_t>(size), '\0');
    size_t got = 0;
    while (got < text.size()) {
        la_ssize_t n = sym_archive_read_data(in, text.data() + got, text.size() - got);
        if (n <= 0)
            return fail(ErrorKind::InvalidArgument, "archive is truncated in " + header_name + ": " + message_of(in));
        got += static_cast<size_t>(n);
    }
    return text;
}

}  // namespace berth
