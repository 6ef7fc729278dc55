// berthctl's side of the bus: one system bus connection, proxies for the Manager and Container objects built
// from the generated headers, and the one place where sdbus-c++ exceptions become Result errors.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include <sdbus-c++/sdbus-c++.h>

#include "base/error.h"
#include "org.berth1.Container.proxy.h"
#include "org.berth1.Manager.proxy.h"

namespace berth::ctl {

inline constexpr const char* kBusName = "org.berth1";
inline constexpr const char* kRootPath = "/org/berth1";

// sd_bus_call treats UINT64_MAX as "no timeout" (0 would mean the 25 s default). Used for calls that reply when
// a command ends (Exec, StartAttached) or when an import finishes.
inline constexpr uint64_t kNoTimeout = UINT64_MAX;

// An sdbus-c++ error as a berth Error (kind Failed, code 0) with a message a person can act on: the daemon's own
// message for org.berth1.Error.*, a hint to start berthd when nobody owns org.berth1.
Error from_bus_error(const sdbus::Error& error);

// Runs `f` (a proxy call) and turns any sdbus::Error into an Error. Our exceptions stop here.
template <typename F>
auto bus_call(F&& f) -> Result<decltype(f())>
{
    try {
        if constexpr (std::is_void_v<decltype(f())>) {
            f();
            return {};
        } else {
            return f();
        }
    } catch (const sdbus::Error& e) {
        return fail(from_bus_error(e));
    } catch (const std::exception& e) {
        // e.g. std::bad_alloc or a type mismatch while reading a reply
        return fail(ErrorKind::Failed, std::string("D-Bus call failed: ") + e.what());
    }
}

// org.berth1.Manager at /org/berth1. Signals are not subscribed (no registerProxy()): berthctl only calls
// methods, and skipping the AddMatch saves a round trip per command.
class ManagerClient final : public sdbus::ProxyInterfaces<org::berth1::Manager_proxy> {
public:
    explicit ManagerClient(sdbus::IConnection& connection) : ProxyInterfaces(connection, kBusName, kRootPath) {}
    using ProxyInterfaces::getProxy;   // for calls that need a longer timeout than the generated methods use

private:
    void onContainerNew(const std::string&, const sdbus::ObjectPath&) override {}
    void onContainerRemoved(const std::string&, const sdbus::ObjectPath&) override {}
};

// org.berth1.Container at /org/berth1/container/NAME.
class ContainerClient final : public sdbus::ProxyInterfaces<org::berth1::Container_proxy> {
public:
    ContainerClient(sdbus::IConnection& connection, const std::string& path)
        : ProxyInterfaces(connection, kBusName, path)
    {
    }
    using ProxyInterfaces::getProxy;
};

class Bus {
public:
    // Connects to the system bus (DBUS_SYSTEM_BUS_ADDRESS when set). Fails with the "is berthd running?" hint.
    static Result<Bus> connect();

    ManagerClient& manager() { return *manager_; }
    sdbus::IConnection& connection() { return *connection_; }
    // The object of container `name` (GetContainer: NoSuchContainer comes from the daemon).
    Result<std::unique_ptr<ContainerClient>> container(const std::string& name);
    // Runs `f(container)` on the object of container `name` addressed by the path berthd gives it, without the
    // GetContainer round trip first (as systemctl derives unit paths). When berthd has no object there,
    // GetContainer tells why (NoSuchContainer, an invalid name) or names the object to run `f` on after all.
    template <typename F>
    auto on_container(const std::string& name, F&& f) -> Result<decltype(f(std::declval<ContainerClient&>()))>;
    Result<std::unique_ptr<ContainerClient>> container_at(const std::string& path);

    // Every property of a container object (org.freedesktop.DBus.Properties.GetAll).
    Result<std::map<std::string, sdbus::Variant>> properties(ContainerClient& container);

private:
    Bus() = default;
    // /org/berth1/container/ESCAPED_NAME, or "" for a name berthd would refuse (GetContainer explains it).
    static std::string container_path(const std::string& name);

    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<ManagerClient> manager_;
};

template <typename F>
auto Bus::on_container(const std::string& name, F&& f) -> Result<decltype(f(std::declval<ContainerClient&>()))>
{
    if (const std::string path = container_path(name); !path.empty()) {
        bool unknown = false;
        auto direct = BERTH_TRY(container_at(path));
        auto result = bus_call([&] {
            try {
                return f(*direct);
            } catch (const sdbus::Error& e) {
                unknown = e.getName() == "org.freedesktop.DBus.Error.UnknownObject";
                throw;
            }
        });
        if (!unknown)
            return result;
    }
    auto named = BERTH_TRY(container(name));
    return bus_call([&] { return f(*named); });
}

}  // namespace berth::ctl
