// org.berth1.Container at /org/berth1/container/NAME: translates calls to the Manager and reads properties from it.
#pragma once

#include <sdbus-c++/sdbus-c++.h>

#include "core/manager.h"
#include "org.berth1.Container.adaptor.h"

namespace berth::daemon {

std::string container_object_path(const std::string& name);

class ContainerObject final
    : public sdbus::AdaptorInterfaces<org::berth1::Container_adaptor, sdbus::ManagedObject_adaptor,
                                      sdbus::Properties_adaptor> {
public:
    ContainerObject(sdbus::IConnection& connection, Manager& manager, std::string name);
    ~ContainerObject();

    // Emits InterfacesAdded; called once the object is registered.
    void announce() { emitInterfacesAddedSignal(); }
    // Emits InterfacesRemoved; called when the container is removed, not when the daemon exits.
    void retire() { emitInterfacesRemovedSignal(); }
    void properties_changed(const std::vector<std::string>& names);

private:
    const Container& current() const;

    void Start(sdbus::Result<>&& result) override;
    void StartAttached(sdbus::Result<int32_t>&& result, sdbus::UnixFd stdin_fd, sdbus::UnixFd stdout_fd,
                       sdbus::UnixFd stderr_fd) override;
    void PowerOff() override;
    void Reboot() override;
    void Terminate() override;
    void Kill(const std::string& whom, const int32_t& signal) override;
    void Remove(const bool& force) override;
    void SetLimits(const std::map<std::string, sdbus::Variant>& limits) override;
    void Exec(sdbus::Result<int32_t>&& result, std::vector<std::string> argv, std::vector<std::string> env,
              sdbus::UnixFd stdin_fd, sdbus::UnixFd stdout_fd, sdbus::UnixFd stderr_fd) override;
    sdbus::UnixFd OpenShell(const std::vector<std::string>& argv, const std::vector<std::string>& env) override;
    // Guest access (container_access.cc).
    void ExecWithOptions(sdbus::Result<int32_t>&& result, std::vector<std::string> argv,
                         std::map<std::string, sdbus::Variant> options, sdbus::UnixFd stdin_fd,
                         sdbus::UnixFd stdout_fd, sdbus::UnixFd stderr_fd) override;
    sdbus::UnixFd OpenLogin() override;
    std::tuple<sdbus::UnixFd, sdbus::UnixFd, std::string> OpenShellSession(
        const std::string& user, const std::vector<std::string>& argv, const std::vector<std::string>& env) override;
    sdbus::UnixFd OpenConsole() override;
    void Wait(sdbus::Result<int32_t>&& result) override;
    // Binds and volumes (container_mounts.cc).
    void Bind(const std::string& host_path, const std::string& path,
              const std::map<std::string, sdbus::Variant>& options) override;
    void Unbind(const std::string& path) override;
    void AttachVolume(const std::string& volume, const std::string& path,
                      const std::map<std::string, sdbus::Variant>& options) override;
    void DetachVolume(const std::string& volume_or_path) override;
    std::vector<sdbus::Struct<std::string, std::string, std::string, bool, bool>> Mounts() override;

    std::string Name() override;
    std::string State() override;
    std::string Image() override;
    std::string Mode() override;
    std::vector<std::string> Command() override;
    bool AutoRemove() override;
    bool Ephemeral() override;
    std::string Unit() override;
    uint32_t Leader() override;
    uint32_t IdMapBase() override;
    uint32_t IdMapSize() override;
    std::string IdMapMode() override;
    std::vector<std::string> Networks() override;
    std::vector<sdbus::Struct<std::string, std::string, std::string, std::string>> Addresses() override;
    uint64_t CreatedAt() override;
    uint64_t StartedAt() override;
    int32_t ExitStatus() override;
    std::string StopReason() override;
    std::string GuestState() override;
    std::string GuestStatus() override;
    std::string OSName() override;
    bool Autostart() override;          // container_workflow.cc
    int32_t AutostartOrder() override;
    uint32_t AutostartDelay() override;
    uint64_t MemoryMax() override;
    uint64_t MemoryHigh() override;
    double CPUs() override;
    uint64_t CPUWeight() override;
    uint64_t TasksMax() override;
    uint64_t IOWeight() override;
    std::string AddPortForward(const std::string& forward) override;   // container_ports.cc
    void RemovePortForward(const std::string& port) override;
    std::vector<std::string> PortForwards() override;
    uint64_t NetRateIn() override;
    uint64_t NetRateOut() override;
    // Storage (container_storage.cc).
    std::string CreateSnapshot(const std::string& snapshot) override;
    std::vector<sdbus::Struct<std::string, uint64_t>> ListSnapshots() override;
    void RestoreSnapshot(sdbus::Result<>&& result, std::string snapshot, bool stop) override;
    void RemoveSnapshot(const std::string& snapshot) override;
    std::string Pool() override;
    uint64_t Disk() override;
    uint64_t MemoryCurrent() override;
    uint64_t CPUUsageNSec() override;
    uint64_t TasksCurrent() override;

    Manager& manager_;
    std::string name_;
};

// Completes an async D-Bus call that returns nothing, from a core callback.
StartCallback reply_done(sdbus::Result<>&& result);

// Takes ownership of the fds a D-Bus message carried (sdbus-c++ dups them without O_CLOEXEC).
StdioFds take_stdio(sdbus::UnixFd& in, sdbus::UnixFd& out, sdbus::UnixFd& err);

}  // namespace berth::daemon
