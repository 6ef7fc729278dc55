// The container manager: every operation on containers, in the daemon's single-threaded loop. Transport-free: the
// daemon's D-Bus objects call it and observe it. Collaborators come in through Deps (fakes in unit tests).
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/message.h"
#include "base/unique_fd.h"
#include "core/config.h"
#include "core/container.h"
#include "core/copy.h"
#include "core/definition.h"
#include "core/event_loop.h"
#include "core/idmap_allocator.h"
#include "core/image_store.h"
#include "core/settings.h"
#include "core/state_store.h"
#include "core/unit_manager.h"

namespace berth {

namespace net {
class NetworkManager;
}

class ManagerObserver {
public:
    virtual ~ManagerObserver() = default;
    virtual void container_added(const Container& container) = 0;
    virtual void container_removed(const std::string& name) = 0;
    // names of the org.berth1.Container properties that changed
    virtual void container_changed(const Container& container, const std::vector<std::string>& properties) = 0;
};

using StdioFds = std::array<UniqueFd, 3>;

// How exec runs a command besides its argv (org.berth1.Container.ExecWithOptions).
struct ExecOptions {
    std::vector<std::string> env;   // KEY=VALUE
    std::string user;               // empty: root; USER|UID[:GID|:GROUP], looked up in the container
    std::string workdir;            // empty: /; else an absolute path inside the container
};

class Manager {
public:
    struct Deps {
        const DaemonConfig& config;
        EventLoop& loop;
        UnitManager& units;
        ImageStore& images;
        StateStore& store;
        net::NetworkManager* networks = nullptr;  // none (unit tests): containers get loopback only
    };
    explicit Manager(Deps deps);
    ~Manager();

    void set_observer(ManagerObserver* observer) { observer_ = observer; }
    const net::NetworkManager* networks() const { return deps_.networks; }   // null: no networking

    // Load every definition, reserve its id range, and re-attach to containers whose supervisor still runs.
    // Returns warnings (broken definition files, overlapping ranges) for the log.
    Result<std::vector<std::string>> init();

    Result<> create(const std::string& name, const Settings& settings);
    // create from a complete spec (its id range, mode and timestamps are set here).
    Result<> create_spec(ContainerSpec spec);
    // Declarative definitions (manager_workflow.cc): create the container, or update its definition (a stopped
    // one fully; a running one gets its limits and autostart at once, the rest at its next start).
    Result<ApplyOutcome> apply(ContainerSpec wanted);
    // Autostart (berthctl enable/disable); order and delay stay as they are when not given.
    Result<> set_autostart(const std::string& name, bool enabled, std::optional<int32_t> order,
                           std::optional<uint32_t> delay);
    // The context definitions are read in: the daemon's defaults and profiles directory.
    DefinitionContext definition_context() const;
    // copy-to / copy-from (manager_copy.cc): `done` gets the outcome when the helper ends.
    Result<> copy(const std::string& name, CopyJob job, StartCallback done);
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
    // Guest access (manager_login.cc). A getty of the guest's systemd on a new pty of the container: its master.
    // NotSupported when the guest does not run systemd.
    Result<UniqueFd> open_login(const std::string& name);
    // A shell (or argv) as `user` through the guest's PAM (a transient service of the guest's systemd), or a plain
    // shell where the guest has no systemd. `status` is a socket that receives "STATUS N\n" (or "ERROR text\n")
    // when the command ends.
    struct ShellSession {
        UniqueFd pty;
        UniqueFd status;
        std::string method;   // "pam" or "plain"
    };
    Result<ShellSession> open_shell_session(const std::string& name, const std::string& user,
                                            std::vector<std::string> argv, std::vector<std::string> env);
    // A stream socket to the console (see spawn/console.h); Busy while another client is attached.
    Result<UniqueFd> open_console(const std::string& name);
    // exec with a user and a working directory (manager_exec.cc).
    Result<> exec_with_options(const std::string& name, std::vector<std::string> argv, ExecOptions options,
                               StdioFds stdio, ExitCallback done);
    // Binds and volumes (manager_mounts.cc). add_mount: mounted at once when the container runs (InvalidState
    // when it does not and !persist); with persist also recorded in the definition, so every start mounts it.
    Result<> add_mount(const std::string& name, MountSpec mount, bool persist);
    // Unmounts what is mounted on `target_or_volume` (a path inside, or POOL/NAME of an attached volume) in the
    // running container and drops it from the definition.
    Result<> remove_mount(const std::string& name, const std::string& target_or_volume, MountKind kind);
    // How a volume "POOL/NAME" becomes a host path (set by the daemon once pools exist).
    using VolumePathResolver = std::function<Result<std::string>(const std::string& volume)>;
    void set_volume_resolver(VolumePathResolver resolver) { volume_path_ = std::move(resolver); }
    // Names of the containers whose definition attaches `volume` (POOL/NAME).
    std::vector<std::string> volume_users(const std::string& volume) const;
    // Export/import (export_import.cc). export_header: the definition an export records, for a stopped container
    // with a root of its own (InvalidState otherwise); export_shift: its id range when its root is shifted.
    Result<std::string> export_header(const std::string& name) const;
    // Register a container whose root an import has made already: a new id range, the recorded settings.
    Result<> adopt_imported(ContainerSpec spec);
    // Storage (manager_storage.cc). Snapshots of a container's root, kept in its pool: read-only, O(1) on btrfs.
    // `snapshot` "" picks a name (snap0, snap1, ...); the name used is returned.
    Result<std::string> create_snapshot(const std::string& name, const std::string& snapshot);
    Result<std::vector<SnapshotInfo>> list_snapshots(const std::string& name) const;
    // The root becomes the snapshot again. A running container is refused (InvalidState) unless `stop`, which
    // terminates it first; `done` gets the outcome (at once when it was stopped).
    Result<> restore_snapshot(const std::string& name, const std::string& snapshot, bool stop,
                              std::function<void(Result<>)> done);
    Result<> remove_snapshot(const std::string& name, const std::string& snapshot);
    // A new stopped container `target` with a copy of `source`'s root (CoW on btrfs) and definition, its own id
    // range and addresses. `pool` "" = the source's pool.
    Result<> clone(const std::string& source, const std::string& target, const std::string& pool);
    // Names of the containers whose root is in `pool`.
    std::vector<std::string> pool_users(const std::string& pool) const;
    // `done` gets the exit status once the container is stopped (at once when it is).
    Result<> wait(const std::string& name, ExitCallback done);
    Result<UnitUsage> usage(const std::string& name);
    // InvalidState naming the ephemeral containers that run on `image` (always), or the containers made from it
    // (unless `force`: they keep their own root).
    Result<> check_image_unused(const std::string& image, bool force = false) const;

    // Port forwards and bandwidth limits (manager_ports.cc). add: the forward as parsed (canonical form);
    // AlreadyExists when another container (or this one) forwards the host port, InvalidState without a network.
    Result<PortForward> add_port_forward(const std::string& name, const std::string& forward);
    // port: "HOSTPORT[/tcp|/udp]".
    Result<> remove_port_forward(const std::string& name, const std::string& port);
    // Rewrites berth's port forward table from every container's forwards and leases.
    Result<> sync_port_forwards();
    // Puts the container's net rate limits on its host veths (when it runs). fresh_interface: the veths were just
    // made, so nothing needs removing when there is no limit.
    Result<> apply_net_rate(const std::string& name, bool fresh_interface = false);

    const Container* find(const std::string& name) const;
    // The tree a container boots (its own root, or the image of an ephemeral one).
    std::string root_path(const ContainerSpec& spec) const { return root_of(spec); }
    std::vector<const Container*> containers() const;  // sorted by name

    // Hot-plug (manager_network.cc): attach a container to one more network (eth1, ...) or detach it; on a running
    // container at once (supervisor NET_ATTACH/NET_DETACH), and recorded in its definition for the next starts.
    Result<> attach_network(const std::string& name, const std::string& network);
    Result<> detach_network(const std::string& name, const std::string& network);

private:
    struct ExecSession;
    struct CopySession;
    Result<Container*> lookup(const std::string& name);
    // Networking of one container (manager_network.cc): leases at create, net= fields at start, interface events.
    void default_network(ContainerSpec& spec, const Settings& settings) const;
    Result<> acquire_leases(const ContainerSpec& spec);
    void release_leases(const std::string& name);
    std::vector<std::string> network_fields(const ContainerSpec& spec) const;
    void networks_up(const Container& c);
    void networks_down(const Container& c);
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
    // The guest OS (manager_guest.cc): a new run of PID 1, NOTIFY from berth-spawn, the guest's system state.
    void guest_started(Container& c, bool ready);
    void on_guest_notify(Container& c, const Message& message);
    void query_guest_state(const std::string& name);
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
    std::map<pid_t, std::unique_ptr<CopySession>> copies_;
    std::map<pid_t, EventSource> supervisors_;  // berth-spawn processes started by this berthd, until reaped
    uint64_t next_exec_id_ = 1;
    VolumePathResolver volume_path_;
    // The definition's mounts with their sources as host paths (volumes resolved through volume_path_).
    Result<std::vector<std::pair<MountSpec, std::string>>> resolve_mounts(const ContainerSpec& spec) const;
    Result<std::string> mount_source_path(const MountSpec& mount) const;
    ManagerObserver* observer_ = nullptr;
};

}  // namespace berth
