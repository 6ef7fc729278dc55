// Port forwards and bandwidth limits of containers (netsvc): forwards are kept in the definition and turned into
// berth's nftables table from every container's forwards and leases at once; rates go to tc on the host end of
// the container's veths whenever they come up or the limit changes.
#include "core/manager.h"

#include <algorithm>

#include "core/net/network.h"
#include "core/net/port_forward_nft.h"
#include "core/net/traffic_control.h"

namespace berth {

namespace {

std::string port_key_text(uint16_t port, PortProtocol proto)
{
    return std::to_string(port) + "/" + std::string(kPortProtocolTable.to_string(proto));
}

}  // namespace

Result<PortForward> Manager::add_port_forward(const std::string& name, const std::string& text)
{
    auto* c = BERTH_TRY(lookup(name));
    const std::string what = "add port forward to container " + name;
    const PortForward forward = BERTH_TRY(parse_port_forward(text));
    if (forward.host_address == "::1")
        return fail(ErrorKind::NotSupported,
                    what + ": ::1 cannot be forwarded (Linux never routes IPv6 loopback traffic to another "
                           "interface); use 127.0.0.1, another host address, or no address");
    if (c->spec.networks.empty() || !deps_.networks)
        return fail(ErrorKind::InvalidState, what + ": the container has no network (it was created with "
                                                    "--network none); attach one with 'berthctl network attach'");
    for (const Container* other : containers()) {
        for (const auto& f : other->spec.port_forwards) {
            if (forwards_clash(f, forward))
                return fail(ErrorKind::AlreadyExists,
                            what + ": host port " + port_key_text(f.host_port, f.protocol) +
                                " is already forwarded to container " + other->spec.name + " (" +
                                format_port_forward(f) + ")");
        }
    }
    ContainerSpec updated = c->spec;
    updated.port_forwards.push_back(forward);
    BERTH_TRY(deps_.store.save(updated));
    const ContainerSpec previous = std::exchange(c->spec, std::move(updated));
    if (auto r = sync_port_forwards(); !r) {
        // Nothing half-made: the definition goes back to what it was.
        c->spec = previous;
        (void)deps_.store.save(previous);
        (void)sync_port_forwards();
        return fail(std::move(r).error().context(what));
    }
    notify_changed(*c, {"PortForwards"});
    return forward;
}

Result<> Manager::remove_port_forward(const std::string& name, const std::string& port)
{
    auto* c = BERTH_TRY(lookup(name));
    const auto [host_port, proto] = BERTH_TRY(parse_port_key(port));
    ContainerSpec updated = c->spec;
    const size_t removed = std::erase_if(updated.port_forwards, [&](const PortForward& f) {
        return f.host_port == host_port && f.protocol == proto;
    });
    if (removed == 0)
        return fail(ErrorKind::InvalidArgument, "container '" + name + "' has no forward of host port " +
                                                    port_key_text(host_port, proto) + " (see 'berthctl port list " +
                                                    name + "')");
    BERTH_TRY(deps_.store.save(updated));
    c->spec = std::move(updated);
    BERTH_TRY(sync_port_forwards().map_error(
        [&](Error e) { return std::move(e).context("remove port forward from container " + name); }));
    notify_changed(*c, {"PortForwards"});
    return {};
}

Result<> Manager::sync_port_forwards()
{
    std::vector<ForwardTarget> targets;
    if (deps_.networks) {
        for (const Container* c : containers()) {
            if (c->spec.port_forwards.empty())
                continue;
            // Forwards go to the container's address on its first network that has a lease.
            for (const auto& network : c->spec.networks) {
                const net::Lease* lease = deps_.networks->lease(c->spec.name, network);
                if (!lease)
                    continue;
                ForwardTarget t;
                t.container = c->spec.name;
                t.bridge = network;   // a network's bridge carries its name
                if (lease->ipv4)
                    t.address4 = lease->ipv4->to_string();
                if (lease->ipv6)
                    t.address6 = lease->ipv6->to_string();
                t.forwards = c->spec.port_forwards;
                targets.push_back(std::move(t));
                break;
            }
        }
    }
    return apply_port_forwards(targets);
}

Result<> Manager::apply_net_rate(const std::string& name, bool fresh_interface)
{
    const Container* c = find(name);
    if (!c || !deps_.networks || !c->active())
        return {};
    const NetRate rate{c->spec.limits.net_rate_in, c->spec.limits.net_rate_out};
    if (fresh_interface && rate == NetRate{})
        return {};   // a new veth has no qdisc of ours to remove
    for (const auto& network : c->spec.networks) {
        const net::Lease* lease = deps_.networks->lease(name, network);
        if (lease && !lease->host_ifname.empty())
            BERTH_TRY(berth::apply_net_rate(lease->host_ifname, rate));
    }
    return {};
}

}  // namespace berth
