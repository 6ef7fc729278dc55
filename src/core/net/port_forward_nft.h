// Applies the port forward ruleset to the kernel through libnftables, and the one sysctl the loopback path needs.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "core/net/port_forward.h"

namespace berth {

// Runs an nft script as one transaction (all or nothing). The error carries libnftables' own message.
Result<> run_nft_script(const std::string& script);

// Replaces berth's port forward table with `targets`' forwards (deletes it when there are none) and sets
// net.ipv4.conf.BRIDGE.route_localnet=1 on each bridge that has a forward, so 127.0.0.1 can reach containers.
Result<> apply_port_forwards(const std::vector<ForwardTarget>& targets);

}  // namespace berth
