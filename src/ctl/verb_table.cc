#include "ctl/verbs.h"

#include <algorithm>

namespace berth::ctl {

const std::vector<Verb>& all_verbs()
{
    static const std::vector<Verb> verbs = [] {
        std::vector<Verb> all;
        for (auto group : {container_verbs, lifecycle_verbs, exec_verbs, shell_verbs, login_verbs, console_verbs, image_verbs, build_verbs, volume_verbs, export_verbs, copy_verbs, apply_verbs, network_verbs, port_verbs, pool_verbs, snapshot_verbs}) {
            auto v = group();
            std::move(v.begin(), v.end(), std::back_inserter(all));
        }
        return all;
    }();
    return verbs;
}

const Verb* find_verb(std::string_view name)
{
    for (const auto& verb : all_verbs()) {
        if (verb.name == name)
            return &verb;
        // Aliases are the last word only ("rm" for "image remove"): compare with the group prefix.
        const size_t space = verb.name.rfind(' ');
        const std::string_view group = space == std::string_view::npos ? "" : verb.name.substr(0, space + 1);
        for (auto alias : verb.aliases)
            if (name.size() == group.size() + alias.size() && name.starts_with(group) &&
                name.substr(group.size()) == alias)
                return &verb;
    }
    return nullptr;
}

std::string verb_help(const Verb& verb)
{
    std::string out = "Usage: berthctl " + std::string(verb.name);
    if (!verb.synopsis.empty())
        out += " " + std::string(verb.synopsis);
    out += "\n\n" + std::string(verb.summary) + "\n";
    if (!verb.description.empty())
        out += "\n" + std::string(verb.description) + "\n";
    if (!verb.aliases.empty()) {
        out += "\nAlias:";
        for (auto a : verb.aliases)
            out += " " + std::string(a);
        out += "\n";
    }
    out += "\nOptions:\n" + format_option_help(verb.options);
    return out;
}

std::string global_help()
{
    std::string out =
        "Usage: berthctl [--help | --version] VERB [ARGS...]\n"
        "\n"
        "Manage berth system containers through berthd (org.berth1 on the system bus).\n"
        "\n"
        "Verbs:\n";
    size_t width = 0;
    for (const auto& verb : all_verbs())
        width = std::max(width, verb.name.size());
    for (const auto& verb : all_verbs()) {
        out += "  " + std::string(verb.name) + std::string(width - verb.name.size() + 3, ' ') +
               std::string(verb.summary) + "\n";
    }
    out +=
        "\n"
        "Run 'berthctl VERB --help' for the arguments and options of a verb.\n"
        "Exit status: 0 on success, 1 when an operation failed, 2 on a usage error;\n"
        "exec and run exit with the command's status.\n";
    return out;
}

}  // namespace berth::ctl
