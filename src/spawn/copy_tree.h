// berth-copy's work once it stands in the container (or before its stopped root): a tar stream into a tree
// (copy-to) or a tree into a tar stream (copy-from), every path resolved inside the root.
#pragma once

#include <cstdint>
#include <string>

#include "base/error.h"

namespace berth::copy {

struct Target {
    int root = -1;            // the container's root directory (O_PATH)
    uint32_t id_shift = 0;    // on-disk id = container id + id_shift
    uint32_t id_count = 65536;
    bool keep_ids = false;    // copy-to: the archive's uid/gid inside; otherwise 0:0
};

// Opens `path` (absolute, inside the root) with openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS.
Result<int> open_in_root(const Target& target, const std::string& path, int flags);

Result<> copy_in(const Target& target, const std::string& path, int data_fd);
Result<> copy_out(const Target& target, const std::string& path, int data_fd);

}  // namespace berth::copy
