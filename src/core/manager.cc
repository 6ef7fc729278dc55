#include "core/manager.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <sys/syscall.h>

#include "base/fs.h"
#include "base/names.h"
#include "base/reverter.h"
#include "base/spawn_protocol.h"
#include "core/payload_signal.h"
#include "core/supervisor_client.h"

namespace berth {

namespace sp = spawn_protocol;

namespace {

constexpr int kStartTimeoutMs = 15000;  // within the 25 s a D-Bus client waits by default
constexpr int kReplyTimeoutMs = 10000;
// Status recorded when the supervisor vanished without telling how PID 1 ended.
constexpr int kStatusUnknown = 255;

uint64_t now_usec()
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

Error no_such_container(const std::string& name)
{
    return Error{ErrorKind::NoSuchContainer, 0, "no container named '" + name + "' (see 'berthctl list --all')"};
}

Error not_running(const Container& c)
{
    return Error{ErrorKind::InvalidState, 0,
                 "container '" + c.spec.name + "' is " +
                     std::string(kContainerStateTable.to_string(c.state)) + ", not running"};
}

std::vector<int> raw_fds(const StdioFds& fds)
{
    return {fds[0].get(), fds[1].get(), fds[2].get()};
}

// STARTED, STATE and REBOOTED carry leader= and started=; a reply without them is refused rather than trusted.
Result<> take_leader(Container& c, const Message& message)
{
    const std::string leader = message.get("leader");
    const std::string started = message.get("started");
    long pid = 0;
    unsigned long long usec = 0;
    auto [p1, e1] = std::from_chars(leader.data(), leader.data() + leader.size(), pid);
    auto [p2, e2] = std::from_chars(started.data(), started.data() + started.size(), usec);
    if (e1 != std::errc() || e2 != std::errc() || pid <= 0 || p1 != leader.data() + leader.size())
        return fail(ErrorKind::Failed, "the supervisor sent a malformed " + message.verb() + " message", EPROTO);
    // A PID 1 that ended already (a short command) is fine: EXITED follows, and there is nothing left to signal.
    UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0)));
    if (!pidfd && errno != ESRCH)
        return fail_errno("open the leader of container " + c.spec.name);
    c.leader = static_cast<pid_t>(pid);
    c.leader_pidfd = std::move(pidfd);
    c.started_at = usec;
    return {};
}

// The leader through its pidfd: never a process that merely inherited its pid.
Result<> signal_leader(const Container& c, int signal)
{
    if (!c.leader_pidfd)
        return {};  // PID 1 had ended before berthd heard it started
    if (syscall(SYS_pidfd_send_signal, c.leader_pidfd.get(), signal, nullptr, 0) < 0) {
        if (errno == ESRCH)
            return {};  // already gone: its supervisor is about to say how it ended
        return fail_errno("signal init of container " + c.spec.name);
    }
    return {};
}

}  // namespace

// One EXEC request in flight: its connection to the supervisor and who waits for the status.
struct Manager::ExecSession {
    UniqueFd connection;
    EventSource watch;
    UniqueFd stderr_fd;  // where "command not found" goes, as a shell would print it
    ExitCallback done;
};

namespace {

// A command that cannot be executed ends like it does under sh or nsenter: a message on its stderr and status 127
// (not found) or 126 (not executable). Other failures (joining the namespaces) are errors of the call.
Result<int> exec_failure(const Message& reply, int stderr_fd)
{
    const int code = std::atoi(reply.get("code").c_str());
    const bool not_found = code == ENOENT || code == ENOTDIR;
    const bool not_executable = code == EACCES || code == ENOEXEC || code == EISDIR;
    if (reply.get("reason") != "exec" && !not_found && !not_executable)
        return fail(error_from_failed(reply, "exec"));
    if (stderr_fd >= 0) {
        std::string line = "berth: " + reply.get("message") + "\n";
        (void)!::write(stderr_fd, line.data(), line.size());
    }
    return not_found ? 127 : 126;
}

}  // namespace

Manager::Manager(Deps deps)
    : deps_(deps), idmap_(deps.config.idmap_first, deps.config.idmap_count, deps.config.idmap_size)
{
}

Manager::~Manager() = default;

std::string Manager::root_of(const ContainerSpec& spec) const
{
    return spec.ephemeral ? deps_.images.image_root(spec.image) : deps_.images.container_root(spec.name);
}

Result<> Manager::check_image_unused(const std::string& image) const
{
    std::string users;
    for (const auto& [name, c] : containers_)
        if (c->spec.ephemeral && c->spec.image == image)
            users += (users.empty() ? "" : ", ") + name;
    if (!users.empty())
        return fail(ErrorKind::InvalidState,
                    "image '" + image + "' is in use by ephemeral container(s) " + users + "; remove them first");
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
    if (!deps_.images.exists(spec.image))
        return fail(ErrorKind::NoSuchImage,
                    "no image named '" + spec.image + "' (see 'berthctl image list')");

    Reverter revert;
    spec.idmap_base = BERTH_TRY(idmap_.allocate(name));
    spec.idmap_size = idmap_.range_size();
    revert.add([this, name] { idmap_.release(name); });
    spec.idmap_mode = IdMapMode::Idmapped;
    spec.created_at = now_usec();

    if (!spec.ephemeral) {
        if (auto r = deps_.images.create_container_root(spec.image, name); !r)
            return fail(r.error().context("create root of container " + name));
        revert.add([this, name] { (void)deps_.images.remove_container_root(name); });
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

Result<> Manager::start(const std::string& name, StartCallback started)
{
    auto* c = BERTH_TRY(lookup(name));
    return start_container(*c, nullptr, std::move(started));
}

Result<> Manager::start_attached(const std::string& name, StdioFds stdio, ExitCallback done)
{
    auto* c = BERTH_TRY(lookup(name));
    // The exit status is what the caller waits for; a start that fails ends the wait with its error.
    return start_container(*c, &stdio, [this, name, done](Result<> outcome) {
        if (!outcome) {
            done(tl::unexpected(outcome.error()));
            return;
        }
        if (auto* late = lookup(name).value_or(nullptr))
            late->waiters.push_back(done);
    });
}

Result<> Manager::start_container(Container& c, StdioFds* stdio, StartCallback started)
{
    if (c.state != ContainerState::Stopped)
        return fail(ErrorKind::InvalidState, "container '" + c.spec.name + "' is already " +
                                                 std::string(kContainerStateTable.to_string(c.state)));
    if (c.spec.ephemeral ? !deps_.images.exists(c.spec.image) : !deps_.images.container_root_exists(c.spec.name))
        return fail(ErrorKind::Failed, "the root file system of container '" + c.spec.name +
                                           "' is missing; remove the container and create it again");
    c.pending = std::make_unique<PendingStart>();
    if (stdio)
        for (auto& fd : *stdio)
            c.pending->stdio.push_back(std::move(fd));
    c.state = ContainerState::Starting;
    if (auto r = launch(c); !r) {
        c.pending.reset();
        c.state = ContainerState::Stopped;
        return fail(r.error().context("start container " + c.spec.name));
    }
    c.pending->started.push_back(std::move(started));
    notify_changed(c, {"State"});
    return {};
}

// Supervisor process, START, scope, GO; then STARTED is awaited in the loop (on_start_reply). What is set up here
// is undone at once on failure; later failures go through abort_launch.
Result<> Manager::launch(Container& c)
{
    const std::string dir = runtime_dir(c.spec.name);
    const std::string unit = c.unit();
    (void)remove_tree(dir);
    BERTH_TRY(make_dirs(dir, 0700));
    Reverter revert;
    revert.add([dir] { (void)remove_tree(dir); });

    auto supervisor = BERTH_TRY(launch_supervisor(deps_.config.spawn_path));
    const pid_t pid = supervisor.pid;
    watch_supervisor(pid);
    revert.add([pid] { ::kill(pid, SIGKILL); });

    // START goes first, so berth-spawn prepares while systemd creates the scope.
    PendingStart& pending = *c.pending;
    std::vector<int> stdio_fds;
    for (const auto& fd : pending.stdio)
        stdio_fds.push_back(fd.get());
    StartRequest request{&c.spec, root_of(c.spec), dir, c.spec.ephemeral, !stdio_fds.empty()};
    BERTH_TRY(send_message(supervisor.control.get(), start_message(request), stdio_fds));

    ScopeRequest scope;
    scope.unit = unit;
    scope.description = "berth container " + c.spec.name;
    scope.pid = pid;
    scope.limits = c.spec.limits;
    auto started = deps_.units.start_scope(scope);
    if (!started && started.error().kind == ErrorKind::Busy) {
        // A scope of an earlier run that systemd has not collected yet: stop it and try once more.
        (void)deps_.units.stop_unit(unit);
        started = deps_.units.start_scope(scope);
    }
    if (!started) {
        // A supervisor that gave up while preparing says why; that beats "no such process" from systemd.
        if (auto early = receive_message_within(supervisor.control.get(), 0); early && early->verb() == sp::kFailed)
            return fail(error_from_failed(*early, "the supervisor could not start the container"));
        return fail(started.error());
    }
    revert.add([this, unit] {
        (void)deps_.units.kill_unit(unit, "all", SIGKILL);
        (void)deps_.units.stop_unit(unit);
    });

    // A failed send means the supervisor is gone; its FAILED answer may still be waiting to be read.
    (void)send_message(supervisor.control.get(), {std::string(sp::kGo)});
    const std::string name = c.spec.name;
    auto watch = BERTH_TRY(deps_.loop.add_io(supervisor.control.get(), EPOLLIN, [this, name](uint32_t) {
        auto it = containers_.find(name);
        if (it != containers_.end() && it->second->pending)
            on_start_reply(name, receive_message(it->second->pending->control.get()));
    }));
    auto deadline = BERTH_TRY(deps_.loop.add_timer(uint64_t{kStartTimeoutMs} * 1000, [this, name] {
        on_start_reply(name, fail(ErrorKind::Failed, "the container's supervisor did not answer in time", ETIMEDOUT));
    }));
    pending.supervisor = pid;
    pending.control = std::move(supervisor.control);
    pending.watch = std::move(watch);
    pending.deadline = std::move(deadline);
    revert.success();
    return {};
}

void Manager::on_start_reply(const std::string& name, Result<Message> reply)
{
    auto it = containers_.find(name);
    if (it == containers_.end() || !it->second->pending)
        return;
    Container& c = *it->second;
    if (reply && reply->verb() == sp::kStarted) {
        auto taken = take_leader(c, *reply);
        if (taken) {
            c.control = std::move(c.pending->control);
            finish_start(c, {});
            return;
        }
        reply = fail(taken.error());
    }
    abort_launch(c);
    Error error = !reply ? reply.error()
                  : reply->verb() == sp::kFailed
                      ? error_from_failed(*reply, "the supervisor could not start the container")
                      : Error{ErrorKind::Failed, 0, "unexpected answer from the supervisor: " + reply->verb()};
    if (reply && reply->verb() == sp::kFailed && reply->get("reason") == sp::kReasonIdmapUnsupported) {
        if (c.spec.ephemeral) {
            error = Error{ErrorKind::NotSupported, 0,
                          "the pool's file system refuses idmapped mounts, which an ephemeral container needs"};
        } else if (!c.pending->retried) {
            // The file system refused idmapped mounts: shift the root once, record it, and start again.
            c.pending->retried = true;
            auto shifted = deps_.images.shift_container_root(c.spec.name, c.spec.idmap_base, c.spec.idmap_size);
            if (shifted) {
                c.spec.idmap_mode = IdMapMode::Shifted;
                save_quietly(c);
                if (auto again = launch(c); again)
                    return;
                else
                    error = again.error();
            } else {
                error = shifted.error().context("shift the root of container " + c.spec.name);
            }
        }
    }
    finish_start(c, fail(std::move(error).context("start container " + c.spec.name)));
}

// Undo a launch that got as far as GO: the supervisor, the scope and the runtime directory go.
void Manager::abort_launch(Container& c)
{
    PendingStart& pending = *c.pending;
    retire_sources(pending);
    pending.control.reset();
    if (pending.supervisor > 0)
        ::kill(pending.supervisor, SIGKILL);
    pending.supervisor = 0;
    (void)deps_.units.kill_unit(c.unit(), "all", SIGKILL);
    (void)deps_.units.stop_unit(c.unit());
    (void)remove_tree(runtime_dir(c.spec.name));
}

// The watch and deadline of a pending start may be the very source being dispatched: disable them now (so the
// control fd can be watched anew) and destroy them on the next loop iteration.
void Manager::retire_sources(PendingStart& pending)
{
    auto old = std::make_shared<std::pair<EventSource, EventSource>>(std::move(pending.watch),
                                                                     std::move(pending.deadline));
    old->first.disable();
    old->second.disable();
    deps_.loop.defer([old] {});
}

void Manager::finish_start(Container& c, Result<> outcome)
{
    auto pending = std::move(c.pending);
    retire_sources(*pending);
    if (outcome) {
        c.state = ContainerState::Running;
        attach_control(c);
        notify_changed(c, {"State", "Leader", "StartedAt", "IdMapMode"});
    } else {
        c.state = ContainerState::Stopped;
        notify_changed(c, {"State"});
    }
    // The callbacks may remove the container (run --rm): nothing of `c` is used after them.
    for (auto& started : pending->started)
        started(outcome);
}

// berthd is the parent of the supervisors it starts (until it restarts): reap each when it exits. Kept apart from
// the Container, which may be gone (auto-remove) before its supervisor has finished exiting.
void Manager::watch_supervisor(pid_t pid)
{
    auto source = deps_.loop.add_child(pid, [this, pid](const siginfo_t&) {
        // sd-event reaps the child after this callback; drop the source on the next iteration.
        deps_.loop.defer([this, pid] { supervisors_.erase(pid); });
    });
    if (source)
        supervisors_[pid] = std::move(*source);
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
        finish_stop(c, status, true);
        return;
    }
    if (message->verb() == sp::kRebooted) {
        if (!take_leader(c, *message))
            return;
        // A PowerOff that raced the reboot still stands: the new init gets the signal (the timer keeps going).
        if (c.state == ContainerState::Stopping)
            (void)signal_leader(c, poweroff_signal(c.init));
        notify_changed(c, {"State", "Leader", "StartedAt"});
    } else if (message->verb() == sp::kExited) {
        finish_stop(c, std::atoi(message->get("status").c_str()), false);
    }
}

void Manager::finish_stop(Container& c, int status, bool supervisor_lost)
{
    const std::string name = c.spec.name;
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
    if (c.spec.auto_remove) {
        (void)remove_container(name);
    } else {
        save_quietly(c);
        notify_changed(c, {"State", "Leader", "StartedAt", "ExitStatus"});
    }
    for (auto& done : waiters)
        done(status);
}

static Error starting_busy(const Container& c)
{
    return Error{ErrorKind::Busy, 0, "container '" + c.spec.name + "' is starting; try again when it runs"};
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
    BERTH_TRY(deps_.store.remove(name));
    if (auto r = c.spec.ephemeral ? Result<>{} : deps_.images.remove_container_root(name); !r)
        fprintf(stderr, "berthd: container %s removed but its root was not: %s\n", name.c_str(),
                r.error().describe().c_str());
    idmap_.release(name);
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
    if (c->active())
        BERTH_TRY(deps_.units.set_limits(c->unit(), limits));
    ContainerSpec updated = c->spec;
    updated.limits = limits;
    BERTH_TRY(deps_.store.save(updated));
    c->spec = std::move(updated);
    notify_changed(*c, {"MemoryMax", "MemoryHigh", "CPUs", "CPUWeight", "TasksMax", "IOWeight"});
    return {};
}

Result<> Manager::exec(const std::string& name, std::vector<std::string> argv, std::vector<std::string> env,
                       StdioFds stdio, ExitCallback done)
{
    auto* c = BERTH_TRY(lookup(name));
    if (argv.empty() || argv[0].empty())
        return fail(ErrorKind::InvalidArgument, "no command given");
    const auto fields = BERTH_TRY(command_request(sp::kExec, argv, env));
    if (c->state != ContainerState::Running)
        return fail(not_running(*c));
    auto conn = BERTH_TRY(connect_supervisor(runtime_dir(name)));
    BERTH_TRY(send_message(conn.get(), fields, raw_fds(stdio)));

    const uint64_t id = next_exec_id_++;
    auto session = std::make_unique<ExecSession>();
    session->done = std::move(done);
    session->stderr_fd = std::move(stdio[2]);
    auto watch = deps_.loop.add_io(conn.get(), EPOLLIN, [this, id](uint32_t) {
        auto it = execs_.find(id);
        if (it == execs_.end())
            return;
        auto message = receive_message(it->second->connection.get());
        Result<int> outcome = fail(ErrorKind::Failed, "the container's supervisor went away during exec");
        if (message && message->verb() == sp::kExecStarted)
            return;  // wait for the end
        if (message && message->verb() == sp::kExecExited)
            outcome = std::atoi(message->get("status").c_str());
        else if (message && message->verb() == sp::kFailed)
            outcome = exec_failure(*message, it->second->stderr_fd.get());
        auto finished = std::move(it->second);
        execs_.erase(it);
        finished->done(std::move(outcome));
    });
    if (!watch)
        return fail(watch.error());
    session->connection = std::move(conn);
    session->watch = std::move(*watch);
    execs_.emplace(id, std::move(session));
    return {};
}

Result<UniqueFd> Manager::open_shell(const std::string& name, std::vector<std::string> argv,
                                     std::vector<std::string> env)
{
    auto* c = BERTH_TRY(lookup(name));
    const auto fields = BERTH_TRY(command_request(sp::kShell, argv, env));
    if (c->state != ContainerState::Running)
        return fail(not_running(*c));
    auto conn = BERTH_TRY(connect_supervisor(runtime_dir(name)));
    BERTH_TRY(send_message(conn.get(), fields));
    auto reply = BERTH_TRY(receive_message_within(conn.get(), kReplyTimeoutMs));
    if (reply.verb() == sp::kFailed)
        return fail(error_from_failed(reply, "open a shell in container " + name));
    if (reply.verb() != sp::kPty || reply.fds.empty())
        return fail(ErrorKind::Failed, "unexpected answer from the supervisor: " + reply.verb());
    return std::move(reply.fds[0]);
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
    return deps_.units.usage(c->unit());
}

}  // namespace berth
