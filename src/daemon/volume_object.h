// org.berth1.Volume objects at /org/berth1/volume/POOL/NAME, and the volume calls of org.berth1.Manager
// (CreateVolume, RemoveVolume, ListVolumes, GetVolume) translated to the VolumeStore and the Manager.
#pragma once

#include <map>
#include <memory>

#include <sdbus-c++/sdbus-c++.h>

#include "core/manager.h"
#include "core/volume_store.h"
#include "org.berth1.Volume.adaptor.h"

namespace berth::daemon {

std::string volume_object_path(const VolumeRef& ref);

class VolumeObject final
    : public sdbus::AdaptorInterfaces<org::berth1::Volume_adaptor, sdbus::ManagedObject_adaptor,
                                      sdbus::Properties_adaptor> {
public:
    VolumeObject(sdbus::IConnection& connection, const VolumeStore& store, const Manager& manager, VolumeRef ref);
    ~VolumeObject();
    void announce() { emitInterfacesAddedSignal(); }
    void retire() { emitInterfacesRemovedSignal(); }

private:
    VolumeStatus current() const;
    std::string Pool() override;
    std::string Name() override;
    std::string Path() override;
    uint64_t Size() override;
    uint64_t Used() override;
    std::vector<std::string> AttachedTo() override;

    const VolumeStore& store_;
    const Manager& manager_;
    VolumeRef ref_;
};

using VolumeListEntry = sdbus::Struct<std::string, std::string, uint64_t, uint64_t, std::vector<std::string>,
                                      sdbus::ObjectPath>;

// Keeps one VolumeObject per volume and carries out the Manager's volume calls.
class Volumes {
public:
    Volumes(sdbus::IConnection& connection, EventLoop& loop, VolumeStore& store, Manager& manager);
    ~Volumes();
    void publish_existing();

    Result<sdbus::ObjectPath> create(const std::string& volume, const std::map<std::string, sdbus::Variant>& options);
    Result<> remove(const std::string& volume);
    std::vector<VolumeListEntry> list() const;
    Result<sdbus::ObjectPath> get(const std::string& volume) const;
    // After an import made a volume.
    void added(const VolumeRef& ref);
    VolumeStore& store() { return store_; }

private:
    sdbus::IConnection& connection_;
    EventLoop& loop_;
    VolumeStore& store_;
    Manager& manager_;
    std::map<std::string, std::unique_ptr<VolumeObject>> objects_;   // by POOL/NAME
};

}  // namespace berth::daemon
