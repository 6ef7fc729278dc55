// a{sv} settings -> ContainerSpec / Limits. The keys and their D-Bus types are the contract in
// dbus/org.berth1.Manager.xml; messages name the key exactly as a client sends it.
#include "core/settings.h"

#include <cmath>
#include <functional>
#include <limits>
#include <optional>

#include "base/names.h"

namespace berth {

namespace {

tl::unexpected<Error> invalid(std::string message)
{
    return fail(ErrorKind::InvalidArgument, std::move(message));
}

// Integers may arrive as t/u (uint64) or i/x (int64), depending on the client's language binding.
Result<uint64_t> as_unsigned(const std::string& key, const SettingValue& value, std::string_view unit)
{
    if (auto* u = std::get_if<uint64_t>(&value))
        return *u;
    if (auto* i = std::get_if<int64_t>(&value)) {
        if (*i < 0)
            return invalid("Setting '" + key + "' must not be negative, got " + std::to_string(*i));
        return static_cast<uint64_t>(*i);
    }
    return invalid("Setting '" + key + "' must be an unsigned integer (" + std::string(unit) + ")");
}

Result<double> as_cpus(const std::string& key, const SettingValue& value)
{
    if (auto* d = std::get_if<double>(&value)) {
        if (!std::isfinite(*d) || *d < 0)
            return invalid("Setting '" + key + "' must be a number between 0 and 1024, got " + std::to_string(*d));
        return *d;
    }
    if (auto* u = std::get_if<uint64_t>(&value))
        return static_cast<double>(*u);
    if (auto* i = std::get_if<int64_t>(&value)) {
        if (*i < 0)
            return invalid("Setting '" + key + "' must not be negative, got " + std::to_string(*i));
        return static_cast<double>(*i);
    }
    return invalid("Setting '" + key + "' must be a number (CPUs worth of time, e.g. 1.5)");
}

Result<bool> as_bool(const std::string& key, const SettingValue& value)
{
    if (auto* b = std::get_if<bool>(&value))
        return *b;
    return invalid("Setting '" + key + "' must be a boolean");
}

Result<std::string> as_string(const std::string& key, const SettingValue& value)
{
    if (auto* s = std::get_if<std::string>(&value))
        return *s;
    return invalid("Setting '" + key + "' must be a string");
}

Result<std::vector<std::string>> as_strings(const std::string& key, const SettingValue& value)
{
    if (auto* v = std::get_if<std::vector<std::string>>(&value))
        return *v;
    return invalid("Setting '" + key + "' must be an array of strings");
}

// One row per limit key: how to read it and where it goes.
struct LimitKey {
    const char* key;
    Result<> (*apply)(const std::string& key, const SettingValue& value, Limits& limits);
};

constexpr LimitKey kLimitKeys[] = {
    {"MemoryMax", [](const std::string& k, const SettingValue& v, Limits& l) -> Result<> {
         l.memory_max = BERTH_TRY(as_unsigned(k, v, "bytes"));
         return {};
     }},
    {"MemoryHigh", [](const std::string& k, const SettingValue& v, Limits& l) -> Result<> {
         l.memory_high = BERTH_TRY(as_unsigned(k, v, "bytes"));
         return {};
     }},
    {"CPUs", [](const std::string& k, const SettingValue& v, Limits& l) -> Result<> {
         l.cpus = BERTH_TRY(as_cpus(k, v));
         return {};
     }},
    {"CPUWeight", [](const std::string& k, const SettingValue& v, Limits& l) -> Result<> {
         l.cpu_weight = BERTH_TRY(as_unsigned(k, v, "1..10000"));
         return {};
     }},
    {"TasksMax", [](const std::string& k, const SettingValue& v, Limits& l) -> Result<> {
         l.tasks_max = BERTH_TRY(as_unsigned(k, v, "number of tasks"));
         return {};
     }},
    {"IOWeight", [](const std::string& k, const SettingValue& v, Limits& l) -> Result<> {
         l.io_weight = BERTH_TRY(as_unsigned(k, v, "1..10000"));
         return {};
     }},
    {"NetRateIn", [](const std::string& k, const SettingValue& v, Limits& l) -> Result<> {
         l.net_rate_in = BERTH_TRY(as_unsigned(k, v, "bits per second, 0 for no limit"));
         return {};
     }},
    {"NetRateOut", [](const std::string& k, const SettingValue& v, Limits& l) -> Result<> {
         l.net_rate_out = BERTH_TRY(as_unsigned(k, v, "bits per second, 0 for no limit"));
         return {};
     }},
    {"Disk", [](const std::string& k, const SettingValue& v, Limits& l) -> Result<> {
         l.disk = BERTH_TRY(as_unsigned(k, v, "bytes of the root volume, 0 for no limit"));
         return {};
     }},
};

const char* const kContainerKeys[] = {"Image", "Boot", "Command", "Environment", "AutoRemove", "Ephemeral", "Network", "Pool"};

const LimitKey* find_limit_key(const std::string& key)
{
    for (const auto& row : kLimitKeys)
        if (key == row.key)
            return &row;
    return nullptr;
}

std::string limit_key_list()
{
    std::string out;
    for (const auto& row : kLimitKeys)
        out += (out.empty() ? "" : ", ") + std::string(row.key);
    return out;
}

std::string container_key_list()
{
    std::string out;
    for (const char* key : kContainerKeys)
        out += (out.empty() ? "" : ", ") + std::string(key);
    return out + ", " + limit_key_list();
}

}  // namespace

Result<ContainerSpec> spec_from_settings(const std::string& name, const Settings& settings, const Limits& defaults,
                                         const std::string& default_image)
{
    BERTH_TRY(validate_name(name, "container name"));
    ContainerSpec spec;
    spec.name = name;
    spec.image = default_image;
    spec.limits = defaults;
    std::optional<bool> boot;
    std::optional<std::vector<std::string>> command;

    for (const auto& [key, value] : settings) {
        if (const LimitKey* row = find_limit_key(key)) {
            BERTH_TRY(row->apply(key, value, spec.limits));
        } else if (key == "Image") {
            spec.image = BERTH_TRY(as_string(key, value));
        } else if (key == "Boot") {
            boot = BERTH_TRY(as_bool(key, value));
        } else if (key == "Command") {
            command = BERTH_TRY(as_strings(key, value));
        } else if (key == "Environment") {
            spec.environment = BERTH_TRY(as_strings(key, value));
        } else if (key == "AutoRemove") {
            spec.auto_remove = BERTH_TRY(as_bool(key, value));
        } else if (key == "Ephemeral") {
            spec.ephemeral = BERTH_TRY(as_bool(key, value));
        } else if (key == "Pool") {
            spec.pool = BERTH_TRY(as_string(key, value));
            BERTH_TRY(validate_name(spec.pool, "pool name"));
        } else if (key == "Network") {
            // "none": loopback only; a name: that network. Without the key the manager picks the default network.
            const std::string network = BERTH_TRY(as_string(key, value));
            if (network == "none") {
                spec.networks.clear();
            } else {
                BERTH_TRY(validate_name(network, "network name"));
                spec.networks = {network};
            }
        } else {
            return invalid("Unknown setting '" + key + "'; known settings: " + container_key_list());
        }
    }

    BERTH_TRY(validate_name(spec.image, "image name"));
    if (command) {
        if (boot.value_or(false))
            return invalid("Settings 'Boot' and 'Command' exclude each other: Boot=true runs the image's init, "
                           "Command runs the given program instead");
        BERTH_TRY(validate_command(*command));
        spec.mode = ContainerMode::Command;
        spec.command = std::move(*command);
    } else {
        // Without a Command the only thing to run is the image's init.
        if (boot && !*boot)
            return invalid("Setting 'Boot' is false but no 'Command' was given; give a Command to run, or drop Boot");
        spec.mode = ContainerMode::Boot;
    }
    BERTH_TRY(validate_environment(spec.environment));
    BERTH_TRY(validate_limits(spec.limits));
    return spec;
}

Result<Limits> limits_from_settings(const Settings& settings, const Limits& current)
{
    if (settings.empty())
        return invalid("no limits given; known limits: " + limit_key_list());
    Limits limits = current;
    for (const auto& [key, value] : settings) {
        const LimitKey* row = find_limit_key(key);
        if (!row)
            return invalid("Unknown limit '" + key + "'; known limits: " + limit_key_list());
        BERTH_TRY(row->apply(key, value, limits));
    }
    BERTH_TRY(validate_limits(limits));
    return limits;
}

}  // namespace berth
