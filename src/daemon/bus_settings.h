// a{sv} from the bus -> berth::Settings (core's transport-free form). Variants of unsupported D-Bus types are refused
// here with InvalidArgument naming the key.
#pragma once

#include <map>
#include <string>

#include <sdbus-c++/Types.h>

#include "core/settings.h"

namespace berth::daemon {

Result<Settings> settings_from_bus(const std::map<std::string, sdbus::Variant>& bus_settings);

}  // namespace berth::daemon
