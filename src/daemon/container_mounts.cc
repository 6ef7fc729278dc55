// org.berth1.Container: Bind, Unbind, AttachVolume, DetachVolume and the Mounts property (volumes part).
#include "daemon/container_object.h"

#include "daemon/bus_errors.h"

namespace berth::daemon {

namespace {

// Boolean options of Bind/AttachVolume; anything else is refused, naming the key.
Result<> read_mount_options(const std::map<std::string, sdbus::Variant>& options, MountSpec& mount, bool* persist)
{
    for (const auto& [key, value] : options) {
        bool* field = key == "ReadOnly" ? &mount.read_only
                      : key == "MkDir"  ? &mount.mkdir
                      : key == "IdMap" && mount.kind == MountKind::Bind  ? &mount.idmap
                      : key == "Persist" && persist ? persist
                                                    : nullptr;
        if (!field)
            return fail(ErrorKind::InvalidArgument, "unknown option '" + key + "'");
        if (value.peekValueType() != "b")
            return fail(ErrorKind::InvalidArgument, "option '" + key + "' must be a boolean (b)");
        *field = value.get<bool>();
    }
    return {};
}

}  // namespace

void ContainerObject::Bind(const std::string& host_path, const std::string& path,
                           const std::map<std::string, sdbus::Variant>& options)
{
    MountSpec mount;
    mount.kind = MountKind::Bind;
    mount.source = host_path;
    mount.target = path;
    bool persist = false;
    value_or_throw(read_mount_options(options, mount, &persist));
    value_or_throw(manager_.add_mount(name_, std::move(mount), persist));
}

void ContainerObject::Unbind(const std::string& path)
{
    value_or_throw(manager_.remove_mount(name_, path, MountKind::Bind));
}

void ContainerObject::AttachVolume(const std::string& volume, const std::string& path,
                                   const std::map<std::string, sdbus::Variant>& options)
{
    MountSpec mount;
    mount.kind = MountKind::Volume;
    mount.source = volume;
    mount.target = path;
    mount.idmap = true;
    value_or_throw(read_mount_options(options, mount, nullptr));
    value_or_throw(manager_.add_mount(name_, std::move(mount), true));
}

void ContainerObject::DetachVolume(const std::string& volume_or_path)
{
    value_or_throw(manager_.remove_mount(name_, volume_or_path, MountKind::Volume));
}

std::vector<sdbus::Struct<std::string, std::string, std::string, bool, bool>> ContainerObject::Mounts()
{
    std::vector<sdbus::Struct<std::string, std::string, std::string, bool, bool>> out;
    for (const auto& m : current().spec.mounts)
        out.emplace_back(std::string(kMountKindTable.to_string(m.kind)), m.source, m.target, m.read_only,
                         m.idmap || m.kind == MountKind::Volume);
    return out;
}

}  // namespace berth::daemon
