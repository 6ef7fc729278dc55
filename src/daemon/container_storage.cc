// org.berth1.Container: snapshots of the container's root and its storage properties.
#include "daemon/bus_errors.h"
#include "daemon/container_object.h"

namespace berth::daemon {

std::string ContainerObject::CreateSnapshot(const std::string& snapshot)
{
    return value_or_throw(manager_.create_snapshot(name_, snapshot));
}

std::vector<sdbus::Struct<std::string, uint64_t>> ContainerObject::ListSnapshots()
{
    std::vector<sdbus::Struct<std::string, uint64_t>> out;
    for (const auto& s : value_or_throw(manager_.list_snapshots(name_)))
        out.emplace_back(s.name, s.created_at);
    return out;
}

void ContainerObject::RestoreSnapshot(sdbus::Result<>&& result, std::string snapshot, bool stop)
{
    auto done = reply_done(std::move(result));
    if (auto r = manager_.restore_snapshot(name_, snapshot, stop, done); !r)
        done(tl::unexpected(r.error()));
}

void ContainerObject::RemoveSnapshot(const std::string& snapshot)
{
    value_or_throw(manager_.remove_snapshot(name_, snapshot));
}

std::string ContainerObject::Pool() { return current().spec.pool.empty() ? "default" : current().spec.pool; }

uint64_t ContainerObject::Disk() { return current().spec.limits.disk; }

}  // namespace berth::daemon
