// berth-spawn's life after START: one single-threaded poll() loop that reaps children (signalfd), copies the
// console to console.log, serves supervisor.sock (WATCH, EXEC, SHELL, REBOOT), restarts the payload when the guest
// reboots, and on the payload's final exit records and reports the status, cleans up and returns.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "spawn/cgroups.h"
#include "spawn/console.h"
#include "spawn/notify.h"
#include "spawn/payload.h"
#include "spawn/start_config.h"

namespace berth::spawn {

class Supervisor {
public:
    Supervisor(StartConfig config, UniqueFd control);
    // Start the payload (answering STARTED or FAILED on the control connection), then supervise it.
    // Returns the process exit code: 0 after the container ended, non-zero when it could not start.
    int run();

private:
    struct Connection {
        uint64_t id = 0;
        UniqueFd fd;
        bool watcher = false;    // receives REBOOTED/EXITED
        bool answered = false;   // one request per connection
    };
    struct ExecJob {
        pid_t helper = -1;
        UniqueFd status;         // open until the command exec'd or failed
        uint64_t connection = 0;
        bool shell = false;
        pid_t pid = -1;
        UniqueFd pty_master;
        std::optional<Error> error;
        std::string error_reason;   // "setup" (joining, user, directory) or "exec" (the program itself)
        bool exited = false;
        int exit_status = 0;
    };

    // Everything that does not need the scope: runtime dir, console, signals, the listening socket. Runs while
    // berthd asks systemd for the scope, so it costs the container's start nothing.
    Result<> prepare();
    // Wait for berthd's GO (berth-spawn is in the scope now), then cgroups and the payload.
    Result<> start();
    Result<> listen_socket();
    Result<> block_signals();
    void loop();

    void on_signals();
    void on_notify();   // a message on the guest's notify socket
    void on_payload_died(int wait_status);
    void on_accept();
    void on_connection_input(Connection& connection);
    void handle_request(Connection& connection, Message&& request);
    Result<> handle_network(const Message& request);   // NET_ATTACH / NET_DETACH
    Result<> handle_mount(const Message& request);   // MOUNT / UMOUNT
    void on_job_status(ExecJob& job);
    void finish_job_if_done(ExecJob& job);
    void send_to(uint64_t connection, const std::vector<std::string>& fields, const std::vector<int>& fds = {});
    void broadcast(const std::vector<std::string>& fields);
    void finish(int status, const std::string& reason);
    std::string socket_path() const;

    StartConfig config_;
    UniqueFd control_;
    CgroupSet cgroups_;
    std::optional<Console> console_;
    std::optional<NotifySocket> notify_;   // boot mode only
    bool guest_ready_ = false;             // the current payload said READY=1
    Payload payload_;
    UniqueFd signals_;
    UniqueFd listener_;
    std::vector<Connection> connections_;
    std::vector<ExecJob> jobs_;
    uint64_t next_connection_id_ = 1;
    bool reboot_requested_ = false;
    bool terminating_ = false;
    bool done_ = false;
};

}  // namespace berth::spawn
