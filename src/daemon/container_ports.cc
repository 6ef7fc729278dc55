// org.berth1.Container: port forwards and bandwidth limits (netsvc).
#include "daemon/bus_errors.h"
#include "daemon/container_object.h"

namespace berth::daemon {

std::string ContainerObject::AddPortForward(const std::string& forward)
{
    return format_port_forward(value_or_throw(manager_.add_port_forward(name_, forward)));
}

void ContainerObject::RemovePortForward(const std::string& port)
{
    value_or_throw(manager_.remove_port_forward(name_, port));
}

std::vector<std::string> ContainerObject::PortForwards()
{
    std::vector<std::string> out;
    for (const auto& f : current().spec.port_forwards)
        out.push_back(format_port_forward(f));
    return out;
}

uint64_t ContainerObject::NetRateIn() { return current().spec.limits.net_rate_in; }
uint64_t ContainerObject::NetRateOut() { return current().spec.limits.net_rate_out; }

}  // namespace berth::daemon
