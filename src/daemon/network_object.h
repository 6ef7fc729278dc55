// org.berth1.Network objects at /org/berth1/network/NAME, one per network: they follow the NetworkManager (an
// observer of it) and read their properties from it.
#pragma once

#include <map>
#include <memory>

#include <sdbus-c++/sdbus-c++.h>

#include "core/event_loop.h"
#include "core/net/network.h"
#include "org.berth1.Network.adaptor.h"

namespace berth::daemon {

std::string network_object_path(const std::string& name);

class NetworkObject final
    : public sdbus::AdaptorInterfaces<org::berth1::Network_adaptor, sdbus::ManagedObject_adaptor,
                                      sdbus::Properties_adaptor> {
public:
    NetworkObject(sdbus::IConnection& connection, const net::NetworkManager& networks, std::string name);
    ~NetworkObject();
    void announce() { emitInterfacesAddedSignal(); }
    void retire() { emitInterfacesRemovedSignal(); }
    void leases_changed();

private:
    const net::Network& current() const;
    std::string Name() override;
    std::string Bridge() override;
    std::string Subnet() override;
    std::string Subnet6() override;
    std::string Gateway() override;
    std::string Gateway6() override;
    bool Nat() override;
    std::string Domain() override;
    bool Default() override;
    uint64_t CreatedAt() override;
    std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, std::string>> Leases() override;

    const net::NetworkManager& networks_;
    std::string name_;
};

// Keeps one NetworkObject per network.
class NetworkObjects final : public net::NetworkObserver {
public:
    NetworkObjects(sdbus::IConnection& connection, EventLoop& loop, net::NetworkManager& networks);
    ~NetworkObjects();
    void publish_existing();

    void network_added(const net::Network& network) override;
    void network_removed(const std::string& name) override;
    void leases_changed(const net::Network& network) override;

private:
    sdbus::IConnection& connection_;
    EventLoop& loop_;
    net::NetworkManager& networks_;
    std::map<std::string, std::unique_ptr<NetworkObject>> objects_;
    std::map<std::string, std::unique_ptr<NetworkObject>> retired_;
};

}  // namespace berth::daemon
