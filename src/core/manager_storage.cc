// Storage operations on containers: snapshots of their root, clones, and which containers use a pool. The pools
// and drivers themselves are core/storage; this file only adds the container rules (stopped or not, id ranges,
// definitions) on top.
#include <algorithm>

#include "base/fs.h"
#include "base/names.h"
#include "base/reverter.h"
#include "core/init_signals.h"
#include "core/manager.h"
#include "core/manager_internal.h"
#include "core/storage/driver.h"

namespace berth {

namespace {

Result<> check_snapshot_name(const std::string& snapshot)
{
    return validate_name(snapshot, "snapshot name");
}

}  // namespace

Result<std::string> Manager::create_snapshot(const std::string& name, const std::string& snapshot)
{
    auto* c = BERTH_TRY(lookup(name));
    if (c->spec.ephemeral)
        return fail(ErrorKind::NotSupported, "container '" + name + "' is ephemeral: it has no root of its own to "
                                             "snapshot");
    StorageDriver* pool = BERTH_TRY(deps_.images.container_pool(name));
    std::string chosen = snapshot;
    if (chosen.empty()) {
        auto existing = BERTH_TRY(pool->list_snapshots(VolumeKind::Container, name));
        for (int n = 0; chosen.empty(); ++n) {
            std::string candidate = "snap" + std::to_string(n);
            if (std::none_of(existing.begin(), existing.end(), [&](const auto& s) { return s.name == candidate; }))
                chosen = candidate;
        }
    }
    BERTH_TRY(check_snapshot_name(chosen));
    auto r = pool->create_snapshot(VolumeKind::Container, name, chosen);
    if (!r)
        return fail(std::move(r).error().context("snapshot container " + name));
    return chosen;
}

Result<std::vector<SnapshotInfo>> Manager::list_snapshots(const std::string& name) const
{
    const Container* c = find(name);
    if (!c)
        return fail(ErrorKind::NoSuchContainer, "no container named '" + name + "' (see 'berthctl list --all')");
    if (c->spec.ephemeral)
        return std::vector<SnapshotInfo>{};
    StorageDriver* pool = BERTH_TRY(deps_.images.container_pool(name));
    auto snaps = BERTH_TRY(pool->list_snapshots(VolumeKind::Container, name));
    std::sort(snaps.begin(), snaps.end(), [](const auto& a, const auto& b) {
        return a.created_at != b.created_at ? a.created_at < b.created_at : a.name < b.name;
    });
    return snaps;
}

Result<> Manager::restore_snapshot(const std::string& name, const std::string& snapshot, bool stop,
                                   std::function<void(Result<>)> done)
{
    auto* c = BERTH_TRY(lookup(name));
    BERTH_TRY(check_snapshot_name(snapshot));
    StorageDriver* pool = BERTH_TRY(deps_.images.container_pool(name));
    auto snaps = BERTH_TRY(pool->list_snapshots(VolumeKind::Container, name));
    if (std::none_of(snaps.begin(), snaps.end(), [&](const auto& s) { return s.name == snapshot; }))
        return fail(ErrorKind::NoSuchPool, "container '" + name + "' has no snapshot '" + snapshot +
                                               "' (see 'berthctl snapshot list " + name + "')");
    auto restore = [this, name, snapshot]() -> Result<> {
        auto pool = BERTH_TRY(deps_.images.container_pool(name));
        auto r = pool->restore_snapshot(VolumeKind::Container, name, snapshot);
        if (!r)
            return fail(std::move(r).error().context("restore snapshot " + snapshot + " of container " + name));
        if (auto* again = find(name))
            const_cast<Container*>(again)->init = detect_init(root_of(again->spec), again->spec);
        return {};
    };
    if (!c->active()) {
        done(restore());
        return {};
    }
    if (!stop)
        return fail(ErrorKind::InvalidState, "container '" + name + "' is running: stop it first, or restore "
                                             "with --stop to stop it now");
    BERTH_TRY(terminate(name));
    return wait(name, [done, restore](Result<int>) { done(restore()); });
}

Result<> Manager::remove_snapshot(const std::string& name, const std::string& snapshot)
{
    BERTH_TRY(lookup(name));
    BERTH_TRY(check_snapshot_name(snapshot));
    StorageDriver* pool = BERTH_TRY(deps_.images.container_pool(name));
    auto r = pool->delete_snapshot(VolumeKind::Container, name, snapshot);
    if (!r)
        return fail(std::move(r).error().context("remove snapshot " + snapshot + " of container " + name));
    return {};
}

Result<> Manager::clone(const std::string& source, const std::string& target, const std::string& pool_name)
{
    auto* src = BERTH_TRY(lookup(source));
    BERTH_TRY(validate_name(target, "container name"));
    if (containers_.count(target))
        return fail(ErrorKind::AlreadyExists, "a container named '" + target + "' already exists");
    if (src->spec.ephemeral)
        return fail(ErrorKind::NotSupported, "container '" + source + "' is ephemeral: create a new one from its "
                                             "image instead");
    if (src->spec.idmap_mode == IdMapMode::Shifted)
        return fail(ErrorKind::NotSupported, "container '" + source + "' has a shifted root (its pool refuses "
                                             "idmapped mounts), which cannot be cloned");
    StorageDriver* from = BERTH_TRY(deps_.images.container_pool(source));
    StorageDriver* to = pool_name.empty() ? from : BERTH_TRY(deps_.images.pool(pool_name));
    if (src->active() && !(to == from && from->capabilities().cow_clone))
        return fail(ErrorKind::InvalidState, "container '" + source + "' is running and pool '" +
                                                 from->config().name + "' cannot snapshot it atomically: stop it "
                                                 "first");
    ContainerSpec spec = src->spec;
    spec.name = target;
    spec.pool = to->config().name;
    spec.autostart = false;
    spec.port_forwards.clear();  // host ports belong to the source
    spec.last_exit_status = -1;
    spec.created_at = manager_detail::now_usec();
    if (spec.limits.disk && !to->capabilities().quotas)
        spec.limits.disk = 0;

    Reverter revert;
    spec.idmap_base = BERTH_TRY(idmap_.allocate(target));
    spec.idmap_size = idmap_.range_size();
    revert.add([this, target] { idmap_.release(target); });
    BERTH_TRY(acquire_leases(spec));
    revert.add([this, target] { release_leases(target); });

    Result<> copied = to == from
        ? from->clone_volume(VolumeKind::Container, source, VolumeKind::Container, target)
        : to->create_volume_from(VolumeKind::Container, target, [&](const std::string& path) -> Result<> {
              return copy_tree_into(from->volume_path(VolumeKind::Container, source), path);
          });
    if (!copied)
        return fail(std::move(copied).error().context("copy the root of " + source + " to " + target));
    revert.add([this, target] { (void)deps_.images.remove_container_root(target); });
    if (spec.limits.disk)
        BERTH_TRY(deps_.images.set_container_quota(target, spec.limits.disk));
    if (auto r = deps_.store.save(spec); !r)
        return fail(r.error().context("save definition of container " + target));
    revert.success();

    auto c = std::make_unique<Container>();
    c->spec = std::move(spec);
    c->init = detect_init(root_of(c->spec), c->spec);
    auto& ref = *c;
    containers_.emplace(target, std::move(c));
    if (observer_)
        observer_->container_added(ref);
    return {};
}

std::vector<std::string> Manager::pool_users(const std::string& pool) const
{
    std::vector<std::string> out;
    const std::string fallback = deps_.images.default_pool_name();
    for (const auto& [name, c] : containers_) {
        if (c->spec.ephemeral)
            continue;
        auto where = deps_.images.container_pool(name);
        const std::string in = where ? (*where)->config().name : (c->spec.pool.empty() ? fallback : c->spec.pool);
        if (in == pool)
            out.push_back(name);
    }
    return out;
}

}  // namespace berth
