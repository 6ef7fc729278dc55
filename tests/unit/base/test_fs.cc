#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "base/fs.h"
#include "temp_dir.h"

using namespace berth;

namespace {
using testing::TempDir;
}  // namespace

BOOST_AUTO_TEST_SUITE(fs)

BOOST_AUTO_TEST_CASE(atomic_write_replaces_and_leaves_no_temp)
{
    TempDir t;
    const std::string file = t.path + "/a.toml";
    BOOST_REQUIRE(write_file_atomic(file, "one").has_value());
    BOOST_REQUIRE(write_file_atomic(file, "two").has_value());
    BOOST_TEST(*read_file(file) == "two");
    BOOST_TEST(list_dir(t.path)->size() == 1u);
}

BOOST_AUTO_TEST_CASE(volatile_atomic_write_is_the_same_for_readers)
{
    // Volatile only skips the fsyncs: content, mode and the rename over the old file are the same.
    TempDir t;
    const std::string file = t.path + "/v.toml";
    BOOST_REQUIRE(write_file_atomic(file, "one", 0600, Durability::Volatile).has_value());
    BOOST_REQUIRE(write_file_atomic(file, "two", 0600, Durability::Volatile).has_value());
    BOOST_TEST(*read_file(file) == "two");
    BOOST_TEST(list_dir(t.path)->size() == 1u);
    struct stat st {};
    BOOST_TEST_REQUIRE(stat(file.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 07777) == 0600u);
}

BOOST_AUTO_TEST_CASE(make_dirs_and_remove_tree)
{
    TempDir t;
    BOOST_REQUIRE(make_dirs(t.path + "/a/b/c").has_value());
    BOOST_REQUIRE(write_file_atomic(t.path + "/a/b/c/f", "x").has_value());
    BOOST_REQUIRE(symlink("/etc/passwd", (t.path + "/a/link").c_str()) == 0);
    BOOST_REQUIRE(remove_tree(t.path + "/a").has_value());
    BOOST_TEST(!path_exists(t.path + "/a"));
    BOOST_TEST(path_exists("/etc/passwd"));
    BOOST_TEST(remove_tree(t.path + "/missing").has_value());
}

BOOST_AUTO_TEST_CASE(copy_tree_keeps_links_and_modes)
{
    TempDir t;
    BOOST_REQUIRE(make_dirs(t.path + "/src/bin").has_value());
    BOOST_REQUIRE(write_file_atomic(t.path + "/src/bin/tool", "#!/bin/sh\n", 0755).has_value());
    BOOST_REQUIRE(symlink("tool", (t.path + "/src/bin/alias").c_str()) == 0);
    BOOST_REQUIRE(copy_tree(t.path + "/src", t.path + "/dst").has_value());
    BOOST_TEST(*read_file(t.path + "/dst/bin/tool") == "#!/bin/sh\n");
    struct stat st;
    BOOST_REQUIRE(stat((t.path + "/dst/bin/tool").c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0755u);
    char buf[16] = {};
    BOOST_TEST(readlink((t.path + "/dst/bin/alias").c_str(), buf, sizeof buf - 1) == 4);
    BOOST_TEST(std::string(buf) == "tool");
    BOOST_TEST(*tree_disk_usage(t.path + "/dst") > 0u);
}

BOOST_AUTO_TEST_CASE(read_missing_file_names_it)
{
    auto r = read_file("/nonexistent/berth");
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().code == ENOENT);
    BOOST_TEST(r.error().describe().find("/nonexistent/berth") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
