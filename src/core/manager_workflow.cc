// Declarative definitions and autostart on the Manager: apply a definition's effective spec, flip autostart.
#include "core/manager.h"

#include "core/manager_internal.h"

namespace berth {

using namespace manager_detail;

namespace {

// The fields a definition may change while the container runs without a restart.
bool live_fields_only_differ(ContainerSpec a, ContainerSpec b)
{
    a.limits = b.limits;
    a.autostart = b.autostart;
    a.autostart_order = b.autostart_order;
    a.autostart_delay = b.autostart_delay;
    return a == b;
}

// The restart-bound fields that differ, named as in the definition file.
std::vector<std::string> restart_fields(const ContainerSpec& a, const ContainerSpec& b)
{
    std::vector<std::string> out;
    if (a.mode != b.mode)
        out.push_back("mode");
    if (a.command != b.command)
        out.push_back("command");
    if (a.environment != b.environment)
        out.push_back("environment");
    if (a.auto_remove != b.auto_remove)
        out.push_back("auto_remove");
    if (out.empty())
        out.push_back("other settings");
    return out;
}

std::string join(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& i : items)
        out += (out.empty() ? "" : ", ") + i;
    return out;
}

}  // namespace

DefinitionContext Manager::definition_context() const
{
    DefinitionContext context;
    context.defaults.image = deps_.config.default_image;
    context.defaults.limits = deps_.config.default_limits;
    context.defaults.mode = ContainerMode::Boot;
    context.profiles_dir = deps_.config.profiles_dir;
    return context;
}

Result<ApplyOutcome> Manager::apply(ContainerSpec wanted)
{
    ApplyOutcome outcome;
    outcome.name = wanted.name;
    auto it = containers_.find(wanted.name);
    if (it == containers_.end()) {
        BERTH_TRY(create_spec(std::move(wanted)));
        outcome.action = "created";
        return outcome;
    }
    Container& c = *it->second;
    if (c.state == ContainerState::Starting)
        return fail(starting_busy(c));
    // What the container was made from cannot change under it: its root was copied from the image.
    if (wanted.image != c.spec.image)
        return fail(ErrorKind::InvalidArgument,
                    "container '" + c.spec.name + "' was created from image '" + c.spec.image +
                        "'; the definition asks for '" + wanted.image +
                        "': remove the container to re-create it from the new image");
    if (wanted.ephemeral != c.spec.ephemeral)
        return fail(ErrorKind::InvalidArgument, "container '" + c.spec.name +
                                                    "': 'ephemeral' cannot change; remove the container to re-create it");
    // berthd's own keys stay.
    wanted.idmap_base = c.spec.idmap_base;
    wanted.idmap_size = c.spec.idmap_size;
    wanted.idmap_mode = c.spec.idmap_mode;
    wanted.created_at = c.spec.created_at;
    wanted.last_exit_status = c.spec.last_exit_status;
    if (wanted == c.spec) {
        outcome.action = "unchanged";
        return outcome;
    }
    const bool limits_changed = !(wanted.limits == c.spec.limits);
    if (c.active()) {
        if (limits_changed) {
            BERTH_TRY(deps_.units.set_limits(c.unit(), wanted.limits));
            outcome.notes.push_back("limits applied to the running container");
        }
        if (!live_fields_only_differ(wanted, c.spec))
            outcome.notes.push_back("takes effect at the next start: " + join(restart_fields(wanted, c.spec)));
    }
    BERTH_TRY(deps_.store.save(wanted));
    c.spec = std::move(wanted);
    outcome.action = "updated";
    notify_changed(c, {"MemoryMax", "MemoryHigh", "CPUs", "CPUWeight", "TasksMax", "IOWeight", "Autostart",
                       "AutostartOrder", "AutostartDelay", "Command", "Mode"});
    return outcome;
}

Result<> Manager::set_autostart(const std::string& name, bool enabled, std::optional<int32_t> order,
                                std::optional<uint32_t> delay)
{
    auto* c = BERTH_TRY(lookup(name));
    if (delay && *delay > 86400)
        return fail(ErrorKind::InvalidArgument, "autostart delay must be at most 86400 seconds, got " +
                                                    std::to_string(*delay));
    ContainerSpec updated = c->spec;
    updated.autostart = enabled;
    if (order)
        updated.autostart_order = *order;
    if (delay)
        updated.autostart_delay = *delay;
    if (updated == c->spec)
        return {};
    BERTH_TRY(deps_.store.save(updated));
    c->spec = std::move(updated);
    notify_changed(*c, {"Autostart", "AutostartOrder", "AutostartDelay"});
    return {};
}

}  // namespace berth
