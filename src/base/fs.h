// File system helpers used across layers. All fds are O_CLOEXEC.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"

namespace berth {

Result<std::string> read_file(const std::string& path);
// Everything readable from `fd` until end of file or an error (EINTR retried): a child's report pipe.
std::string read_to_end(int fd);
// Whether a write must survive a power loss (fsync) or only a crash of the writer (the page cache keeps it).
enum class Durability { Durable, Volatile };
// Write to PATH.tmp.XXXXXX, fsync, rename over PATH, fsync the directory: readers see the old or the new file.
// Volatile skips both fsyncs, for files whose loss at a power cut does no harm (what they describe is gone too).
Result<> write_file_atomic(const std::string& path, std::string_view content, mode_t mode = 0644,
                           Durability durability = Durability::Durable);
// mkdir -p; existing directories are fine.
Result<> make_dirs(const std::string& path, mode_t mode = 0755);
// rm -rf without following symlinks and without crossing into other mounts; a missing path is fine.
Result<> remove_tree(const std::string& path);
bool path_exists(const std::string& path);
Result<UniqueFd> open_dir(const std::string& path);
// Names in a directory (no "." or ".."), sorted.
Result<std::vector<std::string>> list_dir(const std::string& path);
// The same for a directory open at dirfd (the caller keeps its fd); `shown` names it in errors.
Result<std::vector<std::string>> list_dir_at(int dirfd, const std::string& shown);
// Copy a tree (regular files, dirs, symlinks, device nodes, fifos) keeping owners, modes, times and xattrs.
Result<> copy_tree(const std::string& from, const std::string& to);
// The same into the existing directory `to` (e.g. a fresh btrfs subvolume), which takes from's owner and mode.
Result<> copy_tree_into(const std::string& from, const std::string& to);
// Total bytes of regular files below path (st_blocks based), without crossing mounts.
Result<uint64_t> tree_disk_usage(const std::string& path);

}  // namespace berth
