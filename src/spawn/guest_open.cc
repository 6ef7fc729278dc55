#include "spawn/guest_open.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/message.h"
#include "spawn/child_util.h"

namespace berth::spawn {

namespace {

constexpr int kNamespaces = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                            CLONE_NEWCGROUP;
constexpr int kTimeoutMs = 5000;

[[noreturn]] void run_helper(const std::string& path, bool pty, int pidfd, int reply)
{
    reset_signals();
    if (setns(pidfd, kNamespaces) < 0)
        child_fail(reply, "setup", Error{ErrorKind::Failed, errno, "enter the container's namespaces"});
    if (auto r = become_namespace_root(); !r)
        child_fail(reply, "setup", r.error());
    // The guest's systemd refuses a peer whose pid it cannot see (SO_PEERCRED pid 0): connect from a child,
    // which is inside the container's pid namespace.
    pid_t child = fork();
    if (child < 0)
        child_fail(reply, "setup", Error{ErrorKind::Failed, errno, "fork in the container"});
    if (child > 0) {
        int status = 0;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
        _exit(0);
    }

    UniqueFd master;
    int pts = -1;
    if (pty) {
        // Our mount namespace is the container's: this is a pty of its own devpts, which its getty can open.
        master.reset(open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
        if (!master || unlockpt(master.get()) < 0 || ioctl(master.get(), TIOCGPTN, &pts) < 0)
            child_fail(reply, "setup", Error{ErrorKind::Failed, errno, "open a pty in the container"});
    }
    struct sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path[0] != '/' || path.size() >= sizeof addr.sun_path)
        child_fail(reply, "setup", Error{ErrorKind::InvalidArgument, EINVAL, "bad socket path " + path});
    path.copy(addr.sun_path, path.size());
    UniqueFd sock(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock || connect(sock.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) < 0)
        child_fail(reply, "connect", Error{ErrorKind::Failed, errno, "connect to " + path + " in the container"});

    std::vector<int> fds = {sock.get()};
    if (master)
        fds.push_back(master.get());
    (void)send_message(reply, {"OK", std::to_string(pts)}, fds);
    _exit(0);
}

}  // namespace

Result<GuestOpen> open_in_guest(const std::string& path, bool pty, int leader_pidfd)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return fail_errno("create the guest helper socket");
    UniqueFd ours(sv[0]), theirs(sv[1]);
    pid_t pid = clone_with_pidfd(0, nullptr);
    if (pid < 0)
        return fail_errno("fork the guest helper");
    if (pid == 0) {
        ours.reset();
        run_helper(path, pty, leader_pidfd, theirs.get());
    }
    theirs.reset();

    Result<Message> reply = fail(ErrorKind::Failed, "the guest helper did not answer", ETIMEDOUT);
    struct pollfd pfd = {ours.get(), POLLIN, 0};
    int ready;
    while ((ready = poll(&pfd, 1, kTimeoutMs)) < 0 && errno == EINTR) {
    }
    if (ready > 0)
        reply = receive_message(ours.get());
    else
        kill(pid, SIGKILL);
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    if (!reply)
        return fail(reply.error());
    if (reply->verb() == "ERR" && reply->fields.size() >= 4)
        return fail(ErrorKind::Failed, reply->fields[3], std::atoi(reply->fields[2].c_str()));
    if (reply->verb() != "OK" || reply->fields.size() < 2 || reply->fds.size() != (pty ? 2u : 1u))
        return fail(ErrorKind::Failed, "the guest helper gave an unexpected answer", EPROTO);
    GuestOpen opened;
    opened.socket = std::move(reply->fds[0]);
    if (pty)
        opened.pty_master = std::move(reply->fds[1]);
    opened.pts = std::atoi(reply->fields[1].c_str());
    return opened;
}

}  // namespace berth::spawn
