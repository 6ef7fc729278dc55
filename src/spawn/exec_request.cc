#include "spawn/exec_request.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>

#include "base/message.h"
#include "spawn/child_util.h"
#include "spawn/exec_user.h"
#include "spawn/security.h"

namespace berth::spawn {

namespace {

constexpr int kAllNamespaces = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
                               CLONE_NEWNET | CLONE_NEWCGROUP;

// Enter every namespace of PID 1 at once through its pidfd; older kernels need one /proc/PID/ns file each, the
// user namespace first (it grants the rights for the others).
Result<> enter_namespaces(pid_t leader, int pidfd)
{
    if (setns(pidfd, kAllNamespaces) == 0)
        return {};
    if (errno != EINVAL)
        return fail_errno("enter the container's namespaces");
    std::vector<std::pair<UniqueFd, const char*>> files;
    for (const char* ns : {"user", "mnt", "pid", "uts", "ipc", "net", "cgroup"}) {
        std::string path = "/proc/" + std::to_string(leader) + "/ns/" + ns;
        UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd)
            return fail_errno("open " + path);
        files.emplace_back(std::move(fd), ns);
    }
    for (auto& [fd, ns] : files)
        if (setns(fd.get(), 0) < 0)
            return fail_errno(std::string("enter the container's ") + ns + " namespace");
    return {};
}

// The grandchild: the command itself, inside the container's pid namespace.
[[noreturn]] void run_command(const ExecRequest& request, const std::optional<ExecUser>& user, int status_sock,
                             int pty_slave)
{
    if (request.shell) {
        setsid();
        if (ioctl(pty_slave, TIOCSCTTY, 0) < 0)
            child_fail(status_sock, "exec", Error{ErrorKind::Failed, errno, "make the pty the controlling terminal"});
        for (int i = 0; i < 3; ++i)
            dup2(pty_slave, i);
    } else {
        for (int i = 0; i < 3; ++i)
            if (dup2(request.stdio[i].get(), i) < 0)
                child_fail(status_sock, "exec", Error{ErrorKind::Failed, errno, "attach stdio"});
        // A terminal on stdin (berthctl's proxy pty) becomes the command's controlling terminal, so Ctrl-C and
        // job control reach the command, as under ssh -t.
        if (isatty(0)) {
            setsid();
            (void)ioctl(0, TIOCSCTTY, 0);
        }
    }
    if (auto r = apply_capabilities(); !r)
        child_fail(status_sock, "exec", r.error());
    if (auto r = apply_seccomp(); !r)
        child_fail(status_sock, "exec", r.error());
    // After the filter (loading it needs CAP_SYS_ADMIN, which the uid change takes away) and before chdir (the
    // directory is checked with the user's rights).
    std::vector<std::string> env = request.env;
    if (user) {
        if (auto r = switch_to_user(*user); !r)
            child_fail(status_sock, "setup", r.error());
        auto defaults = user_environment(*user);
        env.insert(env.begin(), defaults.begin(), defaults.end());
    }
    const std::string cwd = !request.cwd.empty() ? request.cwd : request.shell && user ? user->home : "/";
    if (chdir(cwd.c_str()) < 0)
        child_fail(status_sock, "setup", Error{ErrorKind::Failed, errno, "change to directory " + cwd});
    std::vector<std::string> argv = request.args;
    if (argv.empty())
        argv = {user ? user->shell : "/bin/sh", "-l"};
    int error = exec_in_container(argv, container_environment(env, request.shell));
    child_fail(status_sock, "exec",
               Error{ErrorKind::Failed, error,
                     (error == ENOENT ? "command not found in the container: " : "cannot execute ") + argv[0]});
}

// The helper: joins the container, forks the command, reports, waits, passes the status on.
[[noreturn]] void run_helper(const ExecRequest& request, pid_t leader, int pidfd,
                             const std::vector<std::string>& payload_procs, int status_sock)
{
    reset_signals();
    for (const auto& procs : payload_procs)
        if (auto r = write_text_file(procs, "0"); !r)
            child_fail(status_sock, "setup", r.error().context("join the container's cgroup"));
    if (auto r = enter_namespaces(leader, pidfd); !r)
        child_fail(status_sock, "setup", r.error());
    if (auto r = become_namespace_root(); !r)
        child_fail(status_sock, "setup", r.error());
    // Looked up in the container's files now that its root is ours (see exec_user.h).
    std::optional<ExecUser> user;
    if (!request.user.empty()) {
        auto found = lookup_exec_user(request.user);
        if (!found)
            child_fail(status_sock, "setup", found.error());
        user = std::move(*found);
    }

    UniqueFd master, slave;
    if (request.shell) {
        // The pty belongs to the container's devpts instance (our mount namespace is now the container's).
        master.reset(open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
        if (!master || unlockpt(master.get()) < 0)
            child_fail(status_sock, "setup", Error{ErrorKind::Failed, errno, "open a pty in the container"});
        slave.reset(ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
        if (!slave)
            child_fail(status_sock, "setup", Error{ErrorKind::Failed, errno, "open the pty's terminal"});
    }

    pid_t pid = fork();
    if (pid < 0)
        child_fail(status_sock, "setup", Error{ErrorKind::Failed, errno, "fork in the container"});
    if (pid == 0)
        run_command(request, user, status_sock, slave.get());

    std::vector<int> fds;
    if (master)
        fds.push_back(master.get());
    (void)send_message(status_sock, {"PID", std::to_string(pid)}, fds);
    // Only the command keeps the status socket and the stdio now: their closing means something to the peers.
    close(status_sock);
    master.reset();
    slave.reset();
    for (const auto& fd : request.stdio)
        if (fd)
            close(fd.get());

    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            _exit(127);
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

}  // namespace

Result<ExecLaunch> launch_exec(const ExecRequest& request, pid_t leader, int leader_pidfd, const CgroupSet& cgroups)
{
    if (!request.shell)
        for (const auto& fd : request.stdio)
            if (!fd)
                return fail(ErrorKind::InvalidArgument, "EXEC needs three file descriptors (stdin, stdout, stderr)",
                            EINVAL);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return fail_errno("create the exec status socket");
    ExecLaunch launch;
    launch.status.reset(sv[0]);
    UniqueFd child_end(sv[1]);

    // Born in payload/ of the cgroup2 hierarchy where there is one: only v1 hierarchies are joined by writing.
    bool into_cgroup = cgroups.unified_payload_fd() >= 0;
    pid_t pid = clone_with_pidfd(0, nullptr, cgroups.unified_payload_fd());
    if (pid < 0 && into_cgroup && (errno == EINVAL || errno == EOPNOTSUPP || errno == E2BIG)) {
        into_cgroup = false;
        pid = clone_with_pidfd(0, nullptr);
    }
    if (pid < 0)
        return fail_errno("fork the exec helper");
    if (pid == 0) {
        launch.status.reset();
        // Born in the cgroup2 payload (hybrid and unified hosts), the helper is where the container's processes
        // are tracked: the container's stop (cgroup.kill), kill --kill-whom all and systemd find it there. On a
        // hybrid host it is not moved into payload/ of v1's name=systemd as well: that write to cgroup.procs
        // waits for an RCU grace period (3-15 ms on the test machine, most of an exec), and only the
        // container's init and what it starts need that tree (a guest's systemd manages it). The helper stays
        // in the scope there (supervisor/). A v1-only host joins payload/ by writing, its only tracking tree.
        static const std::vector<std::string> none;
        run_helper(request, leader, leader_pidfd, into_cgroup ? none : cgroups.payload_procs(), child_end.get());
    }
    launch.helper = pid;
    int flags = fcntl(launch.status.get(), F_GETFL);
    fcntl(launch.status.get(), F_SETFL, flags | O_NONBLOCK);
    return launch;
}

}  // namespace berth::spawn
