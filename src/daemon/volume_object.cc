#include "daemon/volume_object.h"

#include "base/names.h"
#include "daemon/bus_errors.h"

namespace berth::daemon {

std::string volume_object_path(const VolumeRef& ref)
{
    return "/org/berth1/volume/" + escape_object_path_label(ref.pool) + "/" + escape_object_path_label(ref.name);
}

VolumeObject::VolumeObject(sdbus::IConnection& connection, const VolumeStore& store, const Manager& manager,
                           VolumeRef ref)
    : AdaptorInterfaces(connection, volume_object_path(ref)), store_(store), manager_(manager), ref_(std::move(ref))
{
    registerAdaptor();
}

VolumeObject::~VolumeObject() { unregisterAdaptor(); }

VolumeStatus VolumeObject::current() const { return value_or_throw(store_.status(ref_)); }
std::string VolumeObject::Pool() { return ref_.pool; }
std::string VolumeObject::Name() { return ref_.name; }
std::string VolumeObject::Path() { return current().path; }
uint64_t VolumeObject::Size() { return current().size; }
uint64_t VolumeObject::Used() { return current().used; }
std::vector<std::string> VolumeObject::AttachedTo() { return manager_.volume_users(ref_.full()); }

Volumes::Volumes(sdbus::IConnection& connection, EventLoop& loop, VolumeStore& store, Manager& manager)
    : connection_(connection), loop_(loop), store_(store), manager_(manager)
{
}

Volumes::~Volumes() = default;

void Volumes::publish_existing()
{
    for (const auto& v : store_.list())
        objects_[v.ref.full()] = std::make_unique<VolumeObject>(connection_, store_, manager_, v.ref);
}

void Volumes::added(const VolumeRef& ref)
{
    auto object = std::make_unique<VolumeObject>(connection_, store_, manager_, ref);
    object->announce();
    objects_[ref.full()] = std::move(object);
}

Result<sdbus::ObjectPath> Volumes::create(const std::string& volume,
                                          const std::map<std::string, sdbus::Variant>& options)
{
    auto ref = BERTH_TRY(parse_volume_ref(volume));
    uint64_t size = 0;
    for (const auto& [key, value] : options) {
        if (key != "Size")
            return fail(ErrorKind::InvalidArgument, "unknown volume option '" + key + "' (known: Size)");
        if (value.peekValueType() != "t")
            return fail(ErrorKind::InvalidArgument, "option 'Size' must be bytes as uint64 (t)");
        size = value.get<uint64_t>();
    }
    BERTH_TRY(store_.create(ref, size));
    added(ref);
    return sdbus::ObjectPath(volume_object_path(ref));
}

Result<> Volumes::remove(const std::string& volume)
{
    auto ref = BERTH_TRY(parse_volume_ref(volume));
    auto users = manager_.volume_users(ref.full());
    if (!users.empty()) {
        std::string list;
        for (const auto& u : users)
            list += (list.empty() ? "" : ", ") + u;
        return fail(ErrorKind::InvalidState, "volume " + ref.full() + " is attached to " + list +
                                                 "; detach it first (berthctl volume detach CONTAINER " +
                                                 ref.full() + ")");
    }
    BERTH_TRY(store_.remove(ref));
    auto it = objects_.find(ref.full());
    if (it != objects_.end()) {
        it->second->retire();
        // Destroyed on the next iteration: never inside a handler of the object itself.
        auto retired = std::shared_ptr<VolumeObject>(std::move(it->second));
        objects_.erase(it);
        loop_.defer([retired] {});
    }
    return {};
}

std::vector<VolumeListEntry> Volumes::list() const
{
    std::vector<VolumeListEntry> out;
    for (const auto& v : store_.list())
        out.emplace_back(v.ref.pool, v.ref.name, v.size, v.used, manager_.volume_users(v.ref.full()),
                         sdbus::ObjectPath(volume_object_path(v.ref)));
    return out;
}

Result<sdbus::ObjectPath> Volumes::get(const std::string& volume) const
{
    auto ref = BERTH_TRY(parse_volume_ref(volume));
    BERTH_TRY(store_.status(ref));
    return sdbus::ObjectPath(volume_object_path(ref));
}

}  // namespace berth::daemon
