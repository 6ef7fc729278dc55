// Thin Result<> wrappers over the btrfs ioctls berth uses (<linux/btrfs.h>); no `btrfs` program is run.
#pragma once

#include <cstdint>
#include <string>

#include "base/error.h"

namespace berth::btrfs {

// statfs magic of `path` is BTRFS_SUPER_MAGIC.
bool is_btrfs(const std::string& path);
// `path` is the root of a subvolume (inode 256 on btrfs).
bool is_subvolume(const std::string& path);
// A new empty subvolume at `path` (its parent directory must exist).
Result<> create_subvolume(const std::string& path);
// A snapshot of subvolume `from` at `to`; read-only when asked (BTRFS_SUBVOL_RDONLY).
Result<> snapshot(const std::string& from, const std::string& to, bool read_only);
// Delete the subvolume at `path` (also a read-only one, also non-empty).
Result<> delete_subvolume(const std::string& path);
Result<> set_read_only(const std::string& path, bool read_only);
Result<bool> read_only(const std::string& path);
// Enable quota accounting on the file system holding `path` (a no-op when already on).
Result<> enable_quota(const std::string& path);
// Limit the referenced bytes of the subvolume at `path` (its own qgroup 0/ID); 0 = no limit.
Result<> limit_subvolume(const std::string& path, uint64_t bytes);

}  // namespace berth::btrfs
