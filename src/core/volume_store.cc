#include "core/volume_store.h"

#include "base/names.h"
#include "core/storage/pool_registry.h"

namespace berth {

namespace {

Error no_such_volume(const VolumeRef& ref)
{
    return Error{ErrorKind::InvalidArgument, ENOENT,
                 "no volume '" + ref.name + "' in pool '" + ref.pool + "' (see berthctl volume list)"};
}

}  // namespace

Result<VolumeRef> parse_volume_ref(const std::string& text)
{
    const auto slash = text.find('/');
    if (slash == std::string::npos)
        return fail(ErrorKind::InvalidArgument, "volume '" + text + "' must be given as POOL/NAME");
    VolumeRef ref{text.substr(0, slash), text.substr(slash + 1)};
    BERTH_TRY(validate_name(ref.pool, "pool name"));
    BERTH_TRY(validate_name(ref.name, "volume name"));
    return ref;
}

Result<StorageDriver*> VolumeStore::pool(const VolumeRef& ref) const
{
    return pools_.get(ref.pool);
}

Result<VolumeStatus> VolumeStore::create(const VolumeRef& ref, uint64_t size)
{
    auto* driver = BERTH_TRY(pool(ref));
    if (driver->volume_exists(VolumeKind::Custom, ref.name))
        return fail(ErrorKind::AlreadyExists, "volume " + ref.full() + " already exists");
    if (size != 0 && !driver->capabilities().quotas)
        return fail(ErrorKind::NotSupported, "pool '" + ref.pool + "' (driver " + driver->config().driver +
                                                 ") cannot limit a volume's size; create it without --size or "
                                                 "in a btrfs pool");
    BERTH_TRY(driver->create_volume(VolumeKind::Custom, ref.name));
    if (size != 0) {
        if (auto r = driver->set_quota(VolumeKind::Custom, ref.name, size); !r) {
            (void)driver->delete_volume(VolumeKind::Custom, ref.name);
            return fail(r.error().context("limit volume " + ref.full()));
        }
    }
    return status(ref);
}

Result<VolumeStatus> VolumeStore::create_from(const VolumeRef& ref,
                                              const std::function<Result<>(const std::string&)>& fill,
                                              uint64_t size)
{
    auto* driver = BERTH_TRY(pool(ref));
    if (driver->volume_exists(VolumeKind::Custom, ref.name))
        return fail(ErrorKind::AlreadyExists, "volume " + ref.full() + " already exists");
    if (size != 0 && !driver->capabilities().quotas)
        return fail(ErrorKind::NotSupported, "the volume had a size limit of " + std::to_string(size) +
                                                 " bytes, but pool '" + ref.pool + "' (driver " +
                                                 driver->config().driver + ") cannot limit a volume's size; "
                                                 "import into a btrfs pool, or drop the limit (--ignore-size)");
    BERTH_TRY(driver->create_volume_from(VolumeKind::Custom, ref.name, fill));
    if (size != 0) {
        if (auto r = driver->set_quota(VolumeKind::Custom, ref.name, size); !r) {
            (void)driver->delete_volume(VolumeKind::Custom, ref.name);
            return fail(r.error().context("limit volume " + ref.full()));
        }
    }
    return status(ref);
}

Result<> VolumeStore::remove(const VolumeRef& ref)
{
    auto* driver = BERTH_TRY(pool(ref));
    if (!driver->volume_exists(VolumeKind::Custom, ref.name))
        return fail(no_such_volume(ref));
    return driver->delete_volume(VolumeKind::Custom, ref.name);
}

Result<VolumeStatus> VolumeStore::status(const VolumeRef& ref) const
{
    auto* driver = BERTH_TRY(pool(ref));
    if (!driver->volume_exists(VolumeKind::Custom, ref.name))
        return fail(no_such_volume(ref));
    auto info = BERTH_TRY(driver->volume_info(VolumeKind::Custom, ref.name));
    return VolumeStatus{ref, driver->volume_path(VolumeKind::Custom, ref.name), info.used, info.quota};
}

std::vector<VolumeStatus> VolumeStore::list() const
{
    std::vector<VolumeStatus> out;
    for (const auto& pool_name : pools_.names()) {
        auto driver = pools_.get(pool_name);
        if (!driver)
            continue;   // unavailable pool: its volumes show up again once it mounts
        auto names = (*driver)->list_volumes(VolumeKind::Custom);
        if (!names)
            continue;
        for (const auto& name : *names)
            if (auto s = status(VolumeRef{pool_name, name}))
                out.push_back(std::move(*s));
    }
    return out;
}

Result<std::string> VolumeStore::path(const std::string& volume) const
{
    auto ref = BERTH_TRY(parse_volume_ref(volume));
    return BERTH_TRY(status(ref)).path;
}

}  // namespace berth
