// Human sizes: "512M", "2G", "1048576", "infinity" <-> bytes (powers of 1024).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "base/error.h"

namespace berth {

inline constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();

// Accepts digits with an optional K/M/G/T suffix (optionally followed by "iB" or "B"), or "infinity"/"max".
Result<uint64_t> parse_size(std::string_view text);
// "64M", "1.5G", "infinity"
std::string format_size(uint64_t bytes);

}  // namespace berth
