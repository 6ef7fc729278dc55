#include "core/manager.h"

#include <signal.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>


#include "base/fs.h"
#include "base/names.h"
#include "base/reverter.h"
#include "core/payload_signal.h"
#include "core/manager_internal.h"
#include "core/supervisor_client.h"

namespace berth {

using namespace manager_detail;

Manager::Manager(Deps deps)
    : deps_(deps), idmap_(deps.config.idmap_first, deps.config.idmap_count, deps.config.idmap_size)
{
}

Manager::~Manager() = default;

std::string Manager::root_of(const ContainerSpec& spec) const
{
    return spec.ephemeral ? deps_.images.image_root(spec.image) : deps_.images.container_root(spec.name);
}

Result<> Manager::check_image_unused(const std::string& image, bool force) const
{
    std::string ephemeral, copies;
    for (const auto& [name, c] : containers_) {
        if (c->spec.image != image)
            continue;
        std::string& users = c->spec.ephemeral ? ephemeral : copies;
        users += (users.empty() ? "" : ", ") + name;
    }
    // Ephemeral containers run on the image itself: no force can take it from under them.
    if (!ephemeral.empty())
        return fail(ErrorKind::InvalidState,
                    "image '" + image + "' is in use by ephemeral container(s) " + ephemeral + "; remove them first");
    // The others have their own root, so removal is safe for them, but a user who removes an image that containers
    // were made from most likely did not mean to: say who, and let --force decide.
    if (!copies.empty() && !force)
        return fail(ErrorKind::InvalidState,
                    "image '" + image + "' is used by container(s) " + copies +
                        " (made from it); remove them first, or force it (berthctl image remove --force): they keep "
                        "their own root file system");
    return {};
}

std::string Manager::runtime_dir(const std::string& name) const
{
    return deps_.config.runtime_dir + "/containers/" + name;
}

Result<Container*> Manager::lookup(const std::string& name)
{
    BERTH_TRY(validate_name(name, "container name"));
    auto it = containers_.find(name);
    if (it == containers_.end())
        return fail(no_such_container(name));
    return it->second.get();
}

const Container* Manager::find(const std::string& name) const
{
    auto it = containers_.find(name);
    return it == containers_.end() ? nullptr : it->second.get();
}

std::vector<const Container*> Manager::containers() const
{
    std::vector<const Container*> out;
    out.reserve(containers_.size());
    for (const auto& [name, c] : containers_)
        out.push_back(c.get());
    return out;
}

void Manager::notify_changed(const Container& c, std::vector<std::string> properties)
{
    if (observer_)
        observer_->container_changed(c, properties);
}

void Manager::save_quietly(const Container& c)
{
    if (auto r = deps_.store.save(c.spec); !r)
        fprintf(stderr, "berthd: cannot save definition of %s: %s\n", c.spec.name.c_str(),
                r.error().describe().c_str());
}

Result<std::vector<std::string>> Manager::init()
{
    std::vector<std::string> warnings;
    BERTH_TRY(deps_.store.init());
    BERTH_TRY(make_dirs(deps_.config.runtime_dir + "/containers", 0700));
    auto specs = BERTH_TRY(deps_.store.load_all(&warnings));
    for (auto& spec : specs) {
        if (auto r = idmap_.reserve(spec.name, spec.idmap_base, spec.idmap_size); !r) {
            warnings.push_back("container " + spec.name + " skipped: " + r.error().describe());
            continue;
        }
        auto c = std::make_unique<Container>();
        c->spec = std::move(spec);
        c->init = detect_init(root_of(c->spec), c->spec);
        auto& ref = *c;
        containers_.emplace(ref.spec.name, std::move(c));
        reattach(ref);
    }
    // A crash between a root and its definition (create writes the root first, remove deletes the definition
    // first) leaves a root nobody owns; it would block the name forever. A definition that exists but does not
    // parse keeps its root: the admin may still repair it.
    for (const auto& name : deps_.images.container_root_names()) {
        if (containers_.count(name) || path_exists(deps_.store.path_of(name)))
            continue;
        if (auto r = deps_.images.remove_container_root(name); r)
            warnings.push_back("removed the root of container " + name + ", left without a definition");
    }
    return warnings;
}

// After a daemon restart: find the supervisor of a container that was running, or learn how it ended.
void Manager::reattach(Container& c)
{
    const std::string dir = runtime_dir(c.spec.name);
    if (!path_exists(dir))
        return;
    if (auto conn = connect_supervisor(dir)) {
        if (send_message(conn->get(), {std::string(sp::kWatch)})) {
            auto reply = receive_message_within(conn->get(), kReplyTimeoutMs);
            if (reply && reply->verb() == sp::kState && take_leader(c, *reply)) {
                c.state = ContainerState::Running;
                c.control = std::move(*conn);
                attach_control(c);
                guest_started(c, reply->get("ready") == "1");
                return;
            }
        }
    }
    // The supervisor is gone: take its last word, then make sure nothing of the container is left.
    if (auto status = read_file(dir + "/" + std::string(sp::kExitStatusFile))) {
        auto pos = status->find("status=");
        if (pos != std::string::npos)
            c.spec.last_exit_status = std::atoi(status->c_str() + pos + 7);
        save_quietly(c);
    }
    if (auto active = deps_.units.is_active(c.unit()); active && *active)
        (void)deps_.units.stop_unit(c.unit());
    (void)remove_tree(dir);
    if (c.spec.auto_remove)
        (void)remove_container(c.spec.name);
}

Result<> Manager::create(const std::string& name, const Settings& settings)
{
    BERTH_TRY(validate_name(name, "container name"));
    if (containers_.count(name))
        return fail(ErrorKind::AlreadyExists, "a container named '" + name + "' already exists");
    auto spec = BERTH_TRY(spec_from_settings(name, settings, deps_.config.default_limits,
                                             deps_.config.default_image));
    default_network(spec, settings);
    return create_spec(std::move(spec));
}

// The part of create shared with apply (definitions): id range, root, definition file, object.
Result<> Manager::create_spec(ContainerSpec spec)
{
    const std::string name = spec.name;
    BERTH_TRY(validate_name(name, "container name"));
    if (containers_.count(name))
        return fail(ErrorKind::AlreadyExists, "a container named '" + name + "' already exists");
    if (!deps_.images.exists(spec.image))
        return fail(ErrorKind::NoSuchImage,
                    "no image named '" + spec.image + "' (see 'berthctl image list')");

    if (spec.pool.empty())
        spec.pool = deps_.images.default_pool_name();
    if (!spec.ephemeral)
        BERTH_TRY(deps_.images.check_container_pool(spec.pool, spec.limits.disk));

    Reverter revert;
    spec.idmap_base = BERTH_TRY(idmap_.allocate(name));
    spec.idmap_size = idmap_.range_size();
    revert.add([this, name] { idmap_.release(name); });
    BERTH_TRY(acquire_leases(spec));
    revert.add([this, name] { release_leases(name); });
    spec.idmap_mode = IdMapMode::Idmapped;
    spec.created_at = now_usec();

    if (!spec.ephemeral) {
        if (auto r = deps_.images.create_container_root(spec.image, name, spec.pool); !r)
            return fail(r.error().context("create root of container " + name));
        revert.add([this, name] { (void)deps_.images.remove_container_root(name); });
        if (spec.limits.disk)
            BERTH_TRY(deps_.images.set_container_quota(name, spec.limits.disk));
    }
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

void Manager::attach_control(Container& c)
{
    const std::string name = c.spec.name;
    auto watch = deps_.loop.add_io(c.control.get(), EPOLLIN, [this, name](uint32_t) { on_control_message(name); });
    if (watch)
        c.control_watch = std::move(*watch);
}

void Manager::on_control_message(const std::string& name)
{
    auto it = containers_.find(name);
    if (it == containers_.end())
        return;
    Container& c = *it->second;
    auto message = receive_message(c.control.get());
    if (!message) {
        // The supervisor died without a word (killed): the container is gone with it, or must be made so.
        int status = kStatusUnknown;
        if (auto text = read_file(runtime_dir(name) + "/" + std::string(sp::kExitStatusFile))) {
            auto pos = text->find("status=");
            if (pos != std::string::npos)
                status = std::atoi(text->c_str() + pos + 7);
        }
        c.guest.stop_reason = "killed";
        finish_stop(c, status, true);
        return;
    }
    if (message->verb() == sp::kRebooted) {
        if (!take_leader(c, *message))
            return;
        networks_up(c);   // the new payload has new veths
        // A PowerOff that raced the reboot still stands: the new init gets the signal (the timer keeps going).
        if (c.state == ContainerState::Stopping)
            (void)signal_leader(c, poweroff_signal(c.init));
        c.guest.stop_reason = "reboot";
        guest_started(c, false);
        notify_changed(c, {"State", "Leader", "StartedAt", "GuestState", "StopReason"});
    } else if (message->verb() == sp::kExited) {
        const int status = std::atoi(message->get("status").c_str());
        c.guest.stop_reason = stop_reason_of(message->get("reason"), status);
        finish_stop(c, status, false);
    } else if (message->verb() == sp::kNotify) {
        on_guest_notify(c, *message);
    }
}

void Manager::finish_stop(Container& c, int status, bool supervisor_lost)
{
    const std::string name = c.spec.name;
    networks_down(c);
    c.control_watch = EventSource();
    c.control.reset();
    c.stop_timer = EventSource();
    c.state = ContainerState::Stopped;
    c.leader = 0;
    c.leader_pidfd.reset();
    c.started_at = 0;
    c.spec.last_exit_status = status;
    if (supervisor_lost) {
        // Whatever the supervisor left in the scope goes with it.
        (void)deps_.units.kill_unit(c.unit(), "all", SIGKILL);
        (void)deps_.units.stop_unit(c.unit());
    }
    (void)remove_tree(runtime_dir(name));
    auto waiters = std::move(c.waiters);
    c.waiters.clear();
    const bool auto_remove = c.spec.auto_remove;
    if (!auto_remove)
        notify_changed(c, {"State", "Leader", "StartedAt", "ExitStatus", "GuestState", "StopReason"});
    // The callers waiting for the exit (run --rm, Wait) are answered first: writing the definition or removing
    // the container (definition, leases, DNS names: fsyncs and calls to systemd) is not theirs to wait for.
    // berthd is single-threaded, so no other request is served before that is done.
    for (auto& done : waiters)
        done(status);
    if (auto_remove)
        (void)remove_container(name);
    else if (auto late = lookup(name))
        save_quietly(**late);
}

Result<> Manager::poweroff(const std::string& name)
{
    auto* c = BERTH_TRY(lookup(name));
    if (c->state == ContainerState::Starting)
        return fail(starting_busy(*c));
    if (c->state == ContainerState::Stopping)
        return {};
    if (c->state != ContainerState::Running)
        return fail(not_running(*c));
    BERTH_TRY(signal_leader(*c, poweroff_signal(c->init)));
    c->state = ContainerState::Stopping;
    arm_stop_timer(*c, 1);
    notify_changed(*c, {"State"});
    return {};
}

// PID 1 of a pid namespace drops signals it has no handler for yet (an init that is still starting), so the
// poweroff signal is repeated every second until the stop timeout; then the container is terminated.
void Manager::arm_stop_timer(Container& c, uint32_t second)
{
    const std::string name = c.spec.name;
    auto timer = deps_.loop.add_timer(1000000, [this, name, second] {
        auto it = containers_.find(name);
        if (it == containers_.end() || it->second->state != ContainerState::Stopping)
            return;
        Container& late = *it->second;
        if (second >= deps_.config.stop_timeout_sec) {
            fprintf(stderr, "berthd: container %s did not stop within %us; terminating it\n", name.c_str(),
                    deps_.config.stop_timeout_sec);
            late.guest.stop_timed_out = true;
            (void)terminate(name);
            return;
        }
        (void)signal_leader(late, poweroff_signal(late.init));
        arm_stop_timer(late, second + 1);
    });
    if (timer)
        c.stop_timer = std::move(*timer);
}

Result<> Manager::reboot(const std::string& name)
{
    auto* c = BERTH_TRY(lookup(name));
    if (c->state != ContainerState::Running)
        return fail(not_running(*c));
    if (int sig = reboot_signal(c->init); sig != 0)
        return signal_leader(*c, sig);
    auto conn = BERTH_TRY(connect_supervisor(runtime_dir(name)));
    BERTH_TRY(send_message(conn.get(), {std::string(sp::kReboot)}));
    auto reply = BERTH_TRY(receive_message_within(conn.get(), kStartTimeoutMs));
    if (reply.verb() != sp::kOk)
        return fail(error_from_failed(reply, "reboot container " + name));
    return {};
}

Result<> Manager::terminate(const std::string& name)
{
    auto* c = BERTH_TRY(lookup(name));
    if (c->state == ContainerState::Starting)
        return fail(starting_busy(*c));
    if (c->state == ContainerState::Stopped)
        return fail(not_running(*c));
    // SIGKILL first: systemd as PID 1 ignores SIGTERM, and StopUnit would wait for its stop timeout.
    (void)deps_.units.kill_unit(c->unit(), "all", SIGKILL);
    BERTH_TRY(deps_.units.stop_unit(c->unit()));
    // The supervisor may have said EXITED before it died; take that status if it is there.
    int status = 128 + SIGKILL;
    if (c->control) {
        for (;;) {
            auto message = receive_message_within(c->control.get(), 0);
            if (!message)
                break;
            if (message->verb() == sp::kExited)
                status = std::atoi(message->get("status").c_str());
        }
    }
    c->guest.stop_reason = c->guest.stop_timed_out ? "timeout" : "killed";
    finish_stop(*c, status, false);
    return {};
}

Result<> Manager::kill(const std::string& name, const std::string& whom, int signal)
{
    auto* c = BERTH_TRY(lookup(name));
    if (signal <= 0 || signal > SIGRTMAX)
        return fail(ErrorKind::InvalidArgument,
                    "invalid signal number " + std::to_string(signal) + " (1.." + std::to_string(SIGRTMAX) + ")");
    if (whom != "leader" && whom != "all")
        return fail(ErrorKind::InvalidArgument, "invalid kill target '" + whom + "': use 'leader' or 'all'");
    if (c->state == ContainerState::Starting)
        return fail(starting_busy(*c));
    if (!c->active())
        return fail(not_running(*c));
    if (whom == "leader")
        return signal_leader(*c, signal);
    // Not KillUnit(all): that would hit the supervisor too, and nobody would be left to say how PID 1 ended.
    return signal_cgroup_tree(unit_payload_cgroup_dir(c->unit()), signal);
}

Result<> Manager::remove(const std::string& name, bool force)
{
    auto* c = BERTH_TRY(lookup(name));
    if (c->state == ContainerState::Starting)
        return fail(starting_busy(*c));
    if (c->active()) {
        if (!force)
            return fail(ErrorKind::InvalidState, "container '" + name + "' is " +
                                                     std::string(kContainerStateTable.to_string(c->state)) +
                                                     "; stop it first or remove it with --force");
        BERTH_TRY(terminate(name));
        if (!find(name))
            return {};  // it was an auto-remove container, gone already
    }
    return remove_container(name);
}

Result<> Manager::remove_container(const std::string& name)
{
    auto it = containers_.find(name);
    if (it == containers_.end())
        return {};
    Container& c = *it->second;
    // Definition first: a crash after this leaves an orphaned root in the pool, never a definition without a root.
    BERTH_TRY(deps_.store.remove(name, durability_of(c.spec)));
    if (auto r = c.spec.ephemeral ? Result<>{} : deps_.images.remove_container_root(name); !r)
        fprintf(stderr, "berthd: container %s removed but its root was not: %s\n", name.c_str(),
                r.error().describe().c_str());
    idmap_.release(name);
    release_leases(name);
    auto waiters = std::move(c.waiters);
    int status = c.spec.last_exit_status;
    containers_.erase(it);
    if (observer_)
        observer_->container_removed(name);
    for (auto& done : waiters)
        done(status);
    return {};
}

Result<> Manager::set_limits(const std::string& name, const Settings& settings)
{
    auto* c = BERTH_TRY(lookup(name));
    auto limits = BERTH_TRY(limits_from_settings(settings, c->spec.limits));
    if (limits.disk != c->spec.limits.disk && !c->spec.ephemeral)
        BERTH_TRY(deps_.images.set_container_quota(name, limits.disk));
    if (c->active())
        BERTH_TRY(deps_.units.set_limits(c->unit(), limits));
    ContainerSpec updated = c->spec;
    updated.limits = limits;
    BERTH_TRY(deps_.store.save(updated));
    const bool rate_changed = updated.limits.net_rate_in != c->spec.limits.net_rate_in ||
                              updated.limits.net_rate_out != c->spec.limits.net_rate_out;
    c->spec = std::move(updated);
    if (rate_changed)
        BERTH_TRY(apply_net_rate(name));   // tc on the veths, at once (systemd knows nothing of it)
    notify_changed(*c, {"MemoryMax", "MemoryHigh", "CPUs", "CPUWeight", "TasksMax", "IOWeight", "NetRateIn",
                        "NetRateOut"});
    return {};
}

Result<> Manager::wait(const std::string& name, ExitCallback done)
{
    auto* c = BERTH_TRY(lookup(name));
    if (!c->active()) {
        done(c->spec.last_exit_status);
        return {};
    }
    c->waiters.push_back(std::move(done));
    return {};
}

Result<UnitUsage> Manager::usage(const std::string& name)
{
    auto* c = BERTH_TRY(lookup(name));
    if (!c->active())
        return UnitUsage{};
    // One GetAll reads MemoryCurrent, CPUUsageNSec and TasksCurrent in turn: ask systemd once for the three
    // (four bus calls), not once each.
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    const uint64_t now = static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
    if (c->usage_read_at != 0 && now - c->usage_read_at < kUsageCacheUsec)
        return c->usage;
    c->usage = BERTH_TRY(deps_.units.usage(c->unit()));
    c->usage_read_at = now;
    return c->usage;
}

}  // namespace berth
