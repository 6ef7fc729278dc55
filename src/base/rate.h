// Network rates: "10M" = 10 Mbit/s. Decimal units as tc and network gear use them (k = 1000), in bits per second.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/error.h"

namespace berth {

// Digits (with an optional fraction) and an optional k/K, M, G or T suffix, optionally followed by "bit" or
// "bit/s" ("10M", "2.5G", "800kbit"); "0", "none" and "off" are 0 (no limit). At least 8 kbit/s unless 0, at
// most 1 Tbit/s.
Result<uint64_t> parse_rate(std::string_view text);
// "10M", "2.5G", "800k", "0" (shortest form, as parse_rate reads back).
std::string format_rate(uint64_t bits_per_second);

}  // namespace berth
