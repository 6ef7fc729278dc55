#include "daemon/manager_object.h"

#include <fcntl.h>

#include "berth-config.h"
#include "daemon/bus_errors.h"
#include "daemon/bus_settings.h"

namespace berth::daemon {


ManagerObject::ManagerObject(sdbus::IConnection& connection, EventLoop& loop, Manager& manager, ImageStore& images,
                             ImageImports& imports, std::string cgroup_mode, std::string default_image)
    : AdaptorInterfaces(connection, "/org/berth1"),
      connection_(connection),
      loop_(loop),
      manager_(manager),
      images_(images),
      imports_(imports),
      cgroup_mode_(std::move(cgroup_mode)),
      default_image_(std::move(default_image))
{
    registerAdaptor();
    manager_.set_observer(this);
}

ManagerObject::~ManagerObject()
{
    manager_.set_observer(nullptr);
    objects_.clear();
    retired_.clear();
    unregisterAdaptor();
}

void ManagerObject::publish_existing()
{
    for (const Container* c : manager_.containers())
        objects_[c->spec.name] = std::make_unique<ContainerObject>(connection_, manager_, c->spec.name);
}

void ManagerObject::container_added(const Container& container)
{
    const std::string& name = container.spec.name;
    retired_.erase(name);  // a removed namesake still holds the object path
    auto object = std::make_unique<ContainerObject>(connection_, manager_, name);
    object->announce();
    objects_[name] = std::move(object);
    emitContainerNew(name, container_object_path(name));
}

void ManagerObject::container_removed(const std::string& name)
{
    auto it = objects_.find(name);
    if (it == objects_.end())
        return;
    it->second->retire();
    retired_[name] = std::move(it->second);
    objects_.erase(it);
    loop_.defer([this] { retired_.clear(); });
    emitContainerRemoved(name, container_object_path(name));
}

void ManagerObject::container_changed(const Container& container, const std::vector<std::string>& properties)
{
    auto it = objects_.find(container.spec.name);
    if (it != objects_.end())
        it->second->properties_changed(properties);
}

sdbus::ObjectPath ManagerObject::CreateContainer(const std::string& name,
                                                 const std::map<std::string, sdbus::Variant>& settings)
{
    auto parsed = value_or_throw(settings_from_bus(settings));
    value_or_throw(manager_.create(name, parsed));
    return container_object_path(name);
}

sdbus::ObjectPath ManagerObject::GetContainer(const std::string& name)
{
    if (!manager_.find(name))
        throw sdbus::Error(std::string(kErrorPrefix) + "NoSuchContainer",
                           "no container named '" + name + "' (see 'berthctl list --all')");
    return container_object_path(name);
}

std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, uint32_t, sdbus::ObjectPath>>
ManagerObject::ListContainers()
{
    std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, uint32_t, sdbus::ObjectPath>> out;
    for (const Container* c : manager_.containers())
        out.emplace_back(c->spec.name, visible_state(c->state, c->guest), c->spec.image,
                         std::string(kContainerModeTable.to_string(c->spec.mode)),
                         static_cast<uint32_t>(c->leader), sdbus::ObjectPath(container_object_path(c->spec.name)));
    return out;
}

void ManagerObject::StartContainer(sdbus::Result<>&& result, std::string name)
{
    auto done = reply_done(std::move(result));
    if (auto r = manager_.start(name, done); !r)
        done(tl::unexpected(r.error()));
}
void ManagerObject::PowerOffContainer(const std::string& name) { value_or_throw(manager_.poweroff(name)); }
void ManagerObject::RebootContainer(const std::string& name) { value_or_throw(manager_.reboot(name)); }
void ManagerObject::TerminateContainer(const std::string& name) { value_or_throw(manager_.terminate(name)); }

void ManagerObject::KillContainer(const std::string& name, const std::string& whom, const int32_t& signal)
{
    value_or_throw(manager_.kill(name, whom, signal));
}

void ManagerObject::RemoveContainer(const std::string& name, const bool& force)
{
    value_or_throw(manager_.remove(name, force));
}

std::vector<sdbus::Struct<std::string, std::string, uint64_t, uint64_t>> ManagerObject::ListImages()
{
    std::vector<sdbus::Struct<std::string, std::string, uint64_t, uint64_t>> out;
    for (const auto& image : value_or_throw(images_.list()))
        out.emplace_back(image.name, image.origin, image.size, image.created_at);
    return out;
}

void ManagerObject::ImportImage(sdbus::Result<>&& result, sdbus::UnixFd tarball, std::string name)
{
    auto done = reply_done(std::move(result));
    UniqueFd fd(tarball.isValid() ? fcntl(tarball.get(), F_DUPFD_CLOEXEC, 3) : -1);
    tarball.reset();
    if (auto r = imports_.start(std::move(fd), name, done); !r)
        done(tl::unexpected(r.error()));
}

void ManagerObject::RemoveImage(const std::string& name, const bool& force)
{
    if (builds_.in_progress(name))
        throw_bus_error(Error{ErrorKind::Busy, 0, "image '" + name + "' is being built right now"});
    if (imports_.in_progress(name))
        throw_bus_error(Error{ErrorKind::Busy, 0, "image '" + name + "' is being imported right now"});
    value_or_throw(manager_.check_image_unused(name, force));
    value_or_throw(images_.remove_image(name));
}

void ManagerObject::BuildImage(sdbus::Result<>&& result, std::string distribution, std::string name,
                               std::map<std::string, sdbus::Variant> options, sdbus::UnixFd progress)
{
    auto done = reply_done(std::move(result));
    UniqueFd fd(progress.isValid() ? fcntl(progress.get(), F_DUPFD_CLOEXEC, 3) : -1);
    progress.reset();
    auto parsed = debian_options_from_bus(options);
    if (!parsed) {
        done(tl::unexpected(parsed.error()));
        return;
    }
    if (imports_.in_progress(name)) {
        done(fail(ErrorKind::Busy, "image '" + name + "' is being imported right now"));
        return;
    }
    if (auto r = builds_.start(distribution, name, *parsed, std::move(fd), done); !r)
        done(tl::unexpected(r.error()));
}

std::string ManagerObject::Version() { return BERTH_VERSION; }
std::string ManagerObject::CgroupMode() { return cgroup_mode_; }
std::string ManagerObject::DefaultImage() { return default_image_; }

}  // namespace berth::daemon
