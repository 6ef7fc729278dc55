#include "spawn/supervisor.h"
#include "spawn/child_util.h"

#include <sys/resource.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "base/fs.h"
#include "base/message.h"
#include "base/spawn_protocol.h"
#include "spawn/exec_request.h"
#include "spawn/guest_open.h"
#include "spawn/security.h"

namespace berth::spawn {

namespace sp = spawn_protocol;

namespace {

int exit_code_of(int wait_status)
{
    return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

void log_error(const Error& error)
{
    std::fprintf(stderr, "berth-spawn: %s\n", error.describe().c_str());
}

}  // namespace

Supervisor::Supervisor(StartConfig config, UniqueFd control) : config_(std::move(config)), control_(std::move(control))
{
}

std::string Supervisor::socket_path() const
{
    return config_.runtime_dir + "/" + std::string(sp::kSocketName);
}

int Supervisor::run()
{
    auto r = prepare();
    if (r)
        r = start();
    if (!r) {
        // start() has answered FAILED already when the payload itself failed; this is everything before it.
        if (control_)
            (void)send_message(control_.get(), {std::string(sp::kFailed), "code=" + std::to_string(r.error().code),
                                                "reason=setup", "message=" + r.error().describe()});
        unlink(socket_path().c_str());
        cgroups_.remove();
        return 1;
    }
    loop();
    return 0;
}

Result<> Supervisor::block_signals()
{
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP})
        sigaddset(&set, sig);
    if (sigprocmask(SIG_BLOCK, &set, nullptr) < 0)
        return fail_errno("block signals");
    signals_.reset(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!signals_)
        return fail_errno("create signalfd");
    return {};
}

Result<> Supervisor::listen_socket()
{
    const std::string path = socket_path();
    struct sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
        return fail(ErrorKind::InvalidArgument, "socket path too long: " + path, ENAMETOOLONG);
    path.copy(addr.sun_path, path.size());
    listener_.reset(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!listener_)
        return fail_errno("create " + path);
    unlink(path.c_str());   // a stale socket from a supervisor that died
    // Created 0600 from the start: nobody but root may talk to the supervisor, not even briefly.
    mode_t old_mask = umask(0177);
    int r = bind(listener_.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr);
    umask(old_mask);
    if (r < 0)
        return fail_errno("bind " + path);
    if (listen(listener_.get(), 64) < 0)
        return fail_errno("listen on " + path);
    return {};
}

Result<> Supervisor::prepare()
{
    // The container must not inherit berthd's service settings (LimitNOFILE=, OOMScoreAdjust=): it starts from
    // the defaults systemd gives a service, so an OOM picks it like any other workload.
    (void)write_text_file("/proc/self/oom_score_adj", "0");
    struct rlimit files = {1024, 524288};
    struct rlimit current;
    if (getrlimit(RLIMIT_NOFILE, &current) == 0 && current.rlim_max < files.rlim_max && geteuid() != 0)
        files.rlim_max = current.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &files);
    BERTH_TRY(make_dirs(config_.runtime_dir, 0700));
    console_ = BERTH_TRY(Console::open(config_.runtime_dir, config_.uid_base));
    if (config_.mode == RunMode::Boot) {
        notify_ = BERTH_TRY(NotifySocket::open(config_.runtime_dir, config_.uid_base));
        config_.notify_socket = notify_->path();
    }
    BERTH_TRY(block_signals());
    BERTH_TRY(listen_socket());
    // Compiled now, while berthd waits for systemd to make the scope, instead of in every payload and exec.
    BERTH_TRY(prepare_seccomp());
    return {};
}

Result<> Supervisor::start()
{
    auto go = receive_message(control_.get());
    if (!go)
        return fail(go.error().context("wait for GO"));
    if (go->verb() != sp::kGo)
        return fail(ErrorKind::InvalidArgument, "expected GO, got '" + go->verb() + "'", EPROTO);
    cgroups_ = BERTH_TRY(CgroupSet::setup(config_.name, config_.uid_base).map_error([](Error e) {
        return std::move(e).context("set up the container's cgroups");
    }));

    auto launched = launch_payload(config_, *console_, cgroups_);
    if (!launched) {
        const auto& e = launched.error();
        (void)send_message(control_.get(), {std::string(sp::kFailed), "code=" + std::to_string(e.error.code),
                                            "reason=" + e.reason, "message=" + e.error.describe()});
        control_.reset();   // answered: run() must not answer again
        return fail(e.error);
    }
    payload_ = std::move(*launched);
    // The attached stdio belongs to the first PID 1 only; a reboot runs on the console.
    for (auto& fd : config_.stdio)
        fd.reset();
    config_.attached = false;
    (void)send_message(control_.get(), {std::string(sp::kStarted), "leader=" + std::to_string(payload_.pid),
                                        "started=" + std::to_string(payload_.started_usec)});
    return {};
}

void Supervisor::loop()
{
    while (!done_) {
        // Fixed slots first, then one per connection and one per starting exec job.
        std::vector<struct pollfd> fds = {{signals_.get(), POLLIN, 0}, {console_->master(), POLLIN, 0},
                                          {listener_.get(), POLLIN, 0}, {control_.get(), POLLIN, 0}};
        for (const auto& c : connections_)
            fds.push_back({c.fd.get(), POLLIN, 0});
        for (const auto& j : jobs_)
            fds.push_back({j.status.get(), POLLIN, 0});   // -1 once done: poll ignores it
        const size_t notify_slot = fds.size();
        fds.push_back({notify_ ? notify_->fd() : -1, POLLIN, 0});
        fds.push_back({console_->client(), POLLIN, 0});   // last: an attached console client (-1: none)
        if (poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR)
                continue;
            log_error(Error{ErrorKind::Failed, errno, "poll"});
            continue;
        }
        if (fds[1].revents)
            console_->drain();
        if (fds.back().revents)
            console_->on_client_input();
        if (fds[notify_slot].revents)
            on_notify();
        if (fds[3].revents) {
            // berthd only ever sends START here; anything else is ignored. Losing it must not stop the container.
            auto m = receive_message(control_.get());
            if (!m)
                control_.reset();
        }
        // Remember ids, not references: handlers add and remove entries.
        std::vector<uint64_t> ready_connections;
        for (size_t i = 0; i < connections_.size(); ++i)
            if (fds[4 + i].revents)
                ready_connections.push_back(connections_[i].id);
        std::vector<pid_t> ready_jobs;
        for (size_t i = 0; i < jobs_.size(); ++i)
            if (fds[4 + connections_.size() + i].revents)
                ready_jobs.push_back(jobs_[i].helper);
        for (uint64_t id : ready_connections)
            for (auto& c : connections_)
                if (c.id == id) {
                    on_connection_input(c);
                    break;
                }
        std::erase_if(connections_, [](const Connection& c) { return !c.fd; });
        for (pid_t helper : ready_jobs)
            for (auto& j : jobs_)
                if (j.helper == helper) {
                    on_job_status(j);
                    break;
                }
        if (fds[2].revents)
            on_accept();
        if (fds[0].revents)
            on_signals();   // last: it may end the loop
    }
}

void Supervisor::on_signals()
{
    struct signalfd_siginfo info;
    bool child = false;
    while (read(signals_.get(), &info, sizeof info) == sizeof info) {
        if (info.ssi_signo == SIGCHLD) {
            child = true;
        } else if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) {
            // Asked to stop (e.g. the scope is being stopped): the container goes down with us.
            terminating_ = true;
            syscall(SYS_pidfd_send_signal, payload_.pidfd.get(), SIGKILL, nullptr, 0);
        }
    }
    if (!child)
        return;
    for (;;) {
        int status = 0;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0)
            break;
        if (pid == payload_.pid) {
            on_payload_died(status);
            if (done_)
                return;
            continue;
        }
        for (auto& job : jobs_)
            if (job.helper == pid) {
                job.exited = true;
                job.exit_status = exit_code_of(status);
                finish_job_if_done(job);
                break;
            }
    }
}

void Supervisor::on_payload_died(int wait_status)
{
    const bool guest_reboot = WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGHUP;
    if ((guest_reboot || reboot_requested_) && !terminating_) {
        reboot_requested_ = false;
        // Same settings, new namespaces; the scope, cgroups, console and socket stay.
        Payload old = std::move(payload_);
        auto launched = launch_payload(config_, *console_, cgroups_);
        if (launched) {
            payload_ = std::move(*launched);
            guest_ready_ = false;
            broadcast({std::string(sp::kRebooted), "leader=" + std::to_string(payload_.pid),
                       "started=" + std::to_string(payload_.started_usec)});
            return;
        }
        payload_ = std::move(old);
        log_error(launched.error().error.context("restart the container"));
    }
    std::string reason = "exited";
    if (WIFSIGNALED(wait_status))
        // In a pid namespace, reboot(POWER_OFF/HALT) by the guest kills its init with SIGINT.
        reason = WTERMSIG(wait_status) == SIGINT && !terminating_ ? "poweroff" : "killed";
    finish(exit_code_of(wait_status), reason);
}

void Supervisor::finish(int status, const std::string& reason)
{
    done_ = true;   // also keeps finish_job_if_done() from erasing jobs while we walk them
    const std::string status_field = "status=" + std::to_string(status);
    const std::string reason_field = "reason=" + reason;
    console_->drain();
    // The record for a berthd that is not running comes first: once told, berthd removes the runtime directory,
    // and a file written after that would leave the directory behind. (It is on /run, a tmpfs: this is cheap.)
    if (auto r = write_file_atomic(config_.runtime_dir + "/" + std::string(sp::kExitStatusFile),
                                   status_field + "\n" + reason_field + "\n", 0600); !r)
        log_error(r.error());
    broadcast({std::string(sp::kExited), status_field, reason_field});
    payload_.mount_ns.reset();

    // The pid namespace is gone with its init; whatever joined the cgroup some other way goes now.
    cgroups_.kill_payload();
    // Exec helpers end right after their commands (which died with the namespace): report them.
    for (auto& job : jobs_) {
        if (!job.exited) {
            int wait_status = 0;
            while (waitpid(job.helper, &wait_status, 0) < 0 && errno == EINTR) {
            }
            job.exited = true;
            job.exit_status = exit_code_of(wait_status);
        }
        if (job.status) {
            int flags = fcntl(job.status.get(), F_GETFL);
            fcntl(job.status.get(), F_SETFL, flags & ~O_NONBLOCK);
            while (job.status)
                on_job_status(job);
        }
        finish_job_if_done(job);
    }
    unlink(socket_path().c_str());
    cgroups_.remove();
}

void Supervisor::on_accept()
{
    for (;;) {
        UniqueFd fd(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
        if (!fd)
            return;
        connections_.push_back(Connection{next_connection_id_++, std::move(fd)});
    }
}

void Supervisor::on_connection_input(Connection& connection)
{
    auto message = receive_message(connection.fd.get());
    if (!message) {
        if (message.error().code != EAGAIN)
            connection.fd.reset();   // peer gone; its commands keep running
        return;
    }
    if (connection.answered)
        return;   // one request per connection
    connection.answered = true;
    handle_request(connection, std::move(*message));
}

void Supervisor::handle_request(Connection& connection, Message&& request)
{
    const std::string& verb = request.verb();
    if (verb == sp::kWatch) {
        connection.watcher = true;
        send_to(connection.id, {std::string(sp::kState), "leader=" + std::to_string(payload_.pid),
                                "started=" + std::to_string(payload_.started_usec),
                                std::string("ready=") + (guest_ready_ ? "1" : "0")});
    } else if (verb == sp::kReboot) {
        reboot_requested_ = true;
        syscall(SYS_pidfd_send_signal, payload_.pidfd.get(), SIGKILL, nullptr, 0);
        send_to(connection.id, {std::string(sp::kOk)});
    } else if (verb == sp::kMount || verb == sp::kUmount) {
        auto r = handle_mount(request);
        if (r)
            send_to(connection.id, {std::string(sp::kOk)});
        else
            send_to(connection.id, {std::string(sp::kFailed), "code=" + std::to_string(r.error().code),
                                    "message=" + r.error().describe()});
    } else if (verb == sp::kNetAttach || verb == sp::kNetDetach) {
        auto r = handle_network(request);
        if (r)
            send_to(connection.id, {std::string(sp::kOk)});
        else
            send_to(connection.id, {std::string(sp::kFailed), "code=" + std::to_string(r.error().code),
                                    "message=" + r.error().describe()});
    } else if (verb == sp::kConsole) {
        auto socket = console_->attach();
        if (socket)
            send_to(connection.id, {std::string(sp::kConsole)}, {socket->get()});
        else
            send_to(connection.id, {std::string(sp::kFailed), "code=" + std::to_string(socket.error().code),
                                    "message=" + socket.error().message});
    } else if (verb == sp::kGuestOpen) {
        auto opened = open_in_guest(request.get("connect"), request.get("pty") == "1", payload_.pidfd.get());
        if (opened) {
            std::vector<int> fds = {opened->socket.get()};
            if (opened->pty_master)
                fds.push_back(opened->pty_master.get());
            send_to(connection.id, {std::string(sp::kGuest), "pts=" + std::to_string(opened->pts)}, fds);
        } else {
            send_to(connection.id, {std::string(sp::kFailed), "code=" + std::to_string(opened.error().code),
                                    "message=" + opened.error().message});
        }
    } else if (verb == sp::kExec || verb == sp::kShell) {
        ExecRequest exec;
        exec.shell = verb == sp::kShell;
        exec.args = request.get_all("arg");
        exec.env = request.get_all("env");
        exec.cwd = request.get("cwd");
        exec.user = request.get("user");
        if (!exec.shell) {
            if (request.fds.size() != 3) {
                send_to(connection.id, {std::string(sp::kFailed), "code=" + std::to_string(EINVAL),
                                        "message=EXEC needs three file descriptors (stdin, stdout, stderr)"});
                return;
            }
            for (size_t i = 0; i < 3; ++i)
                exec.stdio[i] = std::move(request.fds[i]);
        }
        if (exec.shell || !exec.args.empty()) {
            auto launched = launch_exec(exec, payload_.pid, payload_.pidfd.get(), cgroups_);
            if (!launched) {
                send_to(connection.id, {std::string(sp::kFailed), "code=" + std::to_string(launched.error().code),
                                        "message=" + launched.error().describe()});
                return;
            }
            ExecJob job;
            job.helper = launched->helper;
            job.status = std::move(launched->status);
            job.connection = connection.id;
            job.shell = exec.shell;
            jobs_.push_back(std::move(job));
        } else {
            send_to(connection.id, {std::string(sp::kFailed), "code=" + std::to_string(EINVAL),
                                    "message=EXEC needs a command (arg=)"});
        }
    } else {
        send_to(connection.id, {std::string(sp::kFailed), "code=" + std::to_string(EINVAL),
                                "message=unknown request '" + verb + "'"});
    }
}

// Hot-plugged interfaces become part of the run's settings, so a reboot of the payload plugs them again.
Result<> Supervisor::handle_network(const Message& request)
{
    if (request.verb() == sp::kNetDetach) {
        const std::string host = request.get("host");
        BERTH_TRY(unplug_interface(host));
        std::erase_if(config_.networks, [&](const NetInterface& n) { return n.host == host; });
        return {};
    }
    auto iface = BERTH_TRY(parse_net_field(request.get("net")));
    BERTH_TRY(plug_interface(iface, payload_.pid));
    config_.networks.push_back(std::move(iface));
    return {};
}

// Live binds and volumes. They become part of the run's settings, so a reboot of the payload keeps them.
Result<> Supervisor::handle_mount(const Message& request)
{
    if (request.verb() == sp::kUmount) {
        const std::string target = request.get("mount_target");
        BERTH_TRY(unmount_from_running(target, payload_.pidfd.get()));
        std::erase_if(config_.mounts, [&](const MountEntry& m) { return m.target == target; });
        return {};
    }
    auto entries = BERTH_TRY(parse_mount_fields(request));
    if (entries.size() != 1)
        return fail(ErrorKind::InvalidArgument, "MOUNT needs exactly one mount", EINVAL);
    BERTH_TRY(mount_into_running(entries[0], payload_.pid, payload_.pidfd.get()));
    config_.mounts.push_back(std::move(entries[0]));
    return {};
}

void Supervisor::on_job_status(ExecJob& job)
{
    auto message = receive_message(job.status.get());
    if (message) {
        if (message->verb() == "PID" && message->fields.size() >= 2) {
            job.pid = std::atoi(message->fields[1].c_str());
            if (!message->fds.empty())
                job.pty_master = std::move(message->fds[0]);
        } else if (message->verb() == "ERR" && message->fields.size() >= 4) {
            job.error = Error{ErrorKind::Failed, std::atoi(message->fields[2].c_str()), message->fields[3]};
            job.error_reason = message->fields[1];
        }
        return;
    }
    if (message.error().code == EAGAIN)
        return;
    // Closed: the command exec'd, or it failed and said why.
    job.status.reset();
    if (job.error)
        send_to(job.connection, {std::string(sp::kFailed), "code=" + std::to_string(job.error->code),
                                 "reason=" + job.error_reason, "message=" + job.error->describe()});
    else if (job.shell)
        send_to(job.connection, {std::string(sp::kPty), "pid=" + std::to_string(job.pid)},
                job.pty_master ? std::vector<int>{job.pty_master.get()} : std::vector<int>{});
    else
        send_to(job.connection, {std::string(sp::kExecStarted), "pid=" + std::to_string(job.pid)});
    job.pty_master.reset();
    finish_job_if_done(job);
}

void Supervisor::finish_job_if_done(ExecJob& job)
{
    if (!job.exited || job.status)
        return;
    if (!job.error)
        send_to(job.connection, {std::string(sp::kExecExited), "status=" + std::to_string(job.exit_status)});
    pid_t helper = job.helper;
    if (!done_)
        std::erase_if(jobs_, [helper](const ExecJob& j) { return j.helper == helper; });
}

void Supervisor::send_to(uint64_t connection, const std::vector<std::string>& fields, const std::vector<int>& fds)
{
    for (auto& c : connections_)
        if (c.id == connection && c.fd) {
            (void)send_message(c.fd.get(), fields, fds);
            return;
        }
}

// The guest's PID 1 reports its boot and shutdown; berthd turns READY=1 into the State "running".
void Supervisor::on_notify()
{
    auto m = notify_->receive(payload_.pid);
    if (!m || (!m->ready && !m->stopping && !m->status && !m->shutdown))
        return;
    if (m->ready)
        guest_ready_ = true;
    std::vector<std::string> fields = {std::string(sp::kNotify)};
    if (m->ready)
        fields.push_back("ready=1");
    if (m->stopping)
        fields.push_back("stopping=1");
    if (m->status)
        fields.push_back("status=" + *m->status);
    if (m->shutdown)
        fields.push_back("shutdown=" + *m->shutdown);
    broadcast(fields);
}

void Supervisor::broadcast(const std::vector<std::string>& fields)
{
    if (control_)
        (void)send_message(control_.get(), fields);
    for (auto& c : connections_)
        if (c.watcher && c.fd)
            (void)send_message(c.fd.get(), fields);
}

}  // namespace berth::spawn
