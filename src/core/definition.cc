// Definitions and profiles: parse each file on its own (so every error names its file, line and key), then lay
// the files over each other with the spec reader's layer mode.
#include "core/definition.h"

#include <algorithm>
#include <sstream>

#include "base/fs.h"
#include "base/names.h"
#include "core/spec_toml.h"
#include "core/toml_fields.h"

namespace berth {

namespace {

// Keys of the state file that berthd alone decides; a definition that sets them is refused, not ignored.
constexpr std::string_view kDaemonKeys[] = {"idmap", "created_at", "last_exit_status"};

Result<> refuse_daemon_keys(const toml::table& doc, std::string_view origin, std::string_view kind)
{
    for (auto key : kDaemonKeys)
        if (const toml::node* n = doc.get(key))
            return toml_fields::invalid_at(origin, n->source(),
                                           "'" + std::string(key) + "' is kept by berthd and cannot be set in a " +
                                               std::string(kind));
    return {};
}

std::string env_key(const std::string& entry) { return entry.substr(0, entry.find('=')); }

// One layer: `doc` over `base`, environment merged by name.
Result<ContainerSpec> layer(const toml::table& doc, std::string_view origin, const ContainerSpec& base)
{
    auto spec = BERTH_TRY(read_spec_layer(doc, origin, base));
    if (doc.get("environment"))
        spec.environment = merge_environment(base.environment, spec.environment);
    return spec;
}

}  // namespace

std::vector<std::string> merge_environment(const std::vector<std::string>& base, const std::vector<std::string>& over)
{
    std::vector<std::string> out;
    for (const auto& entry : base) {
        const std::string key = env_key(entry);
        if (std::none_of(over.begin(), over.end(), [&](const std::string& o) { return env_key(o) == key; }))
            out.push_back(entry);
    }
    out.insert(out.end(), over.begin(), over.end());
    return out;
}

std::string definition_name_from_origin(std::string_view origin)
{
    std::string_view base = origin.substr(origin.rfind('/') == std::string_view::npos ? 0 : origin.rfind('/') + 1);
    if (base.ends_with(".toml"))
        base.remove_suffix(5);
    return std::string(base);
}

Result<std::string> read_profile(const std::string& dir, const std::string& name)
{
    BERTH_TRY(validate_name(name, "profile name"));
    if (dir.empty())
        return fail(ErrorKind::InvalidArgument, "profile '" + name + "': no profiles directory is configured "
                                                "([paths] profiles in berthd.toml)");
    auto text = read_file(dir + "/" + name + ".toml");
    if (!text) {
        if (text.error().code == ENOENT)
            return fail(ErrorKind::InvalidArgument,
                        "no profile named '" + name + "' (no file " + dir + "/" + name + ".toml; see 'berthctl profile list')");
        return fail(text.error().context("read profile " + name));
    }
    return *text;
}

Result<ContainerSpec> apply_profile(const std::string& name, const DefinitionContext& context, const ContainerSpec& base)
{
    const std::string text = BERTH_TRY(read_profile(context.profiles_dir, name));
    const std::string origin = context.profiles_dir + "/" + name + ".toml";
    auto doc = BERTH_TRY(toml_fields::parse_document(text, origin));
    BERTH_TRY(refuse_daemon_keys(doc, origin, "profile"));
    for (std::string_view key : {"name", "profiles"})
        if (const toml::node* n = doc.get(key))
            return toml_fields::invalid_at(origin, n->source(),
                                           "'" + std::string(key) + "' belongs in a container definition, not in a "
                                           "profile");
    return layer(doc, origin, base);
}

Result<ContainerSpec> load_definition(std::string_view text, std::string_view origin, const DefinitionContext& context)
{
    auto doc = BERTH_TRY(toml_fields::parse_document(text, origin));
    BERTH_TRY(refuse_daemon_keys(doc, origin, "definition"));

    ContainerSpec spec = context.defaults;
    spec.name = definition_name_from_origin(origin);
    if (const toml::node* n = doc.get("profiles")) {
        const toml::array* names = n->as_array();
        if (!names)
            return toml_fields::invalid_at(origin, n->source(), "'profiles' must be an array of profile names");
        for (const toml::node& item : *names) {
            if (!item.is_string())
                return toml_fields::invalid_at(origin, item.source(), "'profiles' must contain only strings");
            auto next = apply_profile(item.as_string()->get(), context, spec);
            if (!next)
                return toml_fields::invalid_at(origin, item.source(), next.error().message);
            spec = std::move(*next);
        }
        // The spec reader does not know `profiles`. Erase it from the parsed document itself: a copy of a
        // toml++ table loses the source positions that errors name.
        doc.erase("profiles");
    }
    spec = BERTH_TRY(layer(doc, origin, spec));
    if (auto ok = validate_name(spec.name, "container name"); !ok)
        return fail(ErrorKind::InvalidArgument,
                    std::string(origin) + ": no valid 'name' key and the file name gives none: " + ok.error().message);
    return spec;
}

Result<std::vector<std::string>> list_profiles(const std::string& dir)
{
    std::vector<std::string> out;
    if (dir.empty() || !path_exists(dir))
        return out;
    for (const auto& entry : BERTH_TRY(list_dir(dir))) {
        if (!entry.ends_with(".toml"))
            continue;
        std::string name = entry.substr(0, entry.size() - 5);
        if (validate_name(name, "profile name"))
            out.push_back(std::move(name));
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string definition_to_toml(const ContainerSpec& spec)
{
    std::istringstream in(spec_to_toml(spec));
    std::string out =
        "# Effective definition of container " + spec.name + " (profiles applied); see berth.container(5).\n"
        "# Give it to 'berthctl apply FILE' as it is, or edit it first.\n";
    std::string line;
    bool in_daemon_table = false;
    while (std::getline(in, line)) {
        if (line.starts_with("#"))
            continue;
        if (line.starts_with("[")) {
            const std::string table = line.substr(1, line.find(']') - 1);
            in_daemon_table = std::find(std::begin(kDaemonKeys), std::end(kDaemonKeys), table) != std::end(kDaemonKeys);
        }
        const std::string key = line.substr(0, line.find(" ="));
        if (in_daemon_table ||
            std::find(std::begin(kDaemonKeys), std::end(kDaemonKeys), key) != std::end(kDaemonKeys))
            continue;
        out += line + "\n";
    }
    // Blank lines where a dropped table was leave doubles behind; collapse them.
    std::string::size_type pos;
    while ((pos = out.find("\n\n\n")) != std::string::npos)
        out.erase(pos, 1);
    return out;
}

}  // namespace berth
