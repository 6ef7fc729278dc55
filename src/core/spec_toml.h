// The spec reader on a parsed TOML table, for the definition loader (profiles and `berthctl apply` files).
// Internal to src/core: it keeps toml++ out of the public headers.
#pragma once

#include <string_view>

#include <toml++/toml.h>

#include "base/error.h"
#include "core/spec.h"

namespace berth {

// Reads `doc` as a layer over `base`: every key optional, keys present replace what `base` has ([limits] keys one
// by one), unknown keys refused. Errors name "<origin>:<line>:<col>" and the key.
Result<ContainerSpec> read_spec_layer(const toml::table& doc, std::string_view origin, const ContainerSpec& base);

}  // namespace berth
