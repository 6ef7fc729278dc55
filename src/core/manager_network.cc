// Networking of containers: the default network at create, leases for the container's lifetime, the net= fields
// of START, interface events for the network services, and hot-plug attach/detach through the supervisor.
#include "core/manager.h"

#include <algorithm>

#include "base/reverter.h"
#include "core/manager_internal.h"
#include "core/net/network.h"
#include "core/supervisor_client.h"

namespace berth {

using namespace manager_detail;

namespace {

Result<> ask_supervisor(const std::string& runtime_dir, const std::vector<std::string>& fields,
                        const std::string& what)
{
    auto conn = BERTH_TRY(connect_supervisor(runtime_dir));
    BERTH_TRY(send_message(conn.get(), fields));
    auto reply = BERTH_TRY(receive_message_within(conn.get(), kReplyTimeoutMs));
    if (reply.verb() != sp::kOk)
        return fail(error_from_failed(reply, what));
    return {};
}

std::string ifname_for(size_t position) { return "eth" + std::to_string(position); }

}  // namespace

void Manager::default_network(ContainerSpec& spec, const Settings& settings) const
{
    // A berthd whose default network could not be made (it logged why) still creates containers, offline.
    if (!settings.count("Network") && deps_.networks && deps_.networks->find(deps_.networks->default_network()))
        spec.networks = {deps_.networks->default_network()};
}

Result<> Manager::acquire_leases(const ContainerSpec& spec)
{
    if (spec.networks.empty())
        return {};
    if (!deps_.networks)
        return fail(ErrorKind::NotSupported, "networks are not available in this berthd");
    Reverter revert;
    for (size_t i = 0; i < spec.networks.size(); ++i) {
        const std::string& network = spec.networks[i];
        if (std::count(spec.networks.begin(), spec.networks.end(), network) > 1)
            return fail(ErrorKind::InvalidArgument, "network " + network + " is given more than once");
        BERTH_TRY(deps_.networks->acquire(spec.name, network, ifname_for(i), durability_of(spec)));
        revert.add([this, name = spec.name, network] { (void)deps_.networks->release(name, network); });
    }
    revert.success();
    return {};
}

void Manager::release_leases(const std::string& name)
{
    if (deps_.networks)
        deps_.networks->release_all(name);
}

std::vector<std::string> Manager::network_fields(const ContainerSpec& spec) const
{
    std::vector<std::string> out;
    if (!deps_.networks)
        return out;
    for (const auto& name : spec.networks) {
        const net::Network* network = deps_.networks->find(name);
        const net::Lease* lease = deps_.networks->lease(spec.name, name);
        if (network && lease)
            out.push_back(net::start_field(*network, *lease));
        else
            fprintf(stderr, "berthd: container %s: network %s or its lease is gone; starting without it\n",
                    spec.name.c_str(), name.c_str());
    }
    return out;
}

void Manager::networks_up(const Container& c)
{
    if (deps_.networks)
        for (const auto& name : c.spec.networks)
            deps_.networks->interface_up(c.spec.name, name, c.leader);
}

void Manager::networks_down(const Container& c)
{
    if (deps_.networks)
        for (const auto& name : c.spec.networks)
            deps_.networks->interface_down(c.spec.name, name);
}

Result<> Manager::attach_network(const std::string& name, const std::string& network)
{
    auto* c = BERTH_TRY(lookup(name));
    if (!deps_.networks)
        return fail(ErrorKind::NotSupported, "networks are not available in this berthd");
    if (c->state == ContainerState::Starting || c->state == ContainerState::Stopping)
        return fail(ErrorKind::Busy, "container '" + name + "' is " +
                                         std::string(kContainerStateTable.to_string(c->state)) + "; try again");
    if (std::count(c->spec.networks.begin(), c->spec.networks.end(), network))
        return fail(ErrorKind::AlreadyExists, "container '" + name + "' is already attached to network " + network);
    const net::Network* n = deps_.networks->find(network);
    if (!n)
        return fail(ErrorKind::InvalidArgument, "no network named '" + network + "' (see 'berthctl network list')");
    // The next free ethN inside the container.
    size_t position = 0;
    for (;; ++position) {
        bool used = false;
        for (const auto& other : c->spec.networks)
            if (const auto* l = deps_.networks->lease(name, other); l && l->ifname == ifname_for(position))
                used = true;
        if (!used)
            break;
    }
    Reverter revert;
    const net::Lease lease = BERTH_TRY(deps_.networks->acquire(name, network, ifname_for(position)));
    revert.add([this, name, network] { (void)deps_.networks->release(name, network); });
    const bool running = c->state == ContainerState::Running;
    if (running) {
        BERTH_TRY(ask_supervisor(runtime_dir(name), {std::string(sp::kNetAttach), "net=" + net::start_field(*n, lease)},
                                 "attach container " + name + " to network " + network));
        revert.add([this, name, host = lease.host_ifname] {
            (void)ask_supervisor(runtime_dir(name), {std::string(sp::kNetDetach), "host=" + host}, "undo attach");
        });
    }
    ContainerSpec updated = c->spec;
    updated.networks.push_back(network);
    BERTH_TRY(deps_.store.save(updated));
    revert.success();
    c->spec = std::move(updated);
    if (running)
        deps_.networks->interface_up(name, network, c->leader);
    notify_changed(*c, {"Networks"});
    return {};
}

Result<> Manager::detach_network(const std::string& name, const std::string& network)
{
    auto* c = BERTH_TRY(lookup(name));
    if (!deps_.networks)
        return fail(ErrorKind::NotSupported, "networks are not available in this berthd");
    if (c->state == ContainerState::Starting || c->state == ContainerState::Stopping)
        return fail(ErrorKind::Busy, "container '" + name + "' is " +
                                         std::string(kContainerStateTable.to_string(c->state)) + "; try again");
    auto it = std::find(c->spec.networks.begin(), c->spec.networks.end(), network);
    if (it == c->spec.networks.end())
        return fail(ErrorKind::InvalidArgument, "container '" + name + "' is not attached to network " + network);
    ContainerSpec updated = c->spec;
    updated.networks.erase(updated.networks.begin() + (it - c->spec.networks.begin()));
    BERTH_TRY(deps_.store.save(updated));
    if (c->state == ContainerState::Running) {
        deps_.networks->interface_down(name, network);
        const std::string host = net::NetworkManager::host_veth_name(name, network);
        if (auto r = ask_supervisor(runtime_dir(name), {std::string(sp::kNetDetach), "host=" + host},
                                    "detach container " + name + " from network " + network);
            !r)
            fprintf(stderr, "berthd: %s\n", r.error().describe().c_str());
    }
    c->spec = std::move(updated);
    (void)deps_.networks->release(name, network);
    notify_changed(*c, {"Networks"});
    return {};
}

}  // namespace berth
