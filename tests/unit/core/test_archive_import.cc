#include <boost/test/unit_test.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <thread>
#include <vector>

#include "base/fs.h"
#include "temp_dir.h"
#include "base/unique_fd.h"
#include "core/image_store.h"

using namespace berth;

namespace {

using testing::TempDir;

enum class Filter { None, Gzip, Xz, Zstd };

struct Entry {
    std::string path;
    mode_t type = AE_IFREG;
    mode_t perm = 0644;
    std::string data;      // file content
    std::string link;      // symlink target
    std::string hardlink;  // hard link target
    uid_t uid = 0;
    gid_t gid = 0;
};

// Write a pax tar with libarchive's write API (never the tar program).
std::string make_tar(const std::string& path, const std::vector<Entry>& entries, Filter filter = Filter::None)
{
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    switch (filter) {
    case Filter::None: archive_write_add_filter_none(a); break;
    case Filter::Gzip: archive_write_add_filter_gzip(a); break;
    case Filter::Xz: archive_write_add_filter_xz(a); break;
    case Filter::Zstd: archive_write_add_filter_zstd(a); break;
    }
    BOOST_REQUIRE(archive_write_open_filename(a, path.c_str()) == ARCHIVE_OK);
    for (const auto& e : entries) {
        archive_entry* entry = archive_entry_new();
        archive_entry_set_pathname(entry, e.path.c_str());
        archive_entry_set_filetype(entry, e.type);
        archive_entry_set_perm(entry, e.perm);
        archive_entry_set_uid(entry, e.uid);
        archive_entry_set_gid(entry, e.gid);
        archive_entry_set_mtime(entry, 1700000000, 0);
        if (!e.link.empty())
            archive_entry_set_symlink(entry, e.link.c_str());
        if (!e.hardlink.empty())
            archive_entry_set_hardlink(entry, e.hardlink.c_str());
        if (e.type == AE_IFCHR)
            archive_entry_set_rdev(entry, makedev(1, 3));
        archive_entry_set_size(entry, e.type == AE_IFREG && e.hardlink.empty() ? e.data.size() : 0);
        BOOST_REQUIRE(archive_write_header(a, entry) == ARCHIVE_OK);
        if (!e.data.empty() && e.hardlink.empty())
            archive_write_data(a, e.data.data(), e.data.size());
        archive_entry_free(entry);
    }
    archive_write_close(a);
    archive_write_free(a);
    return path;
}

std::vector<Entry> sample_root()
{
    return {
        {"./", AE_IFDIR, 0755},
        {"./bin/", AE_IFDIR, 0755},
        {"./bin/tool", AE_IFREG, 04755, "#!/bin/sh\necho hi\n", "", "", 0, 0},
        {"./bin/alias", AE_IFLNK, 0777, "", "tool"},
        {"./bin/hard", AE_IFREG, 0755, "", "", "./bin/tool"},
        {"./etc/", AE_IFDIR, 0755},
        {"./etc/os-release", AE_IFREG, 0644, "ID=test\n"},
        {"./etc/localtime", AE_IFLNK, 0777, "", "/usr/share/zoneinfo/UTC"},  // absolute targets are fine
        {"./home/user/", AE_IFDIR, 0750, "", "", "", 1000, 1000},
        {"./home/user/file", AE_IFREG, 0600, "secret", "", "", 1000, 1000},
    };
}

Result<ImageInfo> import_file(ImageStore& store, const std::string& file, const std::string& name)
{
    UniqueFd fd(open(file.c_str(), O_RDONLY | O_CLOEXEC));
    BOOST_REQUIRE(fd);
    return store.import_tarball(fd.get(), name);
}

// A refused import: InvalidArgument, and nothing left in images/ or .tmp/.
void expect_refused(const Result<ImageInfo>& r, const std::string& pool, const std::string& words)
{
    BOOST_REQUIRE(!r.has_value());
    BOOST_TEST_MESSAGE("refused: " << r.error().message);
    BOOST_TEST((r.error().kind == ErrorKind::InvalidArgument));
    BOOST_TEST(r.error().message.find(words) != std::string::npos, r.error().message);
    BOOST_TEST(list_dir(pool + "/images")->empty());
    BOOST_TEST(list_dir(pool + "/.tmp")->empty());
}

std::string random_bytes(size_t n, unsigned seed)
{
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s)
        c = static_cast<char>(rng());
    return s;
}

struct Fixture {
    TempDir t;
    std::string pool = t.path + "/pool";
    ImageStore store{pool};
    Fixture() { BOOST_REQUIRE(store.init().has_value()); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(archive_import)

BOOST_AUTO_TEST_CASE(imports_every_compression)
{
    Fixture f;
    const std::pair<Filter, const char*> filters[] = {
        {Filter::None, "plain"}, {Filter::Gzip, "gzip"}, {Filter::Xz, "xz"}, {Filter::Zstd, "zstd"}};
    for (const auto& [filter, name] : filters) {
        BOOST_TEST_CONTEXT(name)
        {
            auto file = make_tar(f.t.path + "/" + name + ".tar", sample_root(), filter);
            auto r = import_file(f.store, file, name);
            BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().describe()));
            BOOST_TEST(r->origin == "import");
            BOOST_TEST(r->size > 0u);
            const std::string root = f.store.image_root(name);
            BOOST_TEST(*read_file(root + "/bin/tool") == "#!/bin/sh\necho hi\n");
            BOOST_TEST(*read_file(root + "/bin/hard") == "#!/bin/sh\necho hi\n");
            BOOST_TEST(*read_file(root + "/etc/os-release") == "ID=test\n");
            char buf[64] = {};
            BOOST_TEST(readlink((root + "/etc/localtime").c_str(), buf, sizeof buf - 1) > 0);
            BOOST_TEST(std::string(buf) == "/usr/share/zoneinfo/UTC");
            struct stat st;
            BOOST_REQUIRE(lstat((root + "/bin/tool").c_str(), &st) == 0);
            BOOST_TEST(st.st_mtime == 1700000000);
            BOOST_REQUIRE(lstat((root + "/home/user").c_str(), &st) == 0);
            BOOST_TEST((st.st_mode & 07777) == 0750u);
            if (geteuid() == 0) {
                BOOST_TEST(st.st_uid == 1000u);  // owners kept, unshifted
                BOOST_REQUIRE(lstat((root + "/bin/tool").c_str(), &st) == 0);
                BOOST_TEST((st.st_mode & 07777) == 04755u);
            }
        }
    }
    BOOST_TEST(f.store.list()->size() == 4u);
    BOOST_TEST(list_dir(f.pool + "/.tmp")->empty());
}

BOOST_AUTO_TEST_CASE(symlink_out_of_root_is_not_followed)
{
    Fixture f;
    BOOST_REQUIRE(make_dirs(f.t.path + "/outside").has_value());
    for (const std::string& target : {f.t.path + "/outside", std::string("../../../../../outside")}) {
        BOOST_TEST_CONTEXT(target)
        {
            auto file = make_tar(f.t.path + "/escape.tar",
                                 {{"escape", AE_IFLNK, 0777, "", target}, {"escape/pwned", AE_IFREG, 0644, "x"}});
            auto r = import_file(f.store, file, "escape");
            BOOST_TEST(!path_exists(f.t.path + "/outside/pwned"));
            if (r.has_value()) {
                BOOST_TEST_MESSAGE("imported safely");
                BOOST_REQUIRE(f.store.remove_image("escape").has_value());
            } else {
                expect_refused(r, f.pool, "escape");
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(dot_dot_and_absolute_paths_are_refused)
{
    Fixture f;
    const std::vector<std::vector<Entry>> cases = {
        {{"bin/ok", AE_IFREG, 0644, "x"}, {"../evil", AE_IFREG, 0644, "x"}},
        {{"a/../../evil", AE_IFREG, 0644, "x"}},
        {{f.t.path + "/evil", AE_IFREG, 0644, "x"}},
        {{"bin/ok", AE_IFREG, 0644, "x"}, {"bin/link", AE_IFREG, 0644, "", "", "../../evil"}},
        {{"bin/link", AE_IFREG, 0644, "", "", f.t.path + "/victim"}},
    };
    BOOST_REQUIRE(write_file_atomic(f.t.path + "/victim", "keep").has_value());
    for (size_t i = 0; i < cases.size(); ++i) {
        BOOST_TEST_CONTEXT("case " << i)
        {
            auto file = make_tar(f.t.path + "/bad.tar", cases[i]);
            auto r = import_file(f.store, file, "bad");
            expect_refused(r, f.pool, "refusing the tarball");
            BOOST_TEST(!path_exists(f.t.path + "/evil"));
            BOOST_TEST(!path_exists(f.pool + "/evil"));
        }
    }
    BOOST_TEST(*read_file(f.t.path + "/victim") == "keep");
}

BOOST_AUTO_TEST_CASE(device_nodes_are_skipped)
{
    Fixture f;
    auto file = make_tar(f.t.path + "/dev.tar",
                         {{"dev/", AE_IFDIR, 0755}, {"dev/null", AE_IFCHR, 0666}, {"bin/sh", AE_IFREG, 0755, "x"}});
    auto r = import_file(f.store, file, "dev");
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().describe()));
    BOOST_TEST(path_exists(f.store.image_root("dev") + "/dev"));
    BOOST_TEST(!path_exists(f.store.image_root("dev") + "/dev/null"));
    BOOST_TEST(path_exists(f.store.image_root("dev") + "/bin/sh"));
}

BOOST_AUTO_TEST_CASE(truncated_garbage_and_empty_inputs_are_refused)
{
    Fixture f;
    for (auto filter : {Filter::None, Filter::Gzip, Filter::Zstd}) {
        auto file = make_tar(f.t.path + "/big.tar",
                             {{"etc/a", AE_IFREG, 0644, "a"}, {"big", AE_IFREG, 0644, random_bytes(256 * 1024, 1)}},
                             filter);
        auto whole = *read_file(file);
        BOOST_REQUIRE(write_file_atomic(file, whole.substr(0, whole.size() / 2)).has_value());
        expect_refused(import_file(f.store, file, "cut"), f.pool, "tarball is corrupt or truncated");
    }

    BOOST_REQUIRE(write_file_atomic(f.t.path + "/garbage", random_bytes(8192, 2)).has_value());
    expect_refused(import_file(f.store, f.t.path + "/garbage", "garbage"), f.pool, "corrupt or truncated");

    BOOST_REQUIRE(write_file_atomic(f.t.path + "/text", "#mtree\n./etc/shadow type=file contents=/etc/shadow\n").has_value());
    expect_refused(import_file(f.store, f.t.path + "/text", "mtree"), f.pool, "corrupt or truncated");

    BOOST_REQUIRE(write_file_atomic(f.t.path + "/empty", "").has_value());
    expect_refused(import_file(f.store, f.t.path + "/empty", "empty"), f.pool, "tarball is empty");

    auto none = make_tar(f.t.path + "/none.tar", {}, Filter::Gzip);  // a valid archive with no entries
    expect_refused(import_file(f.store, none, "none"), f.pool, "tarball is empty");
}

BOOST_AUTO_TEST_CASE(imports_from_a_pipe)
{
    // berthctl may hand the daemon a pipe (stdin) rather than a file: extraction must stream.
    Fixture f;
    auto content = *read_file(make_tar(f.t.path + "/s.tar.xz", sample_root(), Filter::Xz));
    int fds[2];
    BOOST_REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    UniqueFd read_end(fds[0]);
    std::thread writer([fd = fds[1], &content] {
        for (size_t done = 0; done < content.size();) {
            ssize_t n = write(fd, content.data() + done, std::min<size_t>(content.size() - done, 1000));
            if (n <= 0)
                break;
            done += static_cast<size_t>(n);
        }
        close(fd);
    });
    auto r = f.store.import_tarball(read_end.get(), "streamed");
    writer.join();
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().describe()));
    BOOST_TEST(*read_file(f.store.image_root("streamed") + "/etc/os-release") == "ID=test\n");
}

BOOST_AUTO_TEST_CASE(names_are_checked_first)
{
    Fixture f;
    auto file = make_tar(f.t.path + "/ok.tar", sample_root());
    expect_refused(import_file(f.store, file, "../x"), f.pool, "name");
    BOOST_TEST(!path_exists(f.pool + "/x"));
    BOOST_REQUIRE(import_file(f.store, file, "ok").has_value());
    auto again = import_file(f.store, file, "ok");
    BOOST_REQUIRE(!again.has_value());
    BOOST_TEST((again.error().kind == ErrorKind::AlreadyExists));
    BOOST_TEST(list_dir(f.pool + "/.tmp")->empty());
}

BOOST_AUTO_TEST_SUITE_END()
