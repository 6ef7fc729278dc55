// Getting into a running guest interactively: login (a getty of the guest's systemd), shell through the guest's
// PAM with its exit status, and the console. The supervisor opens what must be opened inside the container
// (GUEST_OPEN, CONSOLE; see base/spawn_protocol.h); the guest's systemd is driven from here (core/guest_systemd.h).
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>

#include "core/guest_systemd.h"
#include "core/manager.h"
#include "core/manager_internal.h"
#include "core/supervisor_client.h"

namespace berth {

using namespace manager_detail;

namespace {

constexpr const char* kGuestSystemdSocket = "/run/systemd/private";

struct OpenedGuest {
    std::unique_ptr<GuestSystemd> systemd;
    UniqueFd master;
    int pts = -1;
};

Error no_guest_systemd(const std::string& name, const std::string& instead)
{
    return Error{ErrorKind::NotSupported, 0,
                 "container " + name + " does not run systemd (no " + kGuestSystemdSocket + " in the guest): " +
                     instead};
}

// Connects to the guest's systemd through the supervisor, with a new pty of the guest.
Result<OpenedGuest> open_guest(const std::string& name, const std::string& runtime_dir, const std::string& instead)
{
    auto conn = BERTH_TRY(connect_supervisor(runtime_dir));
    BERTH_TRY(send_message(conn.get(),
                           {std::string(sp::kGuestOpen), std::string("connect=") + kGuestSystemdSocket, "pty=1"}));
    auto reply = BERTH_TRY(receive_message_within(conn.get(), kReplyTimeoutMs));
    if (reply.verb() == sp::kFailed) {
        const int code = std::atoi(reply.get("code").c_str());
        if (code == ENOENT || code == ECONNREFUSED || code == ENOTDIR)
            return fail(no_guest_systemd(name, instead));
        return fail(error_from_failed(reply, "reach the guest's systemd in container " + name));
    }
    if (reply.verb() != sp::kGuest || reply.fds.size() != 2)
        return fail(ErrorKind::Failed, "unexpected answer from the supervisor: " + reply.verb());
    OpenedGuest opened;
    opened.master = std::move(reply.fds[1]);
    opened.pts = std::atoi(reply.get("pts").c_str());
    opened.systemd = BERTH_TRY(GuestSystemd::connect(std::move(reply.fds[0])));
    return opened;
}

Result<> check_user(const std::string& user)
{
    if (user.empty())
        return {};
    const bool plain = user.size() <= 65 && user[0] != '-' &&
                       user.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-:$") ==
                           std::string::npos &&
                       user.find(':') == user.rfind(':');
    if (!plain)
        return fail(ErrorKind::InvalidArgument, "user '" + user + "' is not USER, UID, UID:GID or USER:GROUP");
    return {};
}

std::string random_suffix()
{
    unsigned char bytes[4] = {};
    (void)!getrandom(bytes, sizeof bytes, 0);
    char text[16];
    std::snprintf(text, sizeof text, "%02x%02x%02x%02x", bytes[0], bytes[1], bytes[2], bytes[3]);
    return text;
}

// The status line for berthctl; a reader that went away is no error.
void report_status(int fd, const Result<int>& outcome)
{
    std::string line = outcome ? "STATUS " + std::to_string(*outcome) + "\n" : "ERROR " + outcome.error().describe() + "\n";
    (void)!send(fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

}  // namespace

Result<UniqueFd> Manager::open_login(const std::string& name)
{
    auto* c = BERTH_TRY(lookup(name));
    if (c->state != ContainerState::Running)
        return fail(not_running(*c));
    auto guest = BERTH_TRY(open_guest(name, runtime_dir(name),
                                      "use 'berthctl shell " + name + "' or 'berthctl console " + name + "'"));
    // As machined's OpenLogin: the guest's own container-getty@.service serves /dev/pts/N.
    BERTH_TRY(guest.systemd->start_unit("container-getty@" + std::to_string(guest.pts) + ".service")
                  .map_error([&](Error e) { return std::move(e).context("login to container " + name); }));
    return std::move(guest.master);
}

Result<Manager::ShellSession> Manager::open_shell_session(const std::string& name, const std::string& user,
                                                          std::vector<std::string> argv, std::vector<std::string> env)
{
    auto* c = BERTH_TRY(lookup(name));
    BERTH_TRY(check_user(user));
    for (const auto& e : env)
        if (e.find('=') == std::string::npos || e[0] == '=')
            return fail(ErrorKind::InvalidArgument, "environment entry '" + e + "' is not KEY=VALUE");
    if (c->state != ContainerState::Running)
        return fail(not_running(*c));
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return fail_errno("create the status socket");
    UniqueFd ours(sv[0]);
    ShellSession result;
    result.status.reset(sv[1]);

    const uint64_t id = next_exec_id_++;
    auto session = std::make_unique<ExecSession>();
    // Reported once; the session goes at the next loop turn (not inside its own bus or io callback).
    auto status_fd = std::make_shared<UniqueFd>(std::move(ours));
    session->done = [this, id, status_fd](Result<int> outcome) {
        report_status(status_fd->get(), outcome);
        status_fd->reset();
        deps_.loop.defer([this, id] { execs_.erase(id); });
    };

    auto guest = open_guest(name, runtime_dir(name), "");
    if (guest) {
        GuestShellSpec spec;
        spec.unit = "berth-shell-" + random_suffix() + ".service";
        spec.user = user;
        spec.argv = std::move(argv);
        spec.env = std::move(env);
        spec.tty = "/dev/pts/" + std::to_string(guest->pts);
        BERTH_TRY(guest->systemd->start_shell(spec).map_error(
            [&](Error e) { return std::move(e).context("open a shell in container " + name); }));
        // A service that never opened the pty (an unknown user, PAM refusing the session) leaves the master
        // waiting forever: when it ends, open and close the pty's peer once, so the reader sees the hangup.
        auto keep = std::make_shared<UniqueFd>(::fcntl(guest->master.get(), F_DUPFD_CLOEXEC, 3));
        ExitCallback report = session->done;
        BERTH_TRY(guest->systemd->watch_shell(deps_.loop, [report, keep](Result<int> outcome) {
            report(std::move(outcome));
            if (*keep)
                UniqueFd peer(::ioctl(keep->get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
            keep->reset();
        }));
        session->guest = std::move(guest->systemd);
        execs_.emplace(id, std::move(session));
        result.pty = std::move(guest->master);
        result.method = "pam";
        return result;
    }
    if (guest.error().kind != ErrorKind::NotSupported)
        return fail(guest.error());

    // No systemd in the guest (busybox, a command container): a shell started by the supervisor, as root or
    // switched to the user looked up in the container's passwd.
    auto fields = BERTH_TRY(command_request(sp::kShell, argv, env));
    if (!user.empty())
        fields.push_back("user=" + user);
    auto conn = BERTH_TRY(connect_supervisor(runtime_dir(name)));
    BERTH_TRY(send_message(conn.get(), fields));
    auto reply = BERTH_TRY(receive_message_within(conn.get(), kReplyTimeoutMs));
    if (reply.verb() == sp::kFailed) {
        Error error = error_from_failed(reply, "open a shell in container " + name);
        if (reply.get("reason") == "setup")
            error.kind = ErrorKind::InvalidArgument;   // no such user, or a home that cannot be entered
        return fail(std::move(error));
    }
    if (reply.verb() != sp::kPty || reply.fds.empty())
        return fail(ErrorKind::Failed, "unexpected answer from the supervisor: " + reply.verb());
    auto watch = BERTH_TRY(deps_.loop.add_io(conn.get(), EPOLLIN, [this, id](uint32_t) {
        auto it = execs_.find(id);
        if (it == execs_.end())
            return;
        auto message = receive_message(it->second->connection.get());
        if (!message && message.error().code == EAGAIN)
            return;
        it->second->watch.disable();
        if (message && message->verb() == sp::kExecExited)
            it->second->done(std::atoi(message->get("status").c_str()));
        else
            it->second->done(fail(ErrorKind::Failed, "the container's supervisor went away during the shell"));
    }));
    session->connection = std::move(conn);
    session->watch = std::move(watch);
    execs_.emplace(id, std::move(session));
    result.pty = std::move(reply.fds[0]);
    result.method = "plain";
    return result;
}

Result<UniqueFd> Manager::open_console(const std::string& name)
{
    auto* c = BERTH_TRY(lookup(name));
    if (c->state != ContainerState::Running && c->state != ContainerState::Starting)
        return fail(not_running(*c));
    auto conn = BERTH_TRY(connect_supervisor(runtime_dir(name)));
    BERTH_TRY(send_message(conn.get(), {std::string(sp::kConsole)}));
    auto reply = BERTH_TRY(receive_message_within(conn.get(), kReplyTimeoutMs));
    if (reply.verb() == sp::kFailed) {
        if (std::atoi(reply.get("code").c_str()) == EBUSY)
            return fail(ErrorKind::Busy, "another client is attached to the console of container " + name +
                                             " (one at a time)");
        return fail(error_from_failed(reply, "attach to the console of container " + name));
    }
    if (reply.verb() != sp::kConsole || reply.fds.size() != 1)
        return fail(ErrorKind::Failed, "unexpected answer from the supervisor: " + reply.verb());
    return std::move(reply.fds[0]);
}

}  // namespace berth
