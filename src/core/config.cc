// berthd.toml: [paths], [idmap], [defaults], [images]. Every key is optional (the built-in default applies), every
// unknown key or table is an error, so a misspelt setting is reported instead of silently ignored.
#include "core/config.h"

#include <cerrno>
#include <limits>

#include "base/fs.h"
#include "base/names.h"
#include "berth-config.h"
#include "core/toml_fields.h"

namespace berth {

namespace {

// Host ids below 65536 belong to the host itself: root, system accounts and the regular users' own uids. A
// container's range must never include them, or its root could own the host's files.
constexpr int64_t kMinIdMapFirst = 65536;
// uid_t is 32 bits and (uid_t)-1 means "no id" to chown() and friends, so the pool must end below it.
constexpr int64_t kIdSpaceEnd = std::numeric_limits<uint32_t>::max();

Result<> read_path(toml_fields::TableReader& r, std::string_view key, bool may_be_empty, std::string& out)
{
    auto value = BERTH_TRY(r.string(key));
    if (!value)
        return {};
    if (value->empty() && may_be_empty) {
        out.clear();
        return {};
    }
    if (value->empty() || value->front() != '/')
        return r.invalid(*r.node(key), "'" + r.shown(key) + "' must be an absolute path, got \"" + *value + "\"");
    out = *value;
    return {};
}

Result<> read_paths(const toml::table& table, std::string_view origin, DaemonConfig& config)
{
    toml_fields::TableReader r(table, origin, "paths.");
    BERTH_TRY(read_path(r, "state", false, config.state_dir));
    BERTH_TRY(read_path(r, "runtime", false, config.runtime_dir));
    BERTH_TRY(read_path(r, "spawn", false, config.spawn_path));
    BERTH_TRY(read_path(r, "definitions", true, config.definitions_dir));
    BERTH_TRY(read_path(r, "profiles", true, config.profiles_dir));
    return r.finish();
}

Result<> read_idmap(const toml::table& table, std::string_view origin, DaemonConfig& config)
{
    toml_fields::TableReader r(table, origin, "idmap.");
    if (auto v = BERTH_TRY(r.integer("first", kMinIdMapFirst, kIdSpaceEnd - 1)))
        config.idmap_first = static_cast<uint32_t>(*v);
    if (auto v = BERTH_TRY(r.integer("count", 1, kIdSpaceEnd - kMinIdMapFirst)))
        config.idmap_count = static_cast<uint32_t>(*v);
    if (auto v = BERTH_TRY(r.integer("size", 1, kIdSpaceEnd - kMinIdMapFirst)))
        config.idmap_size = static_cast<uint32_t>(*v);
    BERTH_TRY(r.finish());

    const uint64_t first = config.idmap_first, count = config.idmap_count, size = config.idmap_size;
    if (first + count > static_cast<uint64_t>(kIdSpaceEnd))
        return toml_fields::invalid_at(origin, table.source(),
                                       "[idmap]: first + count = " + std::to_string(first + count) +
                                           " goes past 4294967295, the end of the 32-bit id space");
    // Ranges start at multiples of `size` (see IdMapAllocator); at least one must fit.
    const uint64_t aligned = (first + size - 1) / size * size;
    if (aligned + size > first + count)
        return toml_fields::invalid_at(origin, table.source(),
                                       "[idmap]: the pool [first, first + count) = [" + std::to_string(first) + ", " +
                                           std::to_string(first + count) + ") holds no range of " +
                                           std::to_string(size) + " ids aligned to " + std::to_string(size) +
                                           "; raise count or make first a multiple of size");
    return {};
}

Result<> read_defaults(const toml::table& table, std::string_view origin, DaemonConfig& config)
{
    toml_fields::TableReader r(table, origin, "defaults.");
    if (auto image = BERTH_TRY(r.string("image"))) {
        if (auto ok = validate_name(*image, "image name"); !ok)
            return r.invalid(*r.node("image"), "'defaults.image': " + ok.error().message);
        config.default_image = *image;
    }
    Limits& l = config.default_limits;
    BERTH_TRY(toml_fields::read_limit_keys(r, l));
    // A day is far beyond any sane shutdown; a larger value is surely a unit mistake (ms or usec for seconds).
    if (auto v = BERTH_TRY(r.integer("stop_timeout", 1, 86400)))
        config.stop_timeout_sec = static_cast<uint32_t>(*v);
    BERTH_TRY(r.finish());
    if (auto ok = validate_limits(l); !ok)
        return toml_fields::invalid_at(origin, table.source(), "[defaults]: " + ok.error().message);
    return {};
}

Result<> read_images(const toml::table& table, std::string_view origin, DaemonConfig& config)
{
    toml_fields::TableReader r(table, origin, "images.");
    BERTH_TRY(read_path(r, "busybox", true, config.busybox_path));
    return r.finish();
}

Result<> read_storage(const toml::table& table, std::string_view origin, DaemonConfig& config)
{
    toml_fields::TableReader r(table, origin, "storage.");
    if (auto v = BERTH_TRY(r.string("default_pool"))) {
        if (auto ok = validate_name(*v, "pool name"); !ok)
            return r.invalid(*r.node("default_pool"), ok.error().message);
        config.default_pool = *v;
    }
    return r.finish();
}

Result<DaemonConfig> read_config(const toml::table& doc, std::string_view origin)
{
    DaemonConfig config = default_config();
    toml_fields::TableReader r(doc, origin);
    if (const toml::table* t = BERTH_TRY(r.table("paths")))
        BERTH_TRY(read_paths(*t, origin, config));
    if (const toml::table* t = BERTH_TRY(r.table("idmap")))
        BERTH_TRY(read_idmap(*t, origin, config));
    if (const toml::table* t = BERTH_TRY(r.table("defaults")))
        BERTH_TRY(read_defaults(*t, origin, config));
    if (const toml::table* t = BERTH_TRY(r.table("images")))
        BERTH_TRY(read_images(*t, origin, config));
    if (const toml::table* t = BERTH_TRY(r.table("storage")))
        BERTH_TRY(read_storage(*t, origin, config));
    BERTH_TRY(r.finish());
    return config;
}

}  // namespace

DaemonConfig default_config()
{
    DaemonConfig config;
    config.state_dir = BERTH_STATE_DIR;
    config.runtime_dir = BERTH_RUNTIME_DIR;
    config.spawn_path = BERTH_SPAWN_PATH;
    // Beside berthd.toml: /etc/berth/containers and /etc/berth/profiles.
    const std::string config_file = BERTH_CONFIG_FILE;
    const std::string config_dir = config_file.substr(0, config_file.rfind('/'));
    config.definitions_dir = config_dir + "/containers";
    config.profiles_dir = config_dir + "/profiles";
    config.busybox_path = BERTH_BUSYBOX_PATH;
    // No memory or CPU limit by default (a system container is a machine; its owner sizes it), but a task limit:
    // a fork bomb inside one container must not exhaust the host's pid space for everyone else.
    config.default_limits.tasks_max = 4096;
    return config;
}

Result<DaemonConfig> parse_config(std::string_view toml_text, std::string_view origin)
{
    auto doc = BERTH_TRY(toml_fields::parse_document(toml_text, origin));
    try {
        return read_config(doc, origin);
    } catch (const std::exception& e) {
        return fail(ErrorKind::InvalidArgument, std::string(origin) + ": " + e.what());
    }
}

Result<DaemonConfig> load_config(const std::string& path)
{
    auto text = read_file(path);
    if (!text) {
        if (text.error().code == ENOENT)
            return default_config();
        return fail(text.error().context("read configuration"));
    }
    return parse_config(*text, path);
}

}  // namespace berth
