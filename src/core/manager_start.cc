// Starting a container: supervisor, START, scope, GO, then STARTED awaited in the loop.
#include "core/manager.h"

#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/reverter.h"
#include "core/manager_internal.h"
#include "core/supervisor_client.h"

namespace berth {

using namespace manager_detail;

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
    request.net = network_fields(c.spec);
    request.mounts = BERTH_TRY(resolve_mounts(c.spec));
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
        networks_up(c);
        guest_started(c, false);
        notify_changed(c, {"State", "Leader", "StartedAt", "IdMapMode", "GuestState", "OSName"});
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


}  // namespace berth
