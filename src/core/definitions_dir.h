// The definitions directory (/etc/berth/containers/*.toml), applied when berthd starts.
#pragma once

#include <string>
#include <vector>

#include "core/manager.h"

namespace berth {

// Applies every NAME.toml in `dir` (sorted by file name) as `berthctl apply` would; a broken file is reported and
// skipped, never fatal. Returns one log line per file. An absent directory (or "") gives nothing.
std::vector<std::string> apply_definitions_dir(Manager& manager, const std::string& dir);

}  // namespace berth
