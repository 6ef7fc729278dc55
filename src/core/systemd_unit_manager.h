// UnitManager over sd-bus, talking to org.freedesktop.systemd1 on the system bus.
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <memory>

#include "core/unit_manager.h"

namespace berth {

class SystemdUnitManager final : public UnitManager {
public:
    // Opens its own connection to the system bus; when `event` is given the connection is attached to it so
    // systemd's signals are drained by the daemon's loop between calls.
    static Result<std::unique_ptr<SystemdUnitManager>> open_system(sd_event* event);
    // For tests: connect to a bus address (e.g. unix:path=/run/dbus/system_bus_socket).
    static Result<std::unique_ptr<SystemdUnitManager>> open_address(const std::string& address, sd_event* event);
    ~SystemdUnitManager() override;

    Result<> start_scope(const ScopeRequest& request) override;
    Result<> set_limits(const std::string& unit, const Limits& limits) override;
    Result<> kill_unit(const std::string& unit, const std::string& whom, int signal) override;
    Result<> stop_unit(const std::string& unit) override;
    Result<UnitUsage> usage(const std::string& unit) override;
    Result<bool> is_active(const std::string& unit) override;
    Result<> start_service(const ServiceRequest& request) override;
    // Asynchronous where the connection is attached to an event loop (berthd); waits otherwise (tests).
    void kill_unit_nowait(const std::string& unit, const std::string& whom, int signal) override;

private:
    explicit SystemdUnitManager(sd_bus* bus);
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace berth
