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
    Result<std::unique_ptr<ContainerClient>> container_at(const std::string& path);

    // Every property of a container object (org.freedesktop.DBus.Properties.GetAll).
    Result<std::map<std::string, sdbus::Variant>> properties(ContainerClient& container);

private:
    Bus() = default;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<ManagerClient> manager_;
};

}  // namespace berth::ctl
