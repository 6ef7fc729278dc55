// org.berth1.Manager (+ ObjectManager) at /org/berth1, and the registry of container objects. It observes the
// core Manager to publish containers as they come and go and to emit PropertiesChanged.
#pragma once

#include <map>
#include <memory>

#include <sdbus-c++/sdbus-c++.h>

#include "core/manager.h"
#include "core/net/network.h"
#include "daemon/container_object.h"
#include "daemon/image_build.h"
#include "daemon/image_import.h"
#include "org.berth1.Manager.adaptor.h"

namespace berth::daemon {

class Volumes;
class ArchiveJobs;
class PoolObjects;

class ManagerObject final
    : public sdbus::AdaptorInterfaces<org::berth1::Manager_adaptor, sdbus::ObjectManager_adaptor>,
      public ManagerObserver {
public:
    ManagerObject(sdbus::IConnection& connection, EventLoop& loop, Manager& manager, ImageStore& images,
                  ImageImports& imports, std::string cgroup_mode, std::string default_image);
    ~ManagerObject();

    // Creates the objects of the containers the manager already knows (after Manager::init).
    void publish_existing();
    // The networks served by CreateNetwork & co. (manager_object_network.cc); without them those answer NotSupported.
    void set_networks(net::NetworkManager* networks) { networks_ = networks; }
    // Volumes and export/import (manager_volumes.cc); without them those calls answer NotSupported.
    void set_volumes(Volumes* volumes) { volumes_ = volumes; }
    void set_archives(ArchiveJobs* archives) { archives_ = archives; }
    // Storage pools (manager_pools.cc); without them those calls answer NotSupported.
    void set_pools(PoolObjects* pools) { pools_ = pools; }

    void container_added(const Container& container) override;
    void container_removed(const std::string& name) override;
    void container_changed(const Container& container, const std::vector<std::string>& properties) override;

private:
    sdbus::ObjectPath CreateContainer(const std::string& name,
                                      const std::map<std::string, sdbus::Variant>& settings) override;
    sdbus::ObjectPath GetContainer(const std::string& name) override;
    std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, uint32_t, sdbus::ObjectPath>>
    ListContainers() override;
    void StartContainer(sdbus::Result<>&& result, std::string name) override;
    void PowerOffContainer(const std::string& name) override;
    void RebootContainer(const std::string& name) override;
    void TerminateContainer(const std::string& name) override;
    void KillContainer(const std::string& name, const std::string& whom, const int32_t& signal) override;
    void RemoveContainer(const std::string& name, const bool& force) override;
    std::vector<sdbus::Struct<std::string, std::string, uint64_t, uint64_t>> ListImages() override;
    void ImportImage(sdbus::Result<>&& result, sdbus::UnixFd tarball, std::string name) override;
    void RemoveImage(const std::string& name, const bool& force) override;
    void BuildImage(sdbus::Result<>&& result, std::string distribution, std::string name,
                    std::map<std::string, sdbus::Variant> options, sdbus::UnixFd progress) override;
    // Workflow: definitions, profiles, autostart, copy (manager_workflow.cc).
    std::tuple<std::string, std::string, std::vector<std::string>> ApplyDefinition(const std::string& text,
                                                                                   const std::string& origin) override;
    std::string GetContainerDefinition(const std::string& name) override;
    std::vector<std::string> ListProfiles() override;
    std::tuple<std::string, std::string> GetProfile(const std::string& name) override;
    void SetAutostart(const std::string& name, const bool& enabled,
                      const std::map<std::string, sdbus::Variant>& options) override;
    void CopyTo(sdbus::Result<>&& result, std::string name, std::string path, sdbus::UnixFd data,
                std::map<std::string, sdbus::Variant> options) override;
    void CopyFrom(sdbus::Result<>&& result, std::string name, std::string path, sdbus::UnixFd data,
                  std::map<std::string, sdbus::Variant> options) override;
    void start_copy(sdbus::Result<>&& result, const std::string& name, bool into_container, const std::string& path,
                    sdbus::UnixFd& data, const std::map<std::string, sdbus::Variant>& options);
    std::string Version() override;
    std::string CgroupMode() override;
    std::string DefaultImage() override;
    sdbus::ObjectPath CreateNetwork(const std::string& name,
                                    const std::map<std::string, sdbus::Variant>& settings) override;
    void RemoveNetwork(const std::string& name) override;
    std::vector<sdbus::Struct<std::string, std::string, std::string, std::string, bool, uint32_t, sdbus::ObjectPath>>
    ListNetworks() override;
    sdbus::ObjectPath GetNetwork(const std::string& name) override;
    void AttachNetwork(const std::string& container, const std::string& network) override;
    void DetachNetwork(const std::string& container, const std::string& network) override;
    sdbus::ObjectPath CreateVolume(const std::string& volume,
                                   const std::map<std::string, sdbus::Variant>& options) override;
    void RemoveVolume(const std::string& volume) override;
    std::vector<sdbus::Struct<std::string, std::string, uint64_t, uint64_t, std::vector<std::string>, sdbus::ObjectPath>>
    ListVolumes() override;
    sdbus::ObjectPath GetVolume(const std::string& volume) override;
    void ExportContainer(sdbus::Result<>&& result, std::string name, sdbus::UnixFd fd,
                         std::map<std::string, sdbus::Variant> options) override;
    void ImportContainer(sdbus::Result<sdbus::ObjectPath>&& result, sdbus::UnixFd fd, std::string name,
                         std::map<std::string, sdbus::Variant> options) override;
    void ExportVolume(sdbus::Result<>&& result, std::string volume, sdbus::UnixFd fd,
                      std::map<std::string, sdbus::Variant> options) override;
    void ImportVolume(sdbus::Result<sdbus::ObjectPath>&& result, sdbus::UnixFd fd, std::string volume,
                      std::map<std::string, sdbus::Variant> options) override;

    sdbus::ObjectPath CreatePool(const std::string& name, const std::string& driver,
                                 const std::map<std::string, sdbus::Variant>& options) override;
    void RemovePool(const std::string& name) override;
    std::vector<sdbus::Struct<std::string, std::string, std::string, uint64_t, uint64_t, uint64_t, sdbus::ObjectPath>>
    ListPools() override;
    sdbus::ObjectPath GetPool(const std::string& name) override;
    sdbus::ObjectPath CloneContainer(const std::string& source, const std::string& target,
                                     const std::map<std::string, sdbus::Variant>& options) override;
    PoolObjects& pool_objects();

    sdbus::IConnection& connection_;
    EventLoop& loop_;
    Manager& manager_;
    ImageStore& images_;
    ImageImports& imports_;
    ImageBuilds builds_{loop_, images_};
    std::string cgroup_mode_;
    std::string default_image_;
    net::NetworkManager* networks_ = nullptr;
    Volumes* volumes_ = nullptr;
    ArchiveJobs* archives_ = nullptr;
    PoolObjects* pools_ = nullptr;
    std::map<std::string, std::unique_ptr<ContainerObject>> objects_;
    // Objects of removed containers, destroyed on the next loop iteration: Container.Remove runs inside the
    // object's own method handler, and sdbus-c++ must not lose the handler while it runs.
    std::map<std::string, std::unique_ptr<ContainerObject>> retired_;
};

}  // namespace berth::daemon
