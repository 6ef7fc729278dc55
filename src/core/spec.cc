// Container definitions as TOML. The writer is hand-made rather than toml++'s serializer so that the file has a
// fixed key order and a header comment, and reads the same every time it is written (diffs of a state directory
// stay meaningful). The reader goes through toml++ and toml_fields.h, which refuse unknown keys.
//
// Limits that are uint64 in memory (memory_max, memory_high, tasks_max): "infinity" for no limit, a plain integer
// otherwise. A TOML integer is an int64, so a value above INT64_MAX is written as a string of decimal digits; the
// reader takes integers and size strings ("64M") alike. A missing limit key means no limit / systemd's default.
#include "core/spec.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "base/names.h"
#include "core/spec_toml.h"
#include "core/mount_spec_toml.h"
#include "core/toml_fields.h"

namespace berth {

namespace {

// Ids below this belong to the host's own users and system accounts; a container's root must never map onto them.
constexpr int64_t kFirstContainerId = 65536;
constexpr int64_t kIdSpaceEnd = int64_t{1} << 32;

bool is_env_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_env_name_char(char c) { return is_env_name_start(c) || (c >= '0' && c <= '9'); }

// A TOML basic string: quotes, backslashes and control characters escaped; other bytes (UTF-8) as they are.
std::string quote(std::string_view text)
{
    static const char hex[] = "0123456789ABCDEF";
    std::string out = "\"";
    for (unsigned char c : text) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\f': out += "\\f"; break;
        case '\r': out += "\\r"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 15];
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out + "\"";
}

std::string string_array(const std::vector<std::string>& items)
{
    if (items.empty())
        return "[]";
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i)
        out += (i ? ", " : "") + quote(items[i]);
    return out + "]";
}

std::string quantity(uint64_t value)
{
    if (value == kUnlimited)
        return "\"infinity\"";
    if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return "\"" + std::to_string(value) + "\"";
    return std::to_string(value);
}

// Shortest text that reads back as the same double; always with a '.' or exponent so TOML sees a float.
std::string floating(double value)
{
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    std::string out(buf, ec == std::errc() ? end : buf);
    // "inf", "-inf" and "nan" are TOML floats as they are (and parse_spec refuses them as limits).
    if (std::isfinite(value) && out.find_first_of(".e") == std::string::npos)
        out += ".0";
    return out;
}

Result<> check_no_nul(std::string_view what, const std::string& item)
{
    if (item.find('\0') != std::string::npos)
        return fail(ErrorKind::InvalidArgument, std::string(what) + " entries must not contain NUL bytes");
    return {};
}

Result<Limits> read_limits_table(const toml::table& table, std::string_view origin, const Limits& base)
{
    toml_fields::TableReader r(table, origin, "limits.");
    Limits limits = base;
    BERTH_TRY(toml_fields::read_limit_keys(r, limits));
    BERTH_TRY(r.finish());
    auto valid = validate_limits(limits);
    if (!valid)
        return toml_fields::invalid_at(origin, table.source(), "[limits]: " + valid.error().message);
    return limits;
}

Result<> read_idmap(const toml::table& table, std::string_view origin, ContainerSpec& spec)
{
    toml_fields::TableReader r(table, origin, "idmap.");
    auto base = BERTH_TRY(r.integer("base", kFirstContainerId, kIdSpaceEnd - 2));
    if (!base)
        return r.missing("base");
    auto size = BERTH_TRY(r.integer("size", 1, kIdSpaceEnd - kFirstContainerId));
    if (!size)
        return r.missing("size");
    if (*base + *size > kIdSpaceEnd - 1)
        return toml_fields::invalid_at(origin, table.source(),
                                       "[idmap]: base + size must not exceed 4294967295 (uid -1 is reserved)");
    spec.idmap_base = static_cast<uint32_t>(*base);
    spec.idmap_size = static_cast<uint32_t>(*size);
    if (auto mode = BERTH_TRY(r.string("mode"))) {
        auto parsed = kIdMapModeTable.from_string(*mode);
        if (!parsed)
            return r.invalid(*r.node("mode"), "'idmap.mode' must be \"idmapped\" or \"shifted\", got \"" + *mode + "\"");
        spec.idmap_mode = *parsed;
    }
    return r.finish();
}

Result<> read_autostart(const toml::table& table, std::string_view origin, ContainerSpec& spec)
{
    toml_fields::TableReader r(table, origin, "autostart.");
    if (auto v = BERTH_TRY(r.boolean("enabled")))
        spec.autostart = *v;
    if (auto v = BERTH_TRY(r.integer("order", std::numeric_limits<int32_t>::min(),
                                     std::numeric_limits<int32_t>::max())))
        spec.autostart_order = static_cast<int32_t>(*v);
    if (auto v = BERTH_TRY(r.integer("delay", 0, 86400)))
        spec.autostart_delay = static_cast<uint32_t>(*v);
    return r.finish();
}

// Without `base` a complete state file; with it, a layer over `base` (a profile or a definition given to
// berthctl apply): every key is optional and what is absent stays as in `base`.
Result<ContainerSpec> read_spec(const toml::table& doc, std::string_view origin, const ContainerSpec* base)
{
    toml_fields::TableReader r(doc, origin);
    ContainerSpec spec = base ? *base : ContainerSpec{};
    auto name = BERTH_TRY(r.string("name"));
    if (!name && !base)
        return r.missing("name");
    if (name) {
        if (auto ok = validate_name(*name, "container name"); !ok)
            return r.invalid(*r.node("name"), ok.error().message);
        spec.name = *name;
    }

    auto image = BERTH_TRY(r.string("image"));
    if (!image && !base)
        return r.missing("image");
    if (image) {
        if (auto ok = validate_name(*image, "image name"); !ok)
            return r.invalid(*r.node("image"), ok.error().message);
        spec.image = *image;
    }

    auto mode = BERTH_TRY(r.string("mode"));
    if (!mode && !base)
        return r.missing("mode");
    if (mode) {
        auto parsed_mode = kContainerModeTable.from_string(*mode);
        if (!parsed_mode)
            return r.invalid(*r.node("mode"), "'mode' must be \"boot\" or \"command\", got \"" + *mode + "\"");
        spec.mode = *parsed_mode;
        if (base && spec.mode == ContainerMode::Boot)
            spec.command.clear();  // a layer that says boot drops a command inherited from below
    }

    if (auto command = BERTH_TRY(r.strings("command"))) {
        spec.command = std::move(*command);
        if (base && !mode)  // a layer may give just a command: that is command mode
            spec.mode = spec.command.empty() ? ContainerMode::Boot : ContainerMode::Command;
    }
    if (spec.mode == ContainerMode::Command) {
        if (auto ok = validate_command(spec.command); !ok)
            return toml_fields::invalid_at(origin, r.node("command") ? r.node("command")->source() : doc.source(),
                                           "mode \"command\": " + ok.error().message);
    } else if (!spec.command.empty()) {
        return r.invalid(r.node("command") ? *r.node("command") : static_cast<const toml::node&>(doc),
                         "mode \"boot\" runs the image's init; 'command' must be empty");
    }

    if (auto environment = BERTH_TRY(r.strings("environment"))) {
        spec.environment = std::move(*environment);
        if (auto ok = validate_environment(spec.environment); !ok)
            return r.invalid(*r.node("environment"), ok.error().message);
    }
    if (auto v = BERTH_TRY(r.boolean("auto_remove")))
        spec.auto_remove = *v;
    if (auto v = BERTH_TRY(r.boolean("ephemeral")))
        spec.ephemeral = *v;
    if (auto v = BERTH_TRY(r.integer("created_at", 0, std::numeric_limits<int64_t>::max())))
        spec.created_at = static_cast<uint64_t>(*v);
    if (auto v = BERTH_TRY(r.integer("last_exit_status", std::numeric_limits<int32_t>::min(),
                                     std::numeric_limits<int32_t>::max())))
        spec.last_exit_status = static_cast<int32_t>(*v);
    if (auto networks = BERTH_TRY(r.strings("networks"))) {
        for (const auto& network : *networks)
            if (auto ok = validate_name(network, "network name"); !ok)
                return r.invalid(*r.node("networks"), ok.error().message);
        spec.networks = std::move(*networks);
    }

    if (auto pool = BERTH_TRY(r.string("pool"))) {
        if (auto ok = validate_name(*pool, "pool name"); !ok)
            return r.invalid(*r.node("pool"), ok.error().message);
        spec.pool = *pool;
    }

    const toml::table* idmap = BERTH_TRY(r.table("idmap"));
    if (!idmap && !base)
        return r.missing("idmap");
    if (idmap)
        BERTH_TRY(read_idmap(*idmap, origin, spec));

    if (const toml::table* autostart = BERTH_TRY(r.table("autostart")))
        BERTH_TRY(read_autostart(*autostart, origin, spec));

    if (const toml::node* mounts = r.node("mounts")) {
        // A layer's mounts replace those of `base` on the same target and add the others.
        for (auto& m : BERTH_TRY(read_mounts(*mounts, origin))) {
            std::erase_if(spec.mounts, [&](const MountSpec& old) { return old.target == m.target; });
            spec.mounts.push_back(std::move(m));
        }
    }

    if (const toml::table* limits = BERTH_TRY(r.table("limits")))
        spec.limits = BERTH_TRY(read_limits_table(*limits, origin, spec.limits));

    if (auto ports = BERTH_TRY(r.strings("ports"))) {
        spec.port_forwards.clear();
        for (const auto& text : *ports) {
            auto forward = parse_port_forward(text);
            if (!forward)
                return r.invalid(*r.node("ports"), forward.error().message);
            for (const auto& other : spec.port_forwards)
                if (forwards_clash(other, *forward))
                    return r.invalid(*r.node("ports"), "'ports': " + text + " clashes with " +
                                                           format_port_forward(other));
            spec.port_forwards.push_back(*forward);
        }
    }

    BERTH_TRY(r.finish());
    return spec;
}

}  // namespace

Result<ContainerSpec> read_spec_layer(const toml::table& doc, std::string_view origin, const ContainerSpec& base)
{
    try {
        return read_spec(doc, origin, &base);
    } catch (const std::exception& e) {
        return fail(ErrorKind::InvalidArgument, std::string(origin) + ": " + e.what());
    }
}

Result<> validate_command(const std::vector<std::string>& command)
{
    if (command.empty())
        return fail(ErrorKind::InvalidArgument, "Command must name a program to run (it is empty)");
    if (command.front().empty())
        return fail(ErrorKind::InvalidArgument, "Command's first element (the program) must not be empty");
    for (const auto& arg : command)
        BERTH_TRY(check_no_nul("Command", arg));
    return {};
}

Result<> validate_environment(const std::vector<std::string>& environment)
{
    for (const auto& entry : environment) {
        BERTH_TRY(check_no_nul("Environment", entry));
        const auto eq = entry.find('=');
        if (eq == std::string::npos)
            return fail(ErrorKind::InvalidArgument,
                        "Environment entry '" + entry + "' must have the form KEY=VALUE");
        const std::string_view key(entry.data(), eq);
        bool valid = !key.empty() && is_env_name_start(key.front());
        for (char c : key)
            valid = valid && is_env_name_char(c);
        if (!valid)
            return fail(ErrorKind::InvalidArgument,
                        "Environment entry '" + entry + "': '" + std::string(key) +
                            "' is not a variable name (letters, digits and '_', not starting with a digit)");
    }
    return {};
}

std::string spec_to_toml(const ContainerSpec& spec)
{
    const Limits& l = spec.limits;
    std::string out;
    out += "# berth container definition, written by berthd; see berth.container(5).\n";
    out += "# Edit only while berthd is stopped: unknown keys and invalid values make the file an error.\n";
    out += "name = " + quote(spec.name) + "\n";
    out += "image = " + quote(spec.image) + "\n";
    out += "mode = " + quote(kContainerModeTable.to_string(spec.mode)) + "\n";
    out += "command = " + string_array(spec.command) + "\n";
    out += "environment = " + string_array(spec.environment) + "\n";
    out += "auto_remove = " + std::string(spec.auto_remove ? "true" : "false") + "\n";
    out += "ephemeral = " + std::string(spec.ephemeral ? "true" : "false") + "\n";
    out += "created_at = " + std::to_string(spec.created_at) + "  # usec since the epoch\n";
    out += "last_exit_status = " + std::to_string(spec.last_exit_status) + "  # -1: never ran or not known\n";
    out += "networks = " + string_array(spec.networks) + "  # [] : loopback only; the first is eth0\n";
    if (!spec.pool.empty())
        out += "pool = " + quote(spec.pool) + "  # storage pool of the root file system\n";
    {
        std::vector<std::string> ports;
        for (const auto& f : spec.port_forwards)
            ports.push_back(format_port_forward(f));
        out += "ports = " + string_array(ports) + "  # [HOSTADDR:]HOSTPORT:PORT/PROTO\n";
    }
    out += "\n[idmap]  # host uids/gids [base, base + size) map to 0.. inside the container\n";
    out += "base = " + std::to_string(spec.idmap_base) + "\n";
    out += "size = " + std::to_string(spec.idmap_size) + "\n";
    out += "mode = " + quote(kIdMapModeTable.to_string(spec.idmap_mode)) + "\n";
    out += "\n[limits]  # bytes or \"infinity\"; cpus = 0 and weights = 0 mean no quota / systemd's default\n";
    out += "memory_max = " + quantity(l.memory_max) + "\n";
    out += "memory_high = " + quantity(l.memory_high) + "\n";
    out += "cpus = " + floating(l.cpus) + "\n";
    out += "cpu_weight = " + std::to_string(l.cpu_weight) + "\n";
    out += "tasks_max = " + quantity(l.tasks_max) + "\n";
    out += "io_weight = " + std::to_string(l.io_weight) + "\n";
    out += "net_rate_in = " + std::to_string(l.net_rate_in) + "  # bits/s toward the container, 0: no limit\n";
    out += "net_rate_out = " + std::to_string(l.net_rate_out) + "  # bits/s from the container\n";
    out += "disk = " + std::to_string(l.disk) + "  # bytes of the root volume (pool quota), 0: no limit\n";
    out += "\n[autostart]  # berthctl enable/disable: started when berthd starts, lowest order first\n";
    out += "enabled = " + std::string(spec.autostart ? "true" : "false") + "\n";
    out += "order = " + std::to_string(spec.autostart_order) + "\n";
    out += "delay = " + std::to_string(spec.autostart_delay) + "  # seconds to wait before starting the next one\n";
    out += mounts_to_toml(spec.mounts);  // [[mounts]] tables
    return out;
}

Result<ContainerSpec> parse_spec(std::string_view toml_text, std::string_view origin)
{
    auto doc = BERTH_TRY(toml_fields::parse_document(toml_text, origin));
    // toml++ can throw from accessors on allocation failure; nothing else here throws, but keep the edge tight.
    try {
        return read_spec(doc, origin, nullptr);
    } catch (const std::exception& e) {
        return fail(ErrorKind::InvalidArgument, std::string(origin) + ": " + e.what());
    }
}

}  // namespace berth
