// Loop-backed file systems for pools given a --size: create the image file, format it, attach it to a free loop
// device (LOOP_CTL_GET_FREE + LOOP_CONFIGURE with LO_FLAGS_AUTOCLEAR, so the device goes away with the last
// unmount and nothing leaks) and mount it.
#pragma once

#include <cstdint>
#include <string>

#include "base/error.h"

namespace berth::loopdev {

// A sparse file of `size` bytes formatted as btrfs by mkfs.btrfs (there is no library for mkfs). The file must
// not exist; it is removed again on failure.
Result<> create_btrfs_image(const std::string& image, uint64_t size);
// Attach `image` to a free loop device and mount it on `target` (btrfs, `options`). The loop device detaches
// itself when the file system is unmounted.
Result<> mount_image(const std::string& image, const std::string& target, const std::string& options);
// `path` is a mount point (its device differs from its parent's).
bool is_mount_point(const std::string& path);

}  // namespace berth::loopdev
