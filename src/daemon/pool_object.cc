#include "daemon/pool_object.h"

#include "base/names.h"
#include "daemon/bus_errors.h"

namespace berth::daemon {

namespace {

constexpr const char* kInterface = "org.berth1.Pool";

std::string join(const std::vector<std::string>& names)
{
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "" : ", ") + n;
    return out;
}

}  // namespace

std::string pool_object_path(const std::string& name)
{
    return "/org/berth1/pool/" + escape_object_path_label(name);
}

std::vector<std::string> capability_names(const Capabilities& caps)
{
    std::vector<std::string> out;
    if (caps.cow_clone)
        out.push_back("cow-clone");
    if (caps.snapshots)
        out.push_back("snapshots");
    if (caps.cow_snapshots)
        out.push_back("cow-snapshots");
    if (caps.quotas)
        out.push_back("quotas");
    if (caps.read_only)
        out.push_back("read-only");
    return out;
}

PoolObject::PoolObject(sdbus::IConnection& connection, const Pools& pools, const Manager& manager,
                       const ImageStore& images, std::string name)
    : AdaptorInterfaces(connection, pool_object_path(name)),
      pools_(pools),
      manager_(manager),
      images_(images),
      name_(std::move(name))
{
    registerAdaptor();
}

PoolObject::~PoolObject() { unregisterAdaptor(); }

std::string PoolObject::Name() { return name_; }
std::string PoolObject::Driver() { return value_or_throw(pools_.get(name_))->config().driver; }
std::string PoolObject::Source() { return value_or_throw(pools_.get(name_))->config().source; }
std::string PoolObject::Path() { return value_or_throw(pools_.get(name_))->config().root; }
uint64_t PoolObject::Size() { return value_or_throw(value_or_throw(pools_.get(name_))->usage()).total; }
uint64_t PoolObject::Used() { return value_or_throw(value_or_throw(pools_.get(name_))->usage()).used; }
uint64_t PoolObject::Free() { return value_or_throw(value_or_throw(pools_.get(name_))->usage()).free; }

std::vector<std::string> PoolObject::Capabilities()
{
    return capability_names(value_or_throw(pools_.get(name_))->capabilities());
}

bool PoolObject::Default() { return pools_.default_name() == name_; }
std::vector<std::string> PoolObject::Containers() { return manager_.pool_users(name_); }

std::vector<std::string> PoolObject::Images()
{
    return value_or_throw(value_or_throw(pools_.get(name_))->list_volumes(VolumeKind::Image));
}

PoolObjects::PoolObjects(sdbus::IConnection& connection, EventLoop& loop, Pools& pools, Manager& manager,
                         ImageStore& images)
    : connection_(connection), loop_(loop), pools_(pools), manager_(manager), images_(images)
{
}

PoolObjects::~PoolObjects()
{
    objects_.clear();
    retired_.clear();
}

void PoolObjects::publish_existing()
{
    for (const auto& name : pools_.names())
        objects_[name] = std::make_unique<PoolObject>(connection_, pools_, manager_, images_, name);
}

void PoolObjects::added(const std::string& name)
{
    retired_.erase(name);
    auto object = std::make_unique<PoolObject>(connection_, pools_, manager_, images_, name);
    object->announce();
    objects_[name] = std::move(object);
}

void PoolObjects::removed(const std::string& name)
{
    auto it = objects_.find(name);
    if (it == objects_.end())
        return;
    it->second->retire();
    retired_[name] = std::move(it->second);
    objects_.erase(it);
    loop_.defer([this] { retired_.clear(); });
}

Result<> PoolObjects::check_unused(const std::string& name) const
{
    StorageDriver* pool = BERTH_TRY(pools_.get(name));
    std::vector<std::string> uses;
    if (auto users = manager_.pool_users(name); !users.empty())
        uses.push_back("containers " + join(users));
    std::vector<std::string> images;
    for (const auto& image : BERTH_TRY(pool->list_volumes(VolumeKind::Image))) {
        auto holders = images_.image_pools(image);
        if (std::find(holders.begin(), holders.end(), name) != holders.end())
            images.push_back(image);
    }
    if (!images.empty())
        uses.push_back("images " + join(images) + " (remove them or import them elsewhere)");
    if (auto volumes = BERTH_TRY(pool->list_volumes(VolumeKind::Custom)); !volumes.empty())
        uses.push_back("volumes " + join(volumes));
    if (!uses.empty())
        return fail(ErrorKind::InvalidState, "pool '" + name + "' is in use: " + join(uses));
    return {};
}

}  // namespace berth::daemon
