// Binds and volumes of a container: resolved for every start, and added or removed while it runs (MOUNT/UMOUNT
// on its supervisor's socket). The definition keeps the persistent ones ([[mounts]]).
#include "core/manager.h"

#include <sys/stat.h>

#include "core/manager_internal.h"
#include "core/supervisor_client.h"

namespace berth {

using namespace manager_detail;

namespace {

// Ask the running container's supervisor; a reply other than OK is its error.
Result<> supervisor_request(const std::string& runtime_dir, const std::vector<std::string>& fields,
                            const std::string& what)
{
    auto conn = BERTH_TRY(connect_supervisor(runtime_dir));
    BERTH_TRY(send_message(conn.get(), fields));
    auto reply = BERTH_TRY(receive_message_within(conn.get(), kReplyTimeoutMs));
    if (reply.verb() != sp::kOk) {
        Error error = error_from_failed(reply, what);
        const int code = std::atoi(reply.get("code").c_str());
        // A target that does not resolve, or escapes, is the caller's input; the rest is a system failure.
        if (code == ENOENT || code == EINVAL || code == ELOOP || code == ENOTDIR || code == EISDIR || code == EEXIST)
            error.kind = ErrorKind::InvalidArgument;
        return fail(std::move(error));
    }
    return {};
}

}  // namespace

Result<std::string> Manager::mount_source_path(const MountSpec& mount) const
{
    if (mount.kind == MountKind::Volume) {
        if (!volume_path_)
            return fail(ErrorKind::NotSupported, "volumes are not available in this berthd");
        return volume_path_(mount.source);
    }
    struct stat st;
    if (stat(mount.source.c_str(), &st) < 0)
        return fail_errno("bind source " + mount.source);
    return mount.source;
}

Result<std::vector<std::pair<MountSpec, std::string>>> Manager::resolve_mounts(const ContainerSpec& spec) const
{
    std::vector<std::pair<MountSpec, std::string>> out;
    for (const auto& m : spec.mounts) {
        auto path = mount_source_path(m);
        if (!path)
            return fail(path.error().context("mount " + m.source + " on " + m.target));
        out.emplace_back(m, *path);
    }
    return out;
}

std::vector<std::string> Manager::volume_users(const std::string& volume) const
{
    std::vector<std::string> users;
    for (const auto& [name, c] : containers_)
        for (const auto& m : c->spec.mounts)
            if (m.kind == MountKind::Volume && m.source == volume) {
                users.push_back(name);
                break;
            }
    return users;
}

Result<> Manager::add_mount(const std::string& name, MountSpec mount, bool persist)
{
    auto* c = BERTH_TRY(lookup(name));
    BERTH_TRY(validate_mount_spec(mount));
    mount.target = normalize_mount_path(mount.target);
    if (c->state == ContainerState::Starting || c->state == ContainerState::Stopping)
        return fail(ErrorKind::Busy, "container '" + name + "' is " +
                                         std::string(kContainerStateTable.to_string(c->state)) + "; try again");
    const bool running = c->state == ContainerState::Running;
    if (!running && !persist)
        return fail(ErrorKind::InvalidState, "container '" + name + "' is not running; use --persist to mount " +
                                                 mount.source + " at its next start");
    if (persist)
        BERTH_TRY(check_mount_target_free(c->spec.mounts, mount.target));
    const std::string host_source = BERTH_TRY(mount_source_path(mount));
    if (running) {
        std::vector<std::string> fields = {std::string(sp::kMount)};
        for (auto& f : mount_fields(mount, host_source))
            fields.push_back(std::move(f));
        BERTH_TRY(supervisor_request(runtime_dir(name), fields,
                                     "mount " + mount.source + " on " + mount.target + " in container " + name));
    }
    if (!persist)
        return {};
    ContainerSpec updated = c->spec;
    updated.mounts.push_back(mount);
    if (auto saved = deps_.store.save(updated); !saved) {
        if (running)
            (void)supervisor_request(runtime_dir(name), {std::string(sp::kUmount), "mount_target=" + mount.target},
                                     "undo the mount");
        return fail(saved.error());
    }
    c->spec = std::move(updated);
    notify_changed(*c, {"Mounts"});
    return {};
}

Result<> Manager::remove_mount(const std::string& name, const std::string& target_or_volume, MountKind kind)
{
    auto* c = BERTH_TRY(lookup(name));
    if (c->state == ContainerState::Starting || c->state == ContainerState::Stopping)
        return fail(ErrorKind::Busy, "container '" + name + "' is " +
                                         std::string(kContainerStateTable.to_string(c->state)) + "; try again");
    const bool by_path = !target_or_volume.empty() && target_or_volume[0] == '/';
    const std::string wanted = by_path ? normalize_mount_path(target_or_volume) : target_or_volume;
    auto it = std::find_if(c->spec.mounts.begin(), c->spec.mounts.end(), [&](const MountSpec& m) {
        return m.kind == kind && (by_path ? m.target == wanted : m.source == wanted);
    });
    const bool recorded = it != c->spec.mounts.end();
    if (!recorded && !by_path)
        return fail(ErrorKind::InvalidArgument, "volume " + wanted + " is not attached to container " + name);
    const std::string target = recorded ? it->target : wanted;
    if (c->state == ContainerState::Running) {
        auto r = supervisor_request(runtime_dir(name), {std::string(sp::kUmount), "mount_target=" + target},
                                    "unmount " + target + " in container " + name);
        // A recorded mount that is not mounted right now (unmounted from inside) is still dropped.
        if (!r && !recorded)
            return r;
    } else if (!recorded) {
        return fail(ErrorKind::InvalidState, "container '" + name + "' is not running and has no persistent " +
                                                 std::string(kMountKindTable.to_string(kind)) + " on " + target);
    }
    if (!recorded)
        return {};
    ContainerSpec updated = c->spec;
    updated.mounts.erase(updated.mounts.begin() + (it - c->spec.mounts.begin()));
    BERTH_TRY(deps_.store.save(updated));
    c->spec = std::move(updated);
    notify_changed(*c, {"Mounts"});
    return {};
}

}  // namespace berth
