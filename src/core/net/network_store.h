// A network and its leases as TOML (STATE_DIR/networks/NAME.toml). Internal to the NetworkManager.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"
#include "core/net/network.h"

namespace berth::net {

std::string network_to_toml(const Network& network);
// Checks every field (name, subnets, lease addresses inside the subnets, unique indexes).
Result<Network> parse_network(std::string_view text, std::string_view origin);

}  // namespace berth::net
