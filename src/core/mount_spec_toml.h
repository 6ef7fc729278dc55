// The [[mounts]] reader on a parsed TOML node, for spec.cc. Internal to src/core (keeps toml++ out of headers).
#pragma once

#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "base/error.h"
#include "core/mount_spec.h"

namespace berth {

// `node` is the value of "mounts" (an array of tables). Entries are checked with validate_mount_spec; two on one
// target are refused.
Result<std::vector<MountSpec>> read_mounts(const toml::node& node, std::string_view origin);

}  // namespace berth
