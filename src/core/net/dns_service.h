// DNS and DHCP of networks: one dnsmasq per network, as the transient service berth-dnsmasq-NAME.service
// (systemd restarts it when it fails and keeps it running across berthd restarts), its files under
// RUNTIME_DIR/dnsmasq/NAME, its hosts file rewritten and dnsmasq told (SIGHUP) whenever the network's leases
// change, and the bridge registered with systemd-resolved when that runs. Hooked onto the NetworkManager.
#pragma once

#include <string>

#include "core/net/network.h"
#include "core/unit_manager.h"

namespace berth::net {

class DnsService final : public NetworkObserver {
public:
    DnsService(std::string runtime_dir, UnitManager& units) : runtime_dir_(std::move(runtime_dir)), units_(units) {}

    // Writes the files and starts dnsmasq (a running one from before a berthd restart is reloaded).
    Result<> start(const Network& network);
    // Stops dnsmasq and removes its files. Nothing of it is left when this returns.
    Result<> stop(const std::string& network);
    // Rewrites the hosts files and reloads dnsmasq.
    Result<> update_hosts(const Network& network);

    void network_added(const Network& network) override;
    void network_removed(const std::string& name) override;
    void leases_changed(const Network& network) override;

private:
    std::string runtime_dir_;
    UnitManager& units_;
};

}  // namespace berth::net
