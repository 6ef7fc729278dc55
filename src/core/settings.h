// The settings a client passes as a{sv} to CreateContainer and SetLimits, in a transport-free form, and their
// translation into a ContainerSpec / Limits with full validation.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "base/error.h"
#include "core/limits.h"
#include "core/spec.h"

namespace berth {

// The D-Bus types a setting may carry: b, t/u/i/x (as integers), d, s, as.
using SettingValue = std::variant<bool, uint64_t, int64_t, double, std::string, std::vector<std::string>>;
using Settings = std::map<std::string, SettingValue>;

// Keys: Image s, Boot b, Command as, Environment as, AutoRemove b, Ephemeral b, Network s (a name or "none"), Pool s, and the limit keys below.
// Fills `spec` (name, image, mode, command, environment, auto_remove, limits) starting from `defaults` for limits
// and `default_image` for the image. Unknown keys, wrong types, Boot=true with a Command, out-of-range values:
// ErrorKind::InvalidArgument naming the key.
Result<ContainerSpec> spec_from_settings(const std::string& name, const Settings& settings,
                                         const Limits& defaults, const std::string& default_image);

// Keys: MemoryMax t, MemoryHigh t, CPUs d, CPUWeight t, TasksMax t, IOWeight t. Applies them over `current`.
// Negative integers are refused. An empty map is InvalidArgument ("no limits given").
Result<Limits> limits_from_settings(const Settings& settings, const Limits& current);

}  // namespace berth
