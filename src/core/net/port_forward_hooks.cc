#include "core/net/port_forward_hooks.h"

#include <cstdio>

#include "core/net/traffic_control.h"

namespace berth::net {

void PortForwardHooks::sync(const std::string& why)
{
    if (auto r = manager_.sync_port_forwards(); !r)
        std::fprintf(stderr, "berthd: port forwards (%s): %s\n", why.c_str(), r.error().describe().c_str());
}

void PortForwardHooks::network_removed(const std::string& name) { sync("network " + name + " removed"); }

void PortForwardHooks::leases_changed(const Network& network) { sync("leases of " + network.name() + " changed"); }

void PortForwardHooks::interface_up(const Network& network, const Lease& lease, pid_t)
{
    const Container* c = manager_.find(lease.container);
    if (c && !c->spec.port_forwards.empty())
        sync("container " + lease.container + " up on " + network.name());
    if (auto r = manager_.apply_net_rate(lease.container, true); !r)
        std::fprintf(stderr, "berthd: container %s: %s\n", lease.container.c_str(), r.error().describe().c_str());
}

void PortForwardHooks::interface_down(const Network&, const Lease& lease)
{
    if (auto r = remove_net_rate(lease.host_ifname); !r)
        std::fprintf(stderr, "berthd: container %s: %s\n", lease.container.c_str(), r.error().describe().c_str());
}

}  // namespace berth::net
