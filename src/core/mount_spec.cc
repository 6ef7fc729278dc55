#include "core/mount_spec.h"
#include "core/mount_spec_toml.h"

#include <sstream>

#include "base/names.h"
#include "core/toml_fields.h"

namespace berth {

namespace {

std::string quote(std::string_view text)
{
    static const char hex[] = "0123456789ABCDEF";
    std::string out = "\"";
    for (unsigned char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

Result<> check_path(const std::string& path, const char* what)
{
    if (path.empty() || path[0] != '/')
        return fail(ErrorKind::InvalidArgument, std::string(what) + " '" + path + "' must be an absolute path");
    if (path.find('\0') != std::string::npos)
        return fail(ErrorKind::InvalidArgument, std::string(what) + " must not contain NUL bytes");
    std::istringstream in(path);
    std::string part;
    while (std::getline(in, part, '/'))
        if (part == "..")
            return fail(ErrorKind::InvalidArgument, std::string(what) + " '" + path + "' must not contain '..'");
    return {};
}

}  // namespace

std::string normalize_mount_path(const std::string& path)
{
    std::string out;
    std::istringstream in(path);
    std::string part;
    while (std::getline(in, part, '/'))
        if (!part.empty() && part != ".")
            out += "/" + part;
    return out.empty() ? "/" : out;
}

Result<> validate_mount_spec(const MountSpec& mount)
{
    BERTH_TRY(check_path(mount.target, "mount target"));
    if (normalize_mount_path(mount.target) == "/")
        return fail(ErrorKind::InvalidArgument, "cannot mount over the container's root directory");
    if (mount.kind == MountKind::Bind)
        return check_path(mount.source, "bind source");
    const auto slash = mount.source.find('/');
    if (slash == std::string::npos)
        return fail(ErrorKind::InvalidArgument, "volume '" + mount.source + "' must be given as POOL/NAME");
    BERTH_TRY(validate_name(mount.source.substr(0, slash), "pool name"));
    return validate_name(mount.source.substr(slash + 1), "volume name");
}

Result<> check_mount_target_free(const std::vector<MountSpec>& mounts, const std::string& target)
{
    const std::string wanted = normalize_mount_path(target);
    for (const auto& m : mounts)
        if (normalize_mount_path(m.target) == wanted)
            return fail(ErrorKind::AlreadyExists, "something is already mounted on " + wanted + " (" +
                                                      std::string(kMountKindTable.to_string(m.kind)) + " " +
                                                      m.source + ")");
    return {};
}

std::string mount_options_field(const MountSpec& mount)
{
    std::string out = mount.read_only ? "ro" : "rw";
    if (mount.idmap || mount.kind == MountKind::Volume)
        out += ",idmap";
    if (mount.mkdir)
        out += ",mkdir";
    return out;
}

std::string mounts_to_toml(const std::vector<MountSpec>& mounts)
{
    std::string out;
    for (const auto& m : mounts) {
        out += "\n[[mounts]]  # bind: a host path; volume: POOL/NAME (always idmapped)\n";
        out += "kind = " + quote(kMountKindTable.to_string(m.kind)) + "\n";
        out += "source = " + quote(m.source) + "\n";
        out += "target = " + quote(m.target) + "\n";
        out += "read_only = " + std::string(m.read_only ? "true" : "false") + "\n";
        out += "idmap = " + std::string(m.idmap ? "true" : "false") + "\n";
        out += "mkdir = " + std::string(m.mkdir ? "true" : "false") + "\n";
    }
    return out;
}

Result<std::vector<MountSpec>> read_mounts(const toml::node& node, std::string_view origin)
{
    const toml::array* array = node.as_array();
    if (!array)
        return toml_fields::invalid_at(origin, node.source(), "'mounts' must be an array of tables ([[mounts]])");
    std::vector<MountSpec> mounts;
    for (const toml::node& item : *array) {
        const toml::table* table = item.as_table();
        if (!table)
            return toml_fields::invalid_at(origin, item.source(), "'mounts' must contain only tables ([[mounts]])");
        toml_fields::TableReader r(*table, origin, "mounts.");
        MountSpec m;
        if (auto kind = BERTH_TRY(r.string("kind"))) {
            auto parsed = kMountKindTable.from_string(*kind);
            if (!parsed)
                return r.invalid(*r.node("kind"), "'mounts.kind' must be \"bind\" or \"volume\"");
            m.kind = *parsed;
        }
        auto source = BERTH_TRY(r.string("source"));
        if (!source)
            return r.missing("source");
        m.source = *source;
        auto target = BERTH_TRY(r.string("target"));
        if (!target)
            return r.missing("target");
        m.target = *target;
        if (auto v = BERTH_TRY(r.boolean("read_only")))
            m.read_only = *v;
        if (auto v = BERTH_TRY(r.boolean("idmap")))
            m.idmap = *v;
        if (auto v = BERTH_TRY(r.boolean("mkdir")))
            m.mkdir = *v;
        BERTH_TRY(r.finish());
        if (auto ok = validate_mount_spec(m); !ok)
            return r.invalid(item, ok.error().message);
        m.target = normalize_mount_path(m.target);
        if (auto ok = check_mount_target_free(mounts, m.target); !ok)
            return r.invalid(item, ok.error().message);
        mounts.push_back(std::move(m));
    }
    return mounts;
}

}  // namespace berth
