#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include "base/fs.h"
#include "core/state_store.h"

using namespace berth;

namespace {

// A fresh state directory under /tmp, removed with everything in it at the end of the test.
struct TempStateDir {
    std::string path;
    TempStateDir()
    {
        char buf[] = "/tmp/berth-test-state-XXXXXX";
        BOOST_TEST_REQUIRE(mkdtemp(buf) != nullptr);
        path = buf;
    }
    ~TempStateDir() { (void)remove_tree(path); }
};

ContainerSpec spec_named(const std::string& name, uint32_t base = 524288)
{
    ContainerSpec s;
    s.name = name;
    s.image = "busybox";
    s.idmap_base = base;
    s.idmap_size = 65536;
    s.created_at = 42;
    s.environment = {"SECRET=x"};
    return s;
}

mode_t mode_of(const std::string& path)
{
    struct stat st {};
    BOOST_TEST_REQUIRE(stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(state_store)

BOOST_AUTO_TEST_CASE(save_load_remove)
{
    TempStateDir tmp;
    StateStore store(tmp.path);
    BOOST_TEST_REQUIRE(store.init().has_value());
    BOOST_TEST(mode_of(tmp.path + "/containers") == 0700u);
    BOOST_TEST(store.path_of("web") == tmp.path + "/containers/web.toml");

    ContainerSpec b = spec_named("b", 524288 + 65536);
    b.mode = ContainerMode::Command;
    b.command = {"/bin/sh", "-c", "echo \"x\"\n"};
    const ContainerSpec a = spec_named("a");
    BOOST_TEST_REQUIRE(store.save(b).has_value());
    BOOST_TEST_REQUIRE(store.save(a).has_value());
    BOOST_TEST(mode_of(store.path_of("a")) == 0600u);

    std::vector<std::string> broken;
    auto all = store.load_all(&broken);
    BOOST_TEST_REQUIRE(all.has_value(), all.error().message);
    BOOST_TEST(broken.empty());
    BOOST_TEST_REQUIRE(all->size() == 2u);
    BOOST_TEST(((*all)[0] == a));
    BOOST_TEST(((*all)[1] == b));

    // Overwrite in place.
    b.last_exit_status = 3;
    BOOST_TEST_REQUIRE(store.save(b).has_value());
    BOOST_TEST((*store.load_all())[1].last_exit_status == 3);

    BOOST_TEST(store.remove("a").has_value());
    BOOST_TEST(!path_exists(store.path_of("a")));
    BOOST_TEST(store.remove("a").has_value());  // already gone is fine
    BOOST_TEST(store.load_all()->size() == 1u);
}

BOOST_AUTO_TEST_CASE(run_rm_definitions_are_volatile)
{
    // Only an ephemeral container that removes itself may lose its definition at a power cut.
    ContainerSpec spec = spec_named("r");
    BOOST_TEST((durability_of(spec) == Durability::Durable));
    spec.ephemeral = true;
    BOOST_TEST((durability_of(spec) == Durability::Durable));
    spec.auto_remove = true;
    BOOST_TEST((durability_of(spec) == Durability::Volatile));
    spec.ephemeral = false;
    BOOST_TEST((durability_of(spec) == Durability::Durable));

    TempStateDir tmp;
    StateStore store(tmp.path);
    BOOST_TEST_REQUIRE(store.init().has_value());
    spec.ephemeral = true;
    BOOST_TEST_REQUIRE(store.save(spec).has_value());
    BOOST_TEST_REQUIRE(store.load_all()->size() == 1u);
    BOOST_TEST(((*store.load_all())[0] == spec));
    BOOST_TEST(store.remove("r", Durability::Volatile).has_value());
    BOOST_TEST(!path_exists(store.path_of("r")));
}

BOOST_AUTO_TEST_CASE(init_is_idempotent_and_tightens_mode)
{
    TempStateDir tmp;
    BOOST_TEST_REQUIRE(make_dirs(tmp.path + "/containers", 0755).has_value());
    BOOST_TEST_REQUIRE(chmod((tmp.path + "/containers").c_str(), 0755) == 0);
    StateStore store(tmp.path);
    BOOST_TEST(store.init().has_value());
    BOOST_TEST(store.init().has_value());
    BOOST_TEST(mode_of(tmp.path + "/containers") == 0700u);
}

BOOST_AUTO_TEST_CASE(missing_directory_is_empty)
{
    TempStateDir tmp;
    StateStore store(tmp.path + "/never-created");
    auto all = store.load_all();
    BOOST_TEST_REQUIRE(all.has_value());
    BOOST_TEST(all->empty());
}

BOOST_AUTO_TEST_CASE(broken_files_are_reported_not_fatal)
{
    TempStateDir tmp;
    StateStore store(tmp.path);
    BOOST_TEST_REQUIRE(store.init().has_value());
    const std::string dir = tmp.path + "/containers";
    BOOST_TEST_REQUIRE(store.save(spec_named("good")).has_value());
    // A definition under the wrong file name, a syntax error, a truncated file, an unknown key, a stray file.
    BOOST_TEST_REQUIRE(write_file_atomic(dir + "/other.toml", spec_to_toml(spec_named("good2", 1 << 20))).has_value());
    BOOST_TEST_REQUIRE(write_file_atomic(dir + "/syntax.toml", "name = \n").has_value());
    const std::string full = spec_to_toml(spec_named("trunc", 1 << 21));
    BOOST_TEST_REQUIRE(write_file_atomic(dir + "/trunc.toml", full.substr(0, full.find("[idmap]") + 3)).has_value());
    BOOST_TEST_REQUIRE(
        write_file_atomic(dir + "/typo.toml", spec_to_toml(spec_named("typo", 1 << 22)) + "colour = 1\n").has_value());
    BOOST_TEST_REQUIRE(write_file_atomic(dir + "/README", "hello").has_value());

    std::vector<std::string> broken;
    auto all = store.load_all(&broken);
    BOOST_TEST_REQUIRE(all.has_value(), all.error().message);
    BOOST_TEST_REQUIRE(all->size() == 1u);
    BOOST_TEST((*all)[0].name == "good");
    BOOST_TEST_REQUIRE(broken.size() == 5u);
    auto reported = [&](const std::string& file, const std::string& needle) {
        for (const auto& b : broken)
            if (b.rfind(dir + "/" + file, 0) == 0 && b.find(needle) != std::string::npos)
                return true;
        return false;
    };
    BOOST_TEST(reported("other.toml", "'good2'"));
    BOOST_TEST(reported("syntax.toml", "syntax.toml:1:"));
    BOOST_TEST(reported("trunc.toml", "trunc.toml"));
    BOOST_TEST(reported("typo.toml", "unknown key '"));
    BOOST_TEST(reported("typo.toml", ".colour'"));  // appended to the file's last table
    BOOST_TEST(reported("README", "NAME.toml"));
    // Without a `broken` vector the good ones still load.
    BOOST_TEST(store.load_all()->size() == 1u);
}

BOOST_AUTO_TEST_CASE(temporary_leftovers_are_deleted)
{
    TempStateDir tmp;
    StateStore store(tmp.path);
    BOOST_TEST_REQUIRE(store.init().has_value());
    const std::string dir = tmp.path + "/containers";
    BOOST_TEST_REQUIRE(store.save(spec_named("a")).has_value());
    BOOST_TEST_REQUIRE(write_file_atomic(dir + "/a.toml.tmp.123456", "name = \"half").has_value());
    BOOST_TEST_REQUIRE(write_file_atomic(dir + "/b.toml.tmp.9", "").has_value());
    std::vector<std::string> broken;
    auto all = store.load_all(&broken);
    BOOST_TEST_REQUIRE(all.has_value());
    BOOST_TEST(all->size() == 1u);
    BOOST_TEST(broken.empty());
    BOOST_TEST(!path_exists(dir + "/a.toml.tmp.123456"));
    BOOST_TEST(!path_exists(dir + "/b.toml.tmp.9"));
    BOOST_TEST((*list_dir(dir) == std::vector<std::string>{"a.toml"}));
}

BOOST_AUTO_TEST_CASE(sorted_by_name_not_file_name)
{
    TempStateDir tmp;
    StateStore store(tmp.path);
    BOOST_TEST_REQUIRE(store.init().has_value());
    // "a-b.toml" sorts before "a.toml" as a file name, but "a" sorts before "a-b" as a name.
    BOOST_TEST_REQUIRE(store.save(spec_named("a-b", 1 << 20)).has_value());
    BOOST_TEST_REQUIRE(store.save(spec_named("a")).has_value());
    BOOST_TEST_REQUIRE(store.save(spec_named("B", 1 << 21)).has_value());
    auto all = store.load_all();
    BOOST_TEST_REQUIRE(all.has_value());
    BOOST_TEST_REQUIRE(all->size() == 3u);
    BOOST_TEST((*all)[0].name == "B");
    BOOST_TEST((*all)[1].name == "a");
    BOOST_TEST((*all)[2].name == "a-b");
}

BOOST_AUTO_TEST_CASE(refuses_names_that_leave_the_directory)
{
    TempStateDir tmp;
    StateStore store(tmp.path);
    BOOST_TEST_REQUIRE(store.init().has_value());
    ContainerSpec evil = spec_named("x");
    evil.name = "../escape";
    auto r = store.save(evil);
    BOOST_TEST_REQUIRE(!r.has_value());
    BOOST_TEST((r.error().kind == ErrorKind::InvalidArgument));
    BOOST_TEST(!path_exists(tmp.path + "/escape.toml"));
    BOOST_TEST(!store.remove("../containers").has_value());
    BOOST_TEST(!store.remove("").has_value());
}

BOOST_AUTO_TEST_CASE(unwritable_directory_is_an_error)
{
    if (geteuid() == 0) {
        BOOST_TEST_MESSAGE("running as root: permission checks do not apply; skipping");
        return;
    }
    TempStateDir tmp;
    StateStore store(tmp.path);
    BOOST_TEST_REQUIRE(store.init().has_value());
    BOOST_TEST_REQUIRE(chmod((tmp.path + "/containers").c_str(), 0500) == 0);
    auto r = store.save(spec_named("a"));
    BOOST_TEST(!r.has_value());
    BOOST_TEST(r.error().message.find("container a") != std::string::npos, r.error().message);
    BOOST_TEST_REQUIRE(chmod((tmp.path + "/containers").c_str(), 0700) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
