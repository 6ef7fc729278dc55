// The Manager's side of export/import: what an export records, and adopting a container whose root an import made.
#include "core/manager.h"

#include "base/names.h"
#include "base/reverter.h"
#include "core/init_signals.h"
#include "core/manager_internal.h"

namespace berth {

using namespace manager_detail;

Result<std::string> Manager::export_header(const std::string& name) const
{
    const Container* c = find(name);
    if (!c)
        return fail(no_such_container(name));
    if (c->state != ContainerState::Stopped)
        return fail(ErrorKind::InvalidState, "container '" + name + "' is " +
                                                 std::string(kContainerStateTable.to_string(c->state)) +
                                                 "; stop it before exporting (an export of a running root would "
                                                 "not be consistent)");
    if (c->spec.ephemeral)
        return fail(ErrorKind::InvalidState, "container '" + name + "' is ephemeral: it has no root of its own to "
                                                 "export (export its image instead)");
    if (!deps_.images.container_root_exists(name))
        return fail(ErrorKind::Failed, "the root file system of container '" + name + "' is missing");
    return spec_to_toml(c->spec);
}

Result<> Manager::adopt_imported(ContainerSpec spec)
{
    const std::string name = spec.name;
    BERTH_TRY(validate_name(name, "container name"));
    if (containers_.count(name))
        return fail(ErrorKind::AlreadyExists, "a container named '" + name + "' already exists");
    Reverter revert;
    spec.idmap_base = BERTH_TRY(idmap_.allocate(name));
    spec.idmap_size = idmap_.range_size();
    revert.add([this, name] { idmap_.release(name); });
    BERTH_TRY(acquire_leases(spec));
    revert.add([this, name] { release_leases(name); });
    // The archive holds the root unshifted: it is seen through an idmapped mount of the new range.
    spec.idmap_mode = IdMapMode::Idmapped;
    spec.created_at = now_usec();
    spec.last_exit_status = -1;
    if (auto r = deps_.store.save(spec); !r)
        return fail(r.error().context("save definition of container " + name));
    revert.success();

    auto c = std::make_unique<Container>();
    c->spec = std::move(spec);
    c->init = detect_init(root_of(c->spec), c->spec);
    auto& ref = *c;
    containers_.emplace(name, std::move(c));
    if (observer_)
        observer_->container_added(ref);
    return {};
}

}  // namespace berth
