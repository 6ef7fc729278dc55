// Declarative definitions and autostart: apply, show --toml, profile list/show, enable, disable.
#include <charconv>
#include <cstdio>

#include "base/fs.h"
#include "ctl/bus.h"
#include "ctl/errors.h"
#include "ctl/verbs.h"

namespace berth::ctl {

namespace {

template <typename T>
Result<T> parse_number(const std::string& text, const char* option, T min, T max)
{
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min || value > max)
        return usage_error(std::string("--") + option + " must be an integer between " + std::to_string(min) +
                           " and " + std::to_string(max) + ", got '" + text + "'");
    return value;
}

Result<int> do_apply(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    int status = 0;
    for (const auto& file : inv.args.positionals) {
        auto text = read_file(file);
        if (!text) {
            status = report_error(text.error(), inv.verb.name);
            continue;
        }
        auto r = bus_call([&] { return bus.manager().ApplyDefinition(*text, file); });
        if (!r) {
            status = report_error(r.error(), inv.verb.name);
            continue;
        }
        const auto& [name, action, notes] = *r;
        std::printf("%s: container %s %s.\n", file.c_str(), name.c_str(), action.c_str());
        for (const auto& note : notes)
            std::printf("  %s\n", note.c_str());
    }
    return status;
}

Result<int> do_show(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    const std::string definition =
        BERTH_TRY(bus_call([&] { return bus.manager().GetContainerDefinition(inv.args.positionals[0]); }));
    std::fputs(definition.c_str(), stdout);
    return 0;
}

Result<int> do_profile_list(const Invocation&)
{
    auto bus = BERTH_TRY(Bus::connect());
    const auto names = BERTH_TRY(bus_call([&] { return bus.manager().ListProfiles(); }));
    for (const auto& name : names)
        std::printf("%s\n", name.c_str());
    return 0;
}

Result<int> do_profile_show(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    const auto [text, effective] =
        BERTH_TRY(bus_call([&] { return bus.manager().GetProfile(inv.args.positionals[0]); }));
    std::fputs((inv.args.has("effective") ? effective : text).c_str(), stdout);
    return 0;
}

Result<int> set_autostart(const Invocation& inv, bool enabled)
{
    std::map<std::string, sdbus::Variant> options;
    if (auto order = inv.args.value("order"))
        options["Order"] = sdbus::Variant(BERTH_TRY(parse_number<int32_t>(*order, "order", -1000000, 1000000)));
    if (auto delay = inv.args.value("delay"))
        options["Delay"] = sdbus::Variant(BERTH_TRY(parse_number<uint32_t>(*delay, "delay", 0, 86400)));
    auto bus = BERTH_TRY(Bus::connect());
    int status = 0;
    for (const auto& name : inv.args.positionals) {
        auto r = bus_call([&] { bus.manager().SetAutostart(name, enabled, options); });
        if (!r)
            status = report_error(r.error(), inv.verb.name);
    }
    return status;
}

Result<int> do_enable(const Invocation& inv) { return set_autostart(inv, true); }
Result<int> do_disable(const Invocation& inv) { return set_autostart(inv, false); }

}  // namespace

std::vector<Verb> apply_verbs()
{
    return {
        {"apply", {}, "FILE...", 1, kAnyNumber, std::nullopt, {}, do_apply,
         "Create or update containers from definition files",
         "Sends each FILE (a container definition, see berth.container(5)) to berthd, which creates the\n"
         "container or updates its definition. The container's name is the file's 'name' key, or the file\n"
         "name without .toml. Profiles named in 'profiles = [...]' are read from berthd's profiles directory\n"
         "(/etc/berth/profiles) and applied in order before the file. A stopped container takes every change;\n"
         "a running one gets new limits and autostart settings at once, and the rest at its next start (say so\n"
         "on the lines after). Mistakes are reported with the file, line and key."},
        {"show", {}, "NAME [--toml]", 1, 1, std::nullopt,
         {{"toml", 0, false, false, "", "print the effective definition as TOML (the default)"}}, do_show,
         "Print a container's effective definition",
         "Prints the effective definition of container NAME (profiles applied) in the berth.container(5)\n"
         "format, without the keys berthd keeps for itself. The output can be given to 'berthctl apply'."},
        {"profile list", {}, "", 0, 0, std::nullopt, {}, do_profile_list, "List profiles",
         "Lists the profiles in berthd's profiles directory (/etc/berth/profiles/NAME.toml)."},
        {"profile show", {}, "NAME [--effective]", 1, 1, std::nullopt,
         {{"effective", 0, false, false, "", "print what the profile gives over berthd's defaults"}},
         do_profile_show, "Print a profile",
         "Prints profile NAME as written, or with --effective the definition it gives over berthd's\n"
         "defaults (which also checks it)."},
        {"enable", {}, "NAME... [--order N] [--delay SEC]", 1, kAnyNumber, std::nullopt,
         {{"order", 0, true, false, "N", "start order: lower first (default 0, kept when not given)"},
          {"delay", 0, true, false, "SEC", "seconds before the next container starts (kept when not given)"}},
         do_enable, "Start containers when berthd starts",
         "Marks each NAME to be started when berthd starts (at boot, berthd.service is wanted by\n"
         "multi-user.target once enabled with 'systemctl enable berthd'). Enabled containers start lowest\n"
         "--order first (then by name), and the next one waits --delay seconds after this one began.\n"
         "A container that fails to start is logged and skipped."},
        {"disable", {}, "NAME... [--order N] [--delay SEC]", 1, kAnyNumber, std::nullopt,
         {{"order", 0, true, false, "N", "start order to keep for a later enable"},
          {"delay", 0, true, false, "SEC", "delay to keep for a later enable"}},
         do_disable, "Do not start containers when berthd starts", "Clears the autostart mark of each NAME."},
    };
}

}  // namespace berth::ctl
