// What a container mounts at every start besides its root: host directories (binds) and custom volumes.
// Part of the container's definition ([[mounts]] in its TOML file, berth.container(5)).
#pragma once

#include <string>
#include <vector>

#include "base/enum_table.h"
#include "base/error.h"

namespace berth {

enum class MountKind { Bind, Volume };
inline constexpr EnumTable<MountKind, 2> kMountKindTable{{
    {MountKind::Bind, "bind"},
    {MountKind::Volume, "volume"},
}};

struct MountSpec {
    MountKind kind = MountKind::Bind;
    std::string source;      // bind: absolute host path; volume: "POOL/NAME"
    std::string target;      // absolute path inside the container
    bool read_only = false;
    // Binds: false (the default) shows host ids as they are (host root's files are nobody's inside); true maps
    // the host's 0.. onto the container's root. Volumes are always idmapped (stored unshifted).
    bool idmap = false;
    bool mkdir = false;      // create the target inside the container when missing

    bool operator==(const MountSpec&) const = default;
};

// Absolute paths without "..", no NUL, not "/" as target; a volume source is "POOL/NAME" with valid names.
Result<> validate_mount_spec(const MountSpec& mount);
// A second mount on the same target is refused.
Result<> check_mount_target_free(const std::vector<MountSpec>& mounts, const std::string& target);
// "/a//b/" -> "/a/b"
std::string normalize_mount_path(const std::string& path);
// The options field of the spawn protocol (spawn/mounts.h): "rw" or a comma list of ro, idmap, mkdir.
std::string mount_options_field(const MountSpec& mount);

// [[mounts]] tables for spec_to_toml; empty when there are none.
std::string mounts_to_toml(const std::vector<MountSpec>& mounts);

}  // namespace berth
