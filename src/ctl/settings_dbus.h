// Conversions between berthctl's parsed arguments and D-Bus values: the a{sv} settings of CreateContainer and
// SetLimits, and any property value as JSON (status --json).
#pragma once

#include <map>
#include <string>

#include <sdbus-c++/Types.h>

#include "base/error.h"
#include "ctl/options.h"
#include "ctl/output.h"
#include "ctl/settings_args.h"

namespace berth::ctl {

using Settings = std::map<std::string, sdbus::Variant>;

// MemoryMax, MemoryHigh, CPUs, CPUWeight, TasksMax, IOWeight for the limits that were given.
Settings limits_to_settings(const LimitArgs& limits);

// The settings of `create`/`run`: the limits plus Image (--image), Environment (--env), AutoRemove (--rm),
// Boot (--boot) or Command (the words after NAME or "--"). Usage errors for bad values or --boot with a command.
Result<Settings> container_settings(const ParsedArgs& args);

// A D-Bus value as JSON: strings, object paths, booleans, integers, doubles and arrays of those; other types
// become their signature as a string (none of the berth properties use them).
Json variant_to_json(const sdbus::Variant& value);

// Reads a property of type T, or `fallback` when it is missing or of another type (an older daemon).
template <typename T>
T property_or(const std::map<std::string, sdbus::Variant>& props, const std::string& name, T fallback)
{
    auto it = props.find(name);
    if (it == props.end() || !it->second.containsValueOfType<T>())
        return fallback;
    return it->second.get<T>();
}

}  // namespace berth::ctl
