// The real NetworkHost: bridges and their gateway addresses by netlink, routes read from /proc/net, forwarding
// sysctls, and berth's nftables table. Acts on berthd's own network namespace.
#pragma once

#include "core/net/network.h"

namespace berth::net {

class KernelNetworkHost final : public NetworkHost {
public:
    Result<> ensure_bridge(const Network& network) override;
    Result<> delete_bridge(const std::string& name) override;
    Result<> delete_link(const std::string& ifname) override;
    bool interface_exists(const std::string& ifname) override;
    std::vector<Cidr> host_routes() override;
    Result<> sync_firewall(const std::vector<const Network*>& networks) override;
    Result<> enable_forwarding() override;
};

}  // namespace berth::net
