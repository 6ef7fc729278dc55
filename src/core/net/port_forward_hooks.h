// Keeps the per-container network services in step with the NetworkManager's events: the port forward table
// follows every lease change (a container created or removed, a network removed) and every interface that comes
// up (its container may have been defined with forwards), and a container's bandwidth limit is put on each of its
// veths when it comes up (a start, a guest reboot, a hot-plug attach).
#pragma once

#include "core/manager.h"
#include "core/net/network.h"

namespace berth::net {

class PortForwardHooks final : public NetworkObserver {
public:
    explicit PortForwardHooks(Manager& manager) : manager_(manager) {}

    void network_removed(const std::string& name) override;
    void leases_changed(const Network& network) override;
    void interface_up(const Network& network, const Lease& lease, pid_t leader) override;
    // The veth is gone: so is the ifb device of its rate limit.
    void interface_down(const Network& network, const Lease& lease) override;

private:
    void sync(const std::string& why);
    Manager& manager_;
};

}  // namespace berth::net
