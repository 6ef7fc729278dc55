#include "daemon/container_object.h"

#include <fcntl.h>

#include <memory>

#include "base/names.h"
#include "core/net/network.h"
#include "daemon/bus_errors.h"
#include "daemon/bus_settings.h"

namespace berth::daemon {

namespace {
constexpr const char* kInterface = "org.berth1.Container";

UniqueFd take_fd(sdbus::UnixFd& fd)
{
    UniqueFd owned(fd.isValid() ? fcntl(fd.get(), F_DUPFD_CLOEXEC, 3) : -1);
    fd.reset();
    return owned;
}

// Completes an async D-Bus call from a core callback (which must be copyable, hence the shared_ptr).
template <typename T>
ExitCallback reply_with(sdbus::Result<T>&& result)
{
    auto shared = std::make_shared<sdbus::Result<T>>(std::move(result));
    return [shared](berth::Result<int> outcome) {
        if (outcome)
            shared->returnResults(static_cast<T>(*outcome));
        else
            shared->returnError(to_bus_error(outcome.error()));
    };
}
}  // namespace

StartCallback reply_done(sdbus::Result<>&& result)
{
    auto shared = std::make_shared<sdbus::Result<>>(std::move(result));
    return [shared](berth::Result<> outcome) {
        if (outcome)
            shared->returnResults();
        else
            shared->returnError(to_bus_error(outcome.error()));
    };
}

StdioFds take_stdio(sdbus::UnixFd& in, sdbus::UnixFd& out, sdbus::UnixFd& err)
{
    return {take_fd(in), take_fd(out), take_fd(err)};
}

std::string container_object_path(const std::string& name)
{
    return "/org/berth1/container/" + escape_object_path_label(name);
}

ContainerObject::ContainerObject(sdbus::IConnection& connection, Manager& manager, std::string name)
    : AdaptorInterfaces(connection, container_object_path(name)), manager_(manager), name_(std::move(name))
{
    registerAdaptor();
}

ContainerObject::~ContainerObject() { unregisterAdaptor(); }

void ContainerObject::properties_changed(const std::vector<std::string>& names)
{
    emitPropertiesChangedSignal(kInterface, names);
}

const Container& ContainerObject::current() const
{
    const Container* c = manager_.find(name_);
    if (!c)
        throw sdbus::Error(std::string(kErrorPrefix) + "NoSuchContainer", "container '" + name_ + "' was removed");
    return *c;
}

void ContainerObject::Start(sdbus::Result<>&& result)
{
    auto done = reply_done(std::move(result));
    if (auto r = manager_.start(name_, done); !r)
        done(tl::unexpected(r.error()));
}

void ContainerObject::StartAttached(sdbus::Result<int32_t>&& result, sdbus::UnixFd stdin_fd,
                                    sdbus::UnixFd stdout_fd, sdbus::UnixFd stderr_fd)
{
    auto done = reply_with(std::move(result));
    auto r = manager_.start_attached(name_, take_stdio(stdin_fd, stdout_fd, stderr_fd), done);
    if (!r)
        done(tl::unexpected(r.error()));
}

void ContainerObject::PowerOff() { value_or_throw(manager_.poweroff(name_)); }
void ContainerObject::Reboot() { value_or_throw(manager_.reboot(name_)); }
void ContainerObject::Terminate() { value_or_throw(manager_.terminate(name_)); }

void ContainerObject::Kill(const std::string& whom, const int32_t& signal)
{
    value_or_throw(manager_.kill(name_, whom, signal));
}

void ContainerObject::Remove(const bool& force) { value_or_throw(manager_.remove(name_, force)); }

void ContainerObject::SetLimits(const std::map<std::string, sdbus::Variant>& limits)
{
    auto settings = value_or_throw(settings_from_bus(limits));
    value_or_throw(manager_.set_limits(name_, settings));
}

void ContainerObject::Exec(sdbus::Result<int32_t>&& result, std::vector<std::string> argv,
                           std::vector<std::string> env, sdbus::UnixFd stdin_fd, sdbus::UnixFd stdout_fd,
                           sdbus::UnixFd stderr_fd)
{
    auto done = reply_with(std::move(result));
    auto r = manager_.exec(name_, std::move(argv), std::move(env), take_stdio(stdin_fd, stdout_fd, stderr_fd), done);
    if (!r)
        done(tl::unexpected(r.error()));
}

sdbus::UnixFd ContainerObject::OpenShell(const std::vector<std::string>& argv, const std::vector<std::string>& env)
{
    auto pty = value_or_throw(manager_.open_shell(name_, argv, env));
    return sdbus::UnixFd(pty.release(), sdbus::adopt_fd);
}

void ContainerObject::Wait(sdbus::Result<int32_t>&& result)
{
    auto done = reply_with(std::move(result));
    auto r = manager_.wait(name_, done);
    if (!r)
        done(tl::unexpected(r.error()));
}

std::string ContainerObject::Name() { return name_; }
std::string ContainerObject::State()
{
    return visible_state(current().state, current().guest);
}
std::string ContainerObject::Image() { return current().spec.image; }
std::string ContainerObject::Mode() { return std::string(kContainerModeTable.to_string(current().spec.mode)); }
std::vector<std::string> ContainerObject::Command() { return current().spec.command; }
bool ContainerObject::AutoRemove() { return current().spec.auto_remove; }
bool ContainerObject::Ephemeral() { return current().spec.ephemeral; }
std::string ContainerObject::Unit() { return current().unit(); }
uint32_t ContainerObject::Leader() { return static_cast<uint32_t>(current().leader); }
uint32_t ContainerObject::IdMapBase() { return current().spec.idmap_base; }
uint32_t ContainerObject::IdMapSize() { return current().spec.idmap_size; }
std::vector<std::string> ContainerObject::Networks() { return current().spec.networks; }

std::vector<sdbus::Struct<std::string, std::string, std::string, std::string>> ContainerObject::Addresses()
{
    std::vector<sdbus::Struct<std::string, std::string, std::string, std::string>> out;
    const Container& c = current();
    if (const net::NetworkManager* networks = manager_.networks())
        for (const auto& network : c.spec.networks)
            if (const net::Lease* l = networks->lease(name_, network))
                out.emplace_back(network, l->ifname, l->ipv4 ? l->ipv4->to_string() : "",
                                 l->ipv6 ? l->ipv6->to_string() : "");
    return out;
}

std::string ContainerObject::IdMapMode()
{
    return std::string(kIdMapModeTable.to_string(current().spec.idmap_mode));
}
uint64_t ContainerObject::CreatedAt() { return current().spec.created_at; }
uint64_t ContainerObject::StartedAt() { return current().started_at; }
int32_t ContainerObject::ExitStatus() { return current().spec.last_exit_status; }
std::string ContainerObject::StopReason() { return current().guest.stop_reason; }
std::string ContainerObject::GuestState() { return current().guest.system_state; }
std::string ContainerObject::GuestStatus() { return current().guest.status; }
std::string ContainerObject::OSName()
{
    const auto& c = current();
    if (!c.guest.os_name.empty() || c.active())
        return c.guest.os_name;
    return read_os_name(manager_.root_path(c.spec));   // stopped: the tree it will boot
}
uint64_t ContainerObject::MemoryMax() { return current().spec.limits.memory_max; }
uint64_t ContainerObject::MemoryHigh() { return current().spec.limits.memory_high; }
double ContainerObject::CPUs() { return current().spec.limits.cpus; }
uint64_t ContainerObject::CPUWeight() { return current().spec.limits.cpu_weight; }
uint64_t ContainerObject::TasksMax() { return current().spec.limits.tasks_max; }
uint64_t ContainerObject::IOWeight() { return current().spec.limits.io_weight; }
uint64_t ContainerObject::MemoryCurrent() { return value_or_throw(manager_.usage(name_)).memory_current; }
uint64_t ContainerObject::CPUUsageNSec() { return value_or_throw(manager_.usage(name_)).cpu_usage_nsec; }
uint64_t ContainerObject::TasksCurrent() { return value_or_throw(manager_.usage(name_)).tasks_current; }

}  // namespace berth::daemon
