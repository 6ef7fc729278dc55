// org.berth1.Manager (+ ObjectManager) at /org/berth1, and the registry of container objects. It observes the
// core Manager to publish containers as they come and go and to emit PropertiesChanged.
#pragma once

#include <map>
#include <memory>

#include <sdbus-c++/sdbus-c++.h>

#include "core/manager.h"
#include "daemon/container_object.h"
#include "daemon/image_import.h"
#include "org.berth1.Manager.adaptor.h"

namespace berth::daemon {

class ManagerObject final
    : public sdbus::AdaptorInterfaces<org::berth1::Manager_adaptor, sdbus::ObjectManager_adaptor>,
      public ManagerObserver {
public:
    ManagerObject(sdbus::IConnection& connection, EventLoop& loop, Manager& manager, ImageStore& images,
                  ImageImports& imports, std::string cgroup_mode, std::string default_image);
    ~ManagerObject();

    // Creates the objects of the containers the manager already knows (after Manager::init).
    void publish_existing();

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
    void RemoveImage(const std::string& name) override;
    std::string Version() override;
    std::string CgroupMode() override;
    std::string DefaultImage() override;

    sdbus::IConnection& connection_;
    EventLoop& loop_;
    Manager& manager_;
    ImageStore& images_;
    ImageImports& imports_;
    std::string cgroup_mode_;
    std::string default_image_;
    std::map<std::string, std::unique_ptr<ContainerObject>> objects_;
    // Objects of removed containers, destroyed on the next loop iteration: Container.Remove runs inside the
    // object's own method handler, and sdbus-c++ must not lose the handler while it runs.
    std::map<std::string, std::unique_ptr<ContainerObject>> retired_;
};

}  // namespace berth::daemon
