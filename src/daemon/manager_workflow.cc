// org.berth1.Manager methods of the everyday workflow: declarative definitions and profiles, autostart, copy.
#include <fcntl.h>

#include "base/fs.h"
#include "daemon/bus_errors.h"
#include "daemon/manager_object.h"

namespace berth::daemon {

namespace {

template <typename T>
Result<std::optional<T>> option(const std::map<std::string, sdbus::Variant>& options, const std::string& key)
{
    auto it = options.find(key);
    if (it == options.end())
        return std::optional<T>();
    if (!it->second.containsValueOfType<T>())
        return fail(ErrorKind::InvalidArgument, "option '" + key + "' has the wrong type (signature " +
                                                    it->second.peekValueType() + ")");
    return std::optional<T>(it->second.get<T>());
}

Result<> only_known(const std::map<std::string, sdbus::Variant>& options, std::initializer_list<std::string> known)
{
    for (const auto& [key, value] : options) {
        if (std::find(known.begin(), known.end(), key) != known.end())
            continue;
        std::string list;
        for (const auto& k : known)
            list += (list.empty() ? "" : ", ") + k;
        return fail(ErrorKind::InvalidArgument, "unknown option '" + key + "'; known options: " + list);
    }
    return {};
}

}  // namespace

std::tuple<std::string, std::string, std::vector<std::string>>
ManagerObject::ApplyDefinition(const std::string& text, const std::string& origin)
{
    auto spec = value_or_throw(load_definition(text, origin, manager_.definition_context()));
    auto outcome = value_or_throw(manager_.apply(std::move(spec)));
    return {outcome.name, outcome.action, outcome.notes};
}

std::string ManagerObject::GetContainerDefinition(const std::string& name)
{
    const Container* c = manager_.find(name);
    if (!c)
        throw sdbus::Error(std::string(kErrorPrefix) + "NoSuchContainer",
                           "no container named '" + name + "' (see 'berthctl list --all')");
    return definition_to_toml(c->spec);
}

std::vector<std::string> ManagerObject::ListProfiles()
{
    return value_or_throw(list_profiles(manager_.definition_context().profiles_dir));
}

std::tuple<std::string, std::string> ManagerObject::GetProfile(const std::string& name)
{
    const auto context = manager_.definition_context();
    auto text = value_or_throw(read_profile(context.profiles_dir, name));
    // What the profile gives over the daemon's defaults, checked as a definition would be.
    ContainerSpec effective = value_or_throw(apply_profile(name, context, context.defaults));
    effective.name = name;
    return {text, definition_to_toml(effective)};
}

void ManagerObject::SetAutostart(const std::string& name, const bool& enabled,
                                 const std::map<std::string, sdbus::Variant>& options)
{
    value_or_throw(only_known(options, {"Order", "Delay"}));
    auto order = value_or_throw(option<int32_t>(options, "Order"));
    auto delay = value_or_throw(option<uint32_t>(options, "Delay"));
    value_or_throw(manager_.set_autostart(name, enabled, order, delay));
}

void ManagerObject::start_copy(sdbus::Result<>&& result, const std::string& name, bool into_container,
                               const std::string& path, sdbus::UnixFd& data,
                               const std::map<std::string, sdbus::Variant>& options)
{
    auto done = reply_done(std::move(result));
    CopyJob job;
    job.into_container = into_container;
    job.path = path;
    job.data = UniqueFd(data.isValid() ? fcntl(data.get(), F_DUPFD_CLOEXEC, 3) : -1);
    data.reset();
    auto checked = only_known(options, {"KeepIds"});
    auto keep = checked ? option<bool>(options, "KeepIds") : tl::unexpected(checked.error());
    if (!keep) {
        done(tl::unexpected(keep.error()));
        return;
    }
    job.keep_ids = keep->value_or(false);
    if (auto r = manager_.copy(name, std::move(job), done); !r)
        done(tl::unexpected(r.error()));
}

void ManagerObject::CopyTo(sdbus::Result<>&& result, std::string name, std::string path, sdbus::UnixFd data,
                           std::map<std::string, sdbus::Variant> options)
{
    start_copy(std::move(result), name, true, path, data, options);
}

void ManagerObject::CopyFrom(sdbus::Result<>&& result, std::string name, std::string path, sdbus::UnixFd data,
                             std::map<std::string, sdbus::Variant> options)
{
    start_copy(std::move(result), name, false, path, data, options);
}

}  // namespace berth::daemon
