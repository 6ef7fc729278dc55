// copy-to and copy-from: berthctl reads and writes the host side itself, as the caller (so it can copy only what
// the caller may read, and files it creates belong to the caller), and streams a tar archive through a pipe
// whose other end berthd hands to its helper inside the container. A thread pumps the archive while the
// D-Bus call waits for the daemon's reply.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "base/unique_fd.h"
#include "ctl/archive_dl.h"
#include "ctl/bus.h"
#include "ctl/errors.h"
#include "ctl/verbs.h"

namespace berth::ctl {

namespace {

constexpr const char* kManagerInterface = org::berth1::Manager_proxy::INTERFACE_NAME;

struct ReadDeleter {
    void operator()(archive* a) const { archive_lib().archive_read_free(a); }
};
struct WriteDeleter {
    void operator()(archive* a) const { archive_lib().archive_write_free(a); }
};
struct EntryDeleter {
    void operator()(archive_entry* e) const { archive_lib().archive_entry_free(e); }
};

std::string trim_slashes(std::string path)
{
    while (path.size() > 1 && path.back() == '/')
        path.pop_back();
    return path;
}

std::string base_name(const std::string& path)
{
    const std::string t = trim_slashes(path);
    return t.substr(t.rfind('/') == std::string::npos ? 0 : t.rfind('/') + 1);
}

Result<> archive_failure(archive* a, const std::string& what)
{
    const ArchiveLib& ar = archive_lib();
    const char* why = ar.archive_error_string(a);
    return fail(ErrorKind::Failed, what + ": " + (why ? why : "unknown error"));
}

// HOSTPATH as a tar stream, every entry under its base name; the top is followed if it is a symlink, nothing
// below it is.
Result<> write_tree(const std::string& host_path, int fd)
{
    const ArchiveLib& ar = archive_lib();
    const std::string root = trim_slashes(host_path);
    const std::string top = base_name(root) == "/" || base_name(root).empty() ? "root" : base_name(root);
    std::unique_ptr<archive, ReadDeleter> disk(ar.archive_read_disk_new());
    ar.archive_read_disk_set_symlink_hybrid(disk.get());
    ar.archive_read_disk_set_behavior(disk.get(), ARCHIVE_READDISK_NO_XATTR | ARCHIVE_READDISK_NO_ACL |
                                                   ARCHIVE_READDISK_NO_FFLAGS);
    if (ar.archive_read_disk_open(disk.get(), root.c_str()) != ARCHIVE_OK)
        return archive_failure(disk.get(), "read " + host_path);
    std::unique_ptr<archive, WriteDeleter> out(ar.archive_write_new());
    ar.archive_write_set_format_pax_restricted(out.get());
    ar.archive_write_set_bytes_in_last_block(out.get(), 1);
    if (ar.archive_write_open_fd(out.get(), fd) != ARCHIVE_OK)
        return archive_failure(out.get(), "write the copy stream");
    std::unique_ptr<archive_entry, EntryDeleter> entry(ar.archive_entry_new());
    for (;;) {
        ar.archive_entry_clear(entry.get());
        int r = ar.archive_read_next_header2(disk.get(), entry.get());
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
            return archive_failure(disk.get(), "read " + host_path);
        if (ar.archive_read_disk_can_descend(disk.get()))
            ar.archive_read_disk_descend(disk.get());
        const std::string name = ar.archive_entry_pathname(entry.get());
        ar.archive_entry_set_pathname(entry.get(), (top + name.substr(std::min(name.size(), root.size()))).c_str());
        if (ar.archive_write_header(out.get(), entry.get()) != ARCHIVE_OK)
            return archive_failure(out.get(), "write the copy stream");
        if (ar.archive_entry_filetype(entry.get()) != AE_IFREG || ar.archive_entry_size(entry.get()) == 0)
            continue;
        const void* buf;
        size_t size;
        la_int64_t offset, position = 0;
        static const char zeros[4096] = {};
        while ((r = ar.archive_read_data_block(disk.get(), &buf, &size, &offset)) == ARCHIVE_OK) {
            while (position < offset) {  // a hole: the stream carries zeros
                const size_t n = static_cast<size_t>(std::min<la_int64_t>(offset - position, sizeof zeros));
                if (ar.archive_write_data(out.get(), zeros, n) < 0)
                    return archive_failure(out.get(), "write the copy stream");
                position += static_cast<la_int64_t>(n);
            }
            if (size > 0 && ar.archive_write_data(out.get(), buf, size) < 0)
                return archive_failure(out.get(), "write the copy stream");
            position += static_cast<la_int64_t>(size);
        }
        if (r != ARCHIVE_EOF)
            return archive_failure(disk.get(), "read " + name);
    }
    if (ar.archive_write_close(out.get()) != ARCHIVE_OK)
        return archive_failure(out.get(), "finish the copy stream");
    return {};
}

// The stream from the container into the directory we are in (chdir'ed to by the caller), its top entry renamed
// to `rename` when not empty. libarchive refuses entries with "..", absolute names, or that would pass through a
// symlink on the host.
Result<> read_tree(int fd, const std::string& rename, bool keep_ids)
{
    const ArchiveLib& ar = archive_lib();
    std::unique_ptr<archive, ReadDeleter> in(ar.archive_read_new());
    ar.archive_read_support_format_tar(in.get());
    if (ar.archive_read_open_fd(in.get(), fd, 65536) != ARCHIVE_OK)
        return archive_failure(in.get(), "read the copy stream");
    std::unique_ptr<archive, WriteDeleter> disk(ar.archive_write_disk_new());
    int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
    if (keep_ids)
        flags |= ARCHIVE_EXTRACT_OWNER;
    ar.archive_write_disk_set_options(disk.get(), flags);
    archive_entry* entry;
    int r;
    while ((r = ar.archive_read_next_header(in.get(), &entry)) == ARCHIVE_OK) {
        std::string name = ar.archive_entry_pathname(entry);
        if (!rename.empty()) {
            const auto slash = name.find('/');
            name = rename + (slash == std::string::npos ? "" : name.substr(slash));
            ar.archive_entry_set_pathname(entry, name.c_str());
        }
        if (ar.archive_write_header(disk.get(), entry) != ARCHIVE_OK)
            return archive_failure(disk.get(), "write " + name);
        const void* buf;
        size_t size;
        la_int64_t offset;
        while ((r = ar.archive_read_data_block(in.get(), &buf, &size, &offset)) == ARCHIVE_OK)
            if (ar.archive_write_data_block(disk.get(), buf, size, offset) != ARCHIVE_OK)
                return archive_failure(disk.get(), "write " + name);
        if (r != ARCHIVE_EOF)
            return archive_failure(in.get(), "read the copy stream");
        if (ar.archive_write_finish_entry(disk.get()) != ARCHIVE_OK)
            return archive_failure(disk.get(), "write " + name);
    }
    if (r != ARCHIVE_EOF)
        return archive_failure(in.get(), "read the copy stream");
    if (ar.archive_write_close(disk.get()) != ARCHIVE_OK)
        return archive_failure(disk.get(), "finish writing");
    return {};
}

Result<> call_copy(const char* method, const std::string& name, const std::string& path, int fd, bool keep_ids)
{
    auto bus = BERTH_TRY(Bus::connect());
    std::map<std::string, sdbus::Variant> options;
    if (keep_ids)
        options["KeepIds"] = sdbus::Variant(true);
    return bus_call([&] {
        bus.manager()
            .getProxy()
            .callMethod(method)
            .onInterface(kManagerInterface)
            .withTimeout(kNoTimeout)
            .withArguments(name, path, sdbus::UnixFd(fd), options);
    });
}

Result<std::pair<UniqueFd, UniqueFd>> make_pipe()
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return fail_errno("create a pipe");
    return std::pair<UniqueFd, UniqueFd>(UniqueFd(fds[0]), UniqueFd(fds[1]));
}

Result<int> do_copy_to(const Invocation& inv)
{
    const std::string& name = inv.args.positionals[0];
    const std::string& host_path = inv.args.positionals[1];
    const std::string& path = inv.args.positionals[2];
    struct stat st;
    if (stat(host_path.c_str(), &st) < 0)
        return fail_errno("copy-to: " + host_path);
    BERTH_TRY(load_archive_lib());   // before the daemon is asked: its helper would wait for a stream
    ::signal(SIGPIPE, SIG_IGN);  // the daemon's helper may stop reading early; its error is the one to show
    auto [read_end, write_end] = BERTH_TRY(make_pipe());
    Result<> written;
    std::thread writer([&, fd = write_end.release()] {
        UniqueFd owned(fd);
        written = write_tree(host_path, owned.get());
    });
    auto called = call_copy("CopyTo", name, path, read_end.get(), inv.args.has("keep-ids"));
    read_end.reset();  // a writer still blocked on a full pipe now gets EPIPE
    writer.join();
    if (!called)
        return fail(called.error());
    if (!written)
        return fail(written.error());
    return 0;
}

Result<int> do_copy_from(const Invocation& inv)
{
    const std::string& name = inv.args.positionals[0];
    const std::string& path = inv.args.positionals[1];
    const std::string host_path = trim_slashes(inv.args.positionals[2]);
    // Into HOSTPATH when it is a directory, else as HOSTPATH (its parent must exist), as cp does.
    std::string dir = host_path, rename;
    struct stat st;
    if (stat(host_path.c_str(), &st) < 0 || !S_ISDIR(st.st_mode)) {
        const auto slash = host_path.rfind('/');
        dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : host_path.substr(0, slash));
        rename = host_path.substr(slash == std::string::npos ? 0 : slash + 1);
    }
    UniqueFd dir_fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd)
        return fail_errno("copy-from: " + dir);
    BERTH_TRY(load_archive_lib());
    auto [read_end, write_end] = BERTH_TRY(make_pipe());
    Result<> extracted;
    std::thread reader([&, fd = read_end.release()] {
        UniqueFd owned(fd);
        if (fchdir(dir_fd.get()) < 0)
            extracted = fail_errno("copy-from: enter " + dir);
        else
            extracted = read_tree(owned.get(), rename, inv.args.has("keep-ids"));
    });
    auto called = call_copy("CopyFrom", name, path, write_end.get(), inv.args.has("keep-ids"));
    write_end.reset();  // the reader sees the end of the stream
    reader.join();
    if (!called)
        return fail(called.error());
    if (!extracted)
        return fail(extracted.error());
    return 0;
}

}  // namespace

std::vector<Verb> copy_verbs()
{
    return {
        {"copy-to", {}, "NAME HOSTPATH PATH [--keep-ids]", 3, 3, std::nullopt,
         {{"keep-ids", 0, false, false, "", "keep numeric owners (host uid N becomes uid N inside)"}}, do_copy_to,
         "Copy a file or directory tree into a container",
         "Copies HOSTPATH (a file or a directory tree, read as the caller) to PATH inside container NAME,\n"
         "running or stopped. When PATH is an existing directory the copy goes inside it under HOSTPATH's\n"
         "name, as cp does. PATH is resolved inside the container: a symlink there never leads out of it.\n"
         "Files are owned by the container's root (0:0 inside); with --keep-ids they keep their numeric\n"
         "owners, which must be inside the container's id range. Modes and times are kept; devices, fifos and\n"
         "sockets are skipped. A running container is entered, so paths on its own mounts work."},
        {"copy-from", {}, "NAME PATH HOSTPATH [--keep-ids]", 3, 3, std::nullopt,
         {{"keep-ids", 0, false, false, "", "keep the container's numeric owners (needs root)"}}, do_copy_from,
         "Copy a file or directory tree out of a container",
         "Copies PATH inside container NAME (a file or a directory tree; resolved inside the container, so a\n"
         "symlink there never reaches the host's files) to HOSTPATH, or into HOSTPATH when it is an existing\n"
         "directory. Symlinks inside the tree are copied as symlinks. The files belong to the caller; with\n"
         "--keep-ids they keep the container's numeric owners (uid N inside becomes uid N here)."},
    };
}

}  // namespace berth::ctl
