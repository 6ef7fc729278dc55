// [[mounts]] in definitions, mount validation and the export archive format names.
#include <boost/test/unit_test.hpp>

#include "core/export_archive.h"
#include "core/mount_spec.h"
#include "core/spec.h"

using namespace berth;

namespace {

ContainerSpec base_spec()
{
    ContainerSpec s;
    s.name = "m1";
    s.image = "busybox";
    s.idmap_base = 524288;
    s.idmap_size = 65536;
    return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mount_spec)

BOOST_AUTO_TEST_CASE(mounts_round_trip_through_toml)
{
    ContainerSpec s = base_spec();
    s.mounts.push_back({MountKind::Bind, "/srv/with \"quote\"", "/mnt/a", true, false, true});
    s.mounts.push_back({MountKind::Volume, "pool1/data", "/var/lib/data", false, true, false});
    auto parsed = parse_spec(spec_to_toml(s), "test");
    BOOST_REQUIRE_MESSAGE(parsed.has_value(), (parsed ? std::string() : parsed.error().describe()));
    BOOST_TEST((parsed->mounts == s.mounts));
    BOOST_TEST((*parsed == s));
}

BOOST_AUTO_TEST_CASE(no_mounts_writes_no_tables)
{
    BOOST_TEST(spec_to_toml(base_spec()).find("[[mounts]]") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_mounts_in_toml_are_refused)
{
    const std::string head = spec_to_toml(base_spec());
    for (const char* bad : {
             "\n[[mounts]]\nsource = \"/a\"\ntarget = \"relative\"\n",
             "\n[[mounts]]\nsource = \"/a\"\ntarget = \"/x/../y\"\n",
             "\n[[mounts]]\nsource = \"/a\"\ntarget = \"/\"\n",
             "\n[[mounts]]\nkind = \"volume\"\nsource = \"novolume\"\ntarget = \"/x\"\n",
             "\n[[mounts]]\nkind = \"nfs\"\nsource = \"/a\"\ntarget = \"/x\"\n",
             "\n[[mounts]]\nsource = \"/a\"\ntarget = \"/x\"\ntypo = true\n",
             "\n[[mounts]]\nsource = \"/a\"\ntarget = \"/x\"\n[[mounts]]\nsource = \"/b\"\ntarget = \"/x/\"\n",
         }) {
        auto parsed = parse_spec(head + bad, "test");
        BOOST_TEST(!parsed.has_value(), "accepted: " << bad);
    }
}

BOOST_AUTO_TEST_CASE(validation_and_normalization)
{
    BOOST_TEST(normalize_mount_path("/a//b/./c/") == "/a/b/c");
    BOOST_TEST(normalize_mount_path("/") == "/");
    BOOST_TEST(!validate_mount_spec({MountKind::Bind, "relative", "/x"}));
    BOOST_TEST(!validate_mount_spec({MountKind::Bind, "/a", "/.."}));
    BOOST_TEST(!validate_mount_spec({MountKind::Volume, "p/../x", "/x"}));
    BOOST_TEST(bool(validate_mount_spec({MountKind::Volume, "p/x", "/x"})));
    std::vector<MountSpec> mounts{{MountKind::Bind, "/a", "/data"}};
    auto taken = check_mount_target_free(mounts, "/data/");
    BOOST_TEST(!taken);
    BOOST_TEST((taken.error().kind == ErrorKind::AlreadyExists));
    BOOST_TEST(bool(check_mount_target_free(mounts, "/data2")));
}

BOOST_AUTO_TEST_CASE(options_field_for_the_supervisor)
{
    BOOST_TEST(mount_options_field({MountKind::Bind, "/a", "/b"}) == "rw");
    BOOST_TEST(mount_options_field({MountKind::Bind, "/a", "/b", true, true, true}) == "ro,idmap,mkdir");
    // Volumes are always idmapped: stored unshifted, seen in each container's own range.
    BOOST_TEST(mount_options_field({MountKind::Volume, "p/v", "/b"}) == "rw,idmap");
}

BOOST_AUTO_TEST_CASE(archive_formats)
{
    BOOST_TEST((*parse_archive_format("tar.zst") == ArchiveFormat::TarZstd));
    BOOST_TEST((*parse_archive_format("tgz") == ArchiveFormat::TarGz));
    BOOST_TEST((*parse_archive_format("tar") == ArchiveFormat::Tar));
    BOOST_TEST(!parse_archive_format("zip"));
}

BOOST_AUTO_TEST_SUITE_END()
