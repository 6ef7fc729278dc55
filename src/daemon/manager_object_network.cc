// org.berth1.Manager's network methods (CreateNetwork, RemoveNetwork, ListNetworks, GetNetwork, AttachNetwork,
// DetachNetwork): read the arguments, call the core, map errors.
#include "daemon/bus_errors.h"
#include "daemon/manager_object.h"
#include "daemon/network_object.h"

namespace berth::daemon {

namespace {

net::NetworkManager& require(net::NetworkManager* networks)
{
    if (!networks)
        throw_bus_error(Error{ErrorKind::NotSupported, 0, "networks are not available in this berthd"});
    return *networks;
}

Result<net::NetworkRequest> network_request(const std::string& name,
                                            const std::map<std::string, sdbus::Variant>& settings)
{
    net::NetworkRequest request;
    request.name = name;
    for (const auto& [key, value] : settings) {
        try {
            if (key == "Subnet") {
                request.subnet = BERTH_TRY(net::Cidr::parse(value.get<std::string>()));
            } else if (key == "Subnet6") {
                const auto text = value.get<std::string>();
                if (text == "none")
                    request.no_ipv6 = true;
                else
                    request.subnet6 = BERTH_TRY(net::Cidr::parse(text));
            } else if (key == "Nat") {
                request.nat = value.get<bool>();
            } else {
                return fail(ErrorKind::InvalidArgument,
                            "Unknown network setting '" + key + "'; known settings: Subnet, Subnet6, Nat");
            }
        } catch (const sdbus::Error&) {
            return fail(ErrorKind::InvalidArgument, "Network setting '" + key + "' has the wrong type (Subnet s, "
                                                    "Subnet6 s, Nat b)");
        }
    }
    return request;
}

}  // namespace

sdbus::ObjectPath ManagerObject::CreateNetwork(const std::string& name,
                                               const std::map<std::string, sdbus::Variant>& settings)
{
    auto& networks = require(networks_);
    auto request = value_or_throw(network_request(name, settings));
    const net::Network* network = value_or_throw(networks.create(request));
    return network_object_path(network->name());
}

void ManagerObject::RemoveNetwork(const std::string& name) { value_or_throw(require(networks_).remove(name)); }

std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, bool, uint32_t, sdbus::ObjectPath>>
ManagerObject::ListNetworks()
{
    std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, bool, uint32_t, sdbus::ObjectPath>>
        out;
    for (const net::Network* n : require(networks_).list())
        out.emplace_back(n->name(), n->bridge(), n->spec.subnet ? n->spec.subnet->to_string() : "",
                         n->spec.subnet6 ? n->spec.subnet6->to_string() : "", n->spec.nat,
                         static_cast<uint32_t>(n->leases.size()), sdbus::ObjectPath(network_object_path(n->name())));
    return out;
}

sdbus::ObjectPath ManagerObject::GetNetwork(const std::string& name)
{
    if (!require(networks_).find(name))
        throw_bus_error(Error{ErrorKind::InvalidArgument, ENOENT,
                              "no network named '" + name + "' (see 'berthctl network list')"});
    return network_object_path(name);
}

void ManagerObject::AttachNetwork(const std::string& container, const std::string& network)
{
    value_or_throw(manager_.attach_network(container, network));
}

void ManagerObject::DetachNetwork(const std::string& container, const std::string& network)
{
    value_or_throw(manager_.detach_network(container, network));
}

}  // namespace berth::daemon
