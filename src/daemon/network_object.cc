#include "daemon/network_object.h"

#include "base/names.h"
#include "daemon/bus_errors.h"

namespace berth::daemon {

namespace {
constexpr const char* kInterface = "org.berth1.Network";
std::string text(const std::optional<net::IpAddress>& a) { return a ? a->to_string() : ""; }
std::string text(const std::optional<net::Cidr>& c) { return c ? c->to_string() : ""; }
}  // namespace

std::string network_object_path(const std::string& name)
{
    return "/org/berth1/network/" + escape_object_path_label(name);
}

NetworkObject::NetworkObject(sdbus::IConnection& connection, const net::NetworkManager& networks, std::string name)
    : AdaptorInterfaces(connection, network_object_path(name)), networks_(networks), name_(std::move(name))
{
    registerAdaptor();
}

NetworkObject::~NetworkObject() { unregisterAdaptor(); }

void NetworkObject::leases_changed() { emitPropertiesChangedSignal(kInterface, {"Leases"}); }

const net::Network& NetworkObject::current() const
{
    const net::Network* n = networks_.find(name_);
    if (!n)
        throw sdbus::Error(std::string(kErrorPrefix) + "InvalidArgument", "network '" + name_ + "' was removed");
    return *n;
}

std::string NetworkObject::Name() { return name_; }
std::string NetworkObject::Bridge() { return current().bridge(); }
std::string NetworkObject::Subnet() { return text(current().spec.subnet); }
std::string NetworkObject::Subnet6() { return text(current().spec.subnet6); }
std::string NetworkObject::Gateway() { return text(current().gateway4()); }
std::string NetworkObject::Gateway6() { return text(current().gateway6()); }
bool NetworkObject::Nat() { return current().spec.nat; }
std::string NetworkObject::Domain() { return current().spec.domain; }
bool NetworkObject::Default() { return name_ == networks_.default_network(); }
uint64_t NetworkObject::CreatedAt() { return current().spec.created_at; }

std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, std::string>> NetworkObject::Leases()
{
    std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, std::string>> out;
    for (const auto& [container, lease] : current().leases)
        out.emplace_back(container, text(lease.ipv4), text(lease.ipv6), lease.ifname, lease.host_ifname);
    return out;
}

NetworkObjects::NetworkObjects(sdbus::IConnection& connection, EventLoop& loop, net::NetworkManager& networks)
    : connection_(connection), loop_(loop), networks_(networks)
{
    networks_.add_observer(this);
}

NetworkObjects::~NetworkObjects()
{
    networks_.remove_observer(this);
    objects_.clear();
    retired_.clear();
}

void NetworkObjects::publish_existing()
{
    for (const net::Network* n : networks_.list())
        objects_[n->name()] = std::make_unique<NetworkObject>(connection_, networks_, n->name());
}

void NetworkObjects::network_added(const net::Network& network)
{
    retired_.erase(network.name());
    auto object = std::make_unique<NetworkObject>(connection_, networks_, network.name());
    object->announce();
    objects_[network.name()] = std::move(object);
}

void NetworkObjects::network_removed(const std::string& name)
{
    auto it = objects_.find(name);
    if (it == objects_.end())
        return;
    it->second->retire();
    retired_[name] = std::move(it->second);
    objects_.erase(it);
    loop_.defer([this] { retired_.clear(); });
}

void NetworkObjects::leases_changed(const net::Network& network)
{
    if (auto it = objects_.find(network.name()); it != objects_.end())
        it->second->leases_changed();
}

}  // namespace berth::daemon
