// org.berth1.Pool objects at /org/berth1/pool/NAME, one per storage pool, and the Manager calls that make and
// remove pools (manager_pools.cc). Properties are read from the pool's driver when asked.
#pragma once

#include <map>
#include <memory>

#include <sdbus-c++/sdbus-c++.h>

#include "core/event_loop.h"
#include "core/image_store.h"
#include "core/manager.h"
#include "core/storage/pool_registry.h"
#include "org.berth1.Pool.adaptor.h"

namespace berth::daemon {

std::string pool_object_path(const std::string& name);

class PoolObject final
    : public sdbus::AdaptorInterfaces<org::berth1::Pool_adaptor, sdbus::ManagedObject_adaptor,
                                      sdbus::Properties_adaptor> {
public:
    PoolObject(sdbus::IConnection& connection, const Pools& pools, const Manager& manager,
               const ImageStore& images, std::string name);
    ~PoolObject();
    void announce() { emitInterfacesAddedSignal(); }
    void retire() { emitInterfacesRemovedSignal(); }

private:
    std::string Name() override;
    std::string Driver() override;
    std::string Source() override;
    std::string Path() override;
    uint64_t Size() override;
    uint64_t Used() override;
    uint64_t Free() override;
    std::vector<std::string> Capabilities() override;
    bool Default() override;
    std::vector<std::string> Containers() override;
    std::vector<std::string> Images() override;

    const Pools& pools_;
    const Manager& manager_;
    const ImageStore& images_;
    std::string name_;
};

// Keeps one PoolObject per pool.
class PoolObjects {
public:
    PoolObjects(sdbus::IConnection& connection, EventLoop& loop, Pools& pools, Manager& manager,
                ImageStore& images);
    ~PoolObjects();
    void publish_existing();
    void added(const std::string& name);
    void removed(const std::string& name);

    // InvalidState naming what still uses the pool: container roots, images that exist only there, volumes.
    Result<> check_unused(const std::string& name) const;
    Pools& pools() { return pools_; }

private:
    sdbus::IConnection& connection_;
    EventLoop& loop_;
    Pools& pools_;
    Manager& manager_;
    ImageStore& images_;
    std::map<std::string, std::unique_ptr<PoolObject>> objects_;
    std::map<std::string, std::unique_ptr<PoolObject>> retired_;
};

// "cow-clone", "snapshots", ... as the Pool.Capabilities property lists them.
std::vector<std::string> capability_names(const Capabilities& caps);

}  // namespace berth::daemon
