#include "ctl/bus.h"

#include "base/names.h"

namespace berth::ctl {

namespace {

constexpr std::string_view kUnreachable =
    "cannot reach berthd on the system bus (is berthd running? try: systemctl start berthd)";

}  // namespace

Error from_bus_error(const sdbus::Error& error)
{
    const std::string& name = error.getName();
    const std::string& message = error.getMessage();
    // Nobody owns org.berth1 and it could not be activated.
    if (name == "org.freedesktop.DBus.Error.ServiceUnknown" || name == "org.freedesktop.DBus.Error.NameHasNoOwner")
        return Error{ErrorKind::Failed, 0, std::string(kUnreachable)};
    if (name == "org.freedesktop.DBus.Error.NoReply" || name == "org.freedesktop.DBus.Error.Timeout")
        return Error{ErrorKind::Failed, 0, "berthd did not answer in time (" + message + ")"};
    if (name == "org.freedesktop.DBus.Error.Disconnected")
        return Error{ErrorKind::Failed, 0, "lost the connection to berthd (" + message + ")"};
    // The bus policy (dbus/org.berth1.conf) lets only root talk to berthd; dbus-daemon's text is long and cryptic.
    if (name == "org.freedesktop.DBus.Error.AccessDenied")
        return Error{ErrorKind::Failed, 0, "access to berthd denied by the bus policy (run berthctl as root)"};
    if (message.empty())
        return Error{ErrorKind::Failed, 0, name};
    // org.berth1.Error.*: the daemon's message says what and why already.
    return Error{ErrorKind::Failed, 0, message};
}

Result<Bus> Bus::connect()
{
    Bus bus;
    try {
        bus.connection_ = sdbus::createSystemBusConnection();
        bus.manager_ = std::make_unique<ManagerClient>(*bus.connection_);
    } catch (const sdbus::Error& e) {
        // No bus socket at all (e.g. PID 1 is not systemd), or it refused us.
        return fail(ErrorKind::Failed, std::string(kUnreachable) + ": " + e.getMessage());
    }
    return bus;
}

Result<std::unique_ptr<ContainerClient>> Bus::container_at(const std::string& path)
{
    return bus_call([&] { return std::make_unique<ContainerClient>(*connection_, path); });
}

std::string Bus::container_path(const std::string& name)
{
    if (!validate_name(name, "container name"))
        return {};
    return std::string(kRootPath) + "/container/" + escape_object_path_label(name);
}

Result<std::unique_ptr<ContainerClient>> Bus::container(const std::string& name)
{
    const sdbus::ObjectPath path = BERTH_TRY(bus_call([&] { return manager_->GetContainer(name); }));
    return container_at(path);
}

Result<std::map<std::string, sdbus::Variant>> Bus::properties(ContainerClient& container)
{
    return bus_call([&] {
        std::map<std::string, sdbus::Variant> props;
        container.getProxy()
            .callMethod("GetAll")
            .onInterface("org.freedesktop.DBus.Properties")
            .withArguments(std::string(org::berth1::Container_proxy::INTERFACE_NAME))
            .storeResultsTo(props);
        return props;
    });
}

}  // namespace berth::ctl
