// The container manager: every operation on containers, in the daemon's single-threaded loop. Transport-free: the
// daemon's D-Bus objects call it and observe it. Collaborators come in through Deps (fakes in unit tests).
#pragma once

#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/message.h"
#include "base/unique_fd.h"
#include "core/config.h"
#include "core/container.h"
#include "core/event_loop.h"
#include "core/idmap_allocator.h"
#include "core/image_store.h"
#include "core/settings.h"
#include "core/state_store.h"
#include "core/unit_manager.h"

namespace berth {

class ManagerObserver {
public:
    virtual ~ManagerObserver() = default;
    virtual void container_added(const Container& container) = 0;
    virtual void container_removed(const std::string& name) = 0;
    // names of the org.berth1.Container properties that changed
    virtual void container_changed(const Container& container, const std::vector<std::string>& properties) = 0;
};

using StdioFds = std::array<UniqueFd, 3>;

class Manager {
public:
    struct Deps {
        const DaemonConfig& config;
        EventLoop& loop;
        UnitManager& units;
        ImageStore& images;
        StateStore& store;
    };
    explicit Manager(Deps deps);
    ~Manager();

    void set_observer(ManagerObserver* observer) { observer_ = observer; }

    // Load every definition, reserve its id range, and re-attach to containers whose supervisor still runs.
    // Returns warnings (broken definition files, overlapping ranges) for the log.
    Result<std::vector<std::string>> init();

    Result<> create(const std::string& name, const Settings& settings);
    // Start asynchronously: the supervisor, the scope and GO are set up at once (an error there is returned and
    // `started` is not called); `started` gets the outcome when PID 1 runs, or why it could not.
    Result<> start(const std::string& name, StartCallback started);
    // Start with PID 1's stdio bound to `stdio`; `done` gets PID 1's exit status when the container stops, or the
    // error when it could not start.
    Result<> start_attached(const std::string& name, StdioFds stdio, ExitCallback done);
    Result<> poweroff(const std::string& name);
    Result<> reboot(const std::string& name);
    Result<> terminate(const std::string& name);
    Result<> kill(const std::string& name, const std::string& whom, int signal);
    Result<> remove(const std::string& name, bool force);
    Result<> set_limits(const std::string& name, const Settings& settings);
    // Runs argv in the container; `done` gets the exit status when the command ends.
    Result<> exec(const std::string& name, std::vector<std::string> argv, std::vector<std::string> env,
                  StdioFds stdio, ExitCallback done);
    Result<UniqueFd> open_shell(const std::string& name, std::vector<std::string> argv,
                                std::vector<std::string> env);
    // `done` gets the exit status once the container is stopped (at once when it is).
    Result<> wait(const std::string& name, ExitCallback done);
    Result<UnitUsage> usage(const std::string& name);
    // InvalidState naming the ephemeral containers that run on `image`, if any.
    Result<> check_image_unused(const std::string& image) const;

    const Container* find(const std::string& name) const;
    std::vector<const Container*> containers() const;  // sorted by name

private:
    struct ExecSession;
    Result<Container*> lookup(const std::string& name);
    std::string runtime_dir(const std::string& name) const;
    // The tree the container runs on: its own copy, or the shared image for an ephemeral container.
    std::string root_of(const ContainerSpec& spec) const;
    Result<> start_container(Container& c, StdioFds* stdio, StartCallback started);
    Result<> launch(Container& c);
    void on_start_reply(const std::string& name, Result<Message> reply);
    void abort_launch(Container& c);
    void finish_start(Container& c, Result<> outcome);
    void retire_sources(PendingStart& pending);
    void attach_control(Container& c);
    void watch_supervisor(pid_t pid);
    void on_control_message(const std::string& name);
    void finish_stop(Container& c, int status, bool supervisor_lost);
    void arm_stop_timer(Container& c, uint32_t second);
    void reattach(Container& c);
    Result<> remove_container(const std::string& name);
    void notify_changed(const Container& c, std::vector<std::string> properties);
    void save_quietly(const Container& c);

    Deps deps_;
    IdMapAllocator idmap_;
    std::map<std::string, std::unique_ptr<Container>> containers_;
    std::map<uint64_t, std::unique_ptr<ExecSession>> execs_;
    std::map<pid_t, EventSource> supervisors_;  // berth-spawn processes started by this berthd, until reaped
    uint64_t next_exec_id_ = 1;
    ManagerObserver* observer_ = nullptr;
};

}  // namespace berth
