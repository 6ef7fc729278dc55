// berth's nftables rules, through libnftables. berth owns exactly one table, `table inet berth`, and touches
// nothing else: per network it accepts forwarded traffic from the bridge and replies to it (so bridged and routed
// container traffic passes berth's own forward chain), and masquerades traffic of NAT networks that leaves
// through another interface. Another tool's table that drops forwarded traffic still drops it (nftables runs
// every base chain); berth never edits foreign tables, see berthd(8).
// The table is rewritten whole in one transaction each time (add; delete; define), and deleted with the last
// network.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "core/net/network.h"

namespace berth::net {

inline constexpr const char* kFirewallTable = "berth";

// The ruleset text for these networks (empty list: the commands that delete the table). Pure, for unit tests.
std::string firewall_ruleset(const std::vector<const Network*>& networks);

// Applies firewall_ruleset() through an nft_ctx.
Result<> apply_firewall(const std::vector<const Network*>& networks);

}  // namespace berth::net
