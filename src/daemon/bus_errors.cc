#include "daemon/bus_errors.h"

#include <string>

namespace berth::daemon {

sdbus::Error to_bus_error(const Error& error)
{
    std::string name = std::string(kErrorPrefix) + std::string(error_kind_to_string(error.kind));
    return sdbus::Error(name, error.describe());
}

void throw_bus_error(const Error& error)
{
    throw to_bus_error(error);
}

}  // namespace berth::daemon
