#include "daemon/bus_settings.h"

namespace berth::daemon {

Result<Settings> settings_from_bus(const std::map<std::string, sdbus::Variant>& bus_settings)
{
    Settings out;
    for (const auto& [key, variant] : bus_settings) {
        try {
            if (variant.containsValueOfType<bool>())
                out[key] = variant.get<bool>();
            else if (variant.containsValueOfType<uint64_t>())
                out[key] = variant.get<uint64_t>();
            else if (variant.containsValueOfType<uint32_t>())
                out[key] = uint64_t{variant.get<uint32_t>()};
            else if (variant.containsValueOfType<uint16_t>())
                out[key] = uint64_t{variant.get<uint16_t>()};
            else if (variant.containsValueOfType<uint8_t>())
                out[key] = uint64_t{variant.get<uint8_t>()};
            else if (variant.containsValueOfType<int64_t>())
                out[key] = variant.get<int64_t>();
            else if (variant.containsValueOfType<int32_t>())
                out[key] = int64_t{variant.get<int32_t>()};
            else if (variant.containsValueOfType<int16_t>())
                out[key] = int64_t{variant.get<int16_t>()};
            else if (variant.containsValueOfType<double>())
                out[key] = variant.get<double>();
            else if (variant.containsValueOfType<std::string>())
                out[key] = variant.get<std::string>();
            else if (variant.containsValueOfType<std::vector<std::string>>())
                out[key] = variant.get<std::vector<std::string>>();
            else
                return fail(ErrorKind::InvalidArgument, "setting '" + key + "' has an unsupported D-Bus type '" +
                                                            variant.peekValueType() + "'");
        } catch (const sdbus::Error& e) {
            return fail(ErrorKind::InvalidArgument, "setting '" + key + "': " + e.getMessage());
        }
    }
    return out;
}

}  // namespace berth::daemon
