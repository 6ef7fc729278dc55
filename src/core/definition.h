// Declarative container definitions (berthctl apply, /etc/berth/containers/*.toml) and the profiles they inherit
// from (/etc/berth/profiles/NAME.toml). A definition is the berth.container(5) format without the keys berthd
// keeps for itself ([idmap], created_at, last_exit_status); every key is optional except where the result would
// be incomplete. The effective spec is built in layers: the daemon's defaults, then each profile named in
// `profiles = [...]` in order, then the definition itself; later layers win key by key ([limits] and [autostart]
// keys one by one, `environment` entries by variable name, other arrays as a whole).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "core/spec.h"

namespace berth {

struct DefinitionContext {
    ContainerSpec defaults;     // image, limits and mode of a container nobody configured
    std::string profiles_dir;   // "" = no profiles can be used
};

// What apply did with a definition.
struct ApplyOutcome {
    std::string name;
    std::string action;              // "created", "updated", "unchanged"
    std::vector<std::string> notes;  // "applied live: limits", "takes effect at the next start: command", ...
};

// The container name a definition file gives when it has no `name` key: its file name without ".toml".
std::string definition_name_from_origin(std::string_view origin);

// Parses `text` (from `origin`, a path shown in errors) and its profiles into the effective spec (no id range,
// no timestamps). InvalidArgument "<file>:<line>:<col>: ..." naming the file and key for every mistake, including
// in a profile; a missing profile names the definition's line and the directory searched.
Result<ContainerSpec> load_definition(std::string_view text, std::string_view origin, const DefinitionContext& context);

// One profile as a layer over `base` (used by load_definition and `profile show`).
Result<ContainerSpec> apply_profile(const std::string& name, const DefinitionContext& context,
                                    const ContainerSpec& base);

// Profile names in `dir` (NAME.toml), sorted; an absent directory has none.
Result<std::vector<std::string>> list_profiles(const std::string& dir);
// The text of profile `name`; NoSuchPool-free: InvalidArgument when the name is invalid or the file is missing.
Result<std::string> read_profile(const std::string& dir, const std::string& name);

// The effective definition of a container as berthctl show --toml prints it: spec_to_toml without the keys
// berthd keeps for itself, so the output can be given to berthctl apply as it is.
std::string definition_to_toml(const ContainerSpec& spec);

// Merges environment lists by variable name: entries of `over` replace those of `base` with the same name.
std::vector<std::string> merge_environment(const std::vector<std::string>& base, const std::vector<std::string>& over);

}  // namespace berth
