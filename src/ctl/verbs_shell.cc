// The shell verb: an interactive session on a pty inside a running container, as root or a user, through the
// guest's own PAM/login path where it runs systemd (OpenShellSession), relayed by pty_forward.cc; exits with the
// status of the shell or command.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "base/unique_fd.h"
#include "ctl/bus.h"
#include "ctl/errors.h"
#include "ctl/pty_forward.h"
#include "ctl/settings_args.h"
#include "ctl/verbs.h"

namespace berth::ctl {

namespace {

constexpr int kStatusWaitMs = 10000;   // the pty closes a moment before the guest reports the exit status

Result<UniqueFd> own_fd(sdbus::UnixFd& fd, const char* what)
{
    UniqueFd owned(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
    fd.reset();
    if (!owned)
        return fail_errno(std::string("duplicate the ") + what + " from berthd");
    return owned;
}

// One line from berthd: "STATUS N" or "ERROR text".
Result<int> read_exit_status(int fd)
{
    std::string line;
    char buf[256];
    while (line.find('\n') == std::string::npos) {
        struct pollfd pfd = {fd, POLLIN, 0};
        const int ready = ::poll(&pfd, 1, kStatusWaitMs);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            return fail(ErrorKind::Failed, "the session ended but berthd did not report its exit status");
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return fail(ErrorKind::Failed, "berthd closed the session without its exit status (was it restarted?)");
        line.append(buf, static_cast<size_t>(n));
    }
    line.resize(line.find('\n'));
    if (line.rfind("STATUS ", 0) == 0)
        return std::atoi(line.c_str() + 7);
    return fail(ErrorKind::Failed, line.rfind("ERROR ", 0) == 0 ? line.substr(6) : line);
}

Result<int> do_shell(const Invocation& inv)
{
    auto env = BERTH_TRY(parse_env_args(inv.args));
    // The shell draws for our terminal, so it needs to know which one it is.
    if (const char* term = std::getenv("TERM"))
        env.insert(env.begin(), std::string("TERM=") + term);
    const std::string& name = inv.args.positionals[0];
    const std::string user = inv.args.positionals.size() > 1 ? inv.args.positionals[1] : "";

    auto bus = BERTH_TRY(Bus::connect());
    auto container = BERTH_TRY(bus.container(name));
    auto [pty, status_fd, method] =
        BERTH_TRY(bus_call([&] { return container->OpenShellSession(user, inv.args.rest, env); }));
    auto master = BERTH_TRY(own_fd(pty, "pty"));
    auto status_socket = BERTH_TRY(own_fd(status_fd, "status socket"));

    if (::isatty(STDIN_FILENO))
        std::fprintf(stderr, "Connected to %s%s. The session ends when the shell exits.\n", name.c_str(),
                     method == "pam" ? " through the guest's PAM (login)" : "");
    const int forwarded = BERTH_TRY(forward_pty(master.get()));
    master.reset();
    if (forwarded != 0) {
        std::fprintf(stderr, "\nberthctl: session closed by signal %d\n", forwarded - 128);
        return forwarded;
    }
    return read_exit_status(status_socket.get());
}

}  // namespace

std::vector<Verb> shell_verbs()
{
    return {
        {"shell", {}, "NAME [USER] [--env K=V]... [-- CMD...]", 1, 2, 2, {env_option()}, do_shell,
         "Open an interactive shell in a running container",
         "Starts a login shell of USER (default root), or CMD after '--', on a new pseudo-terminal inside\n"
         "the running container NAME and connects it to this terminal (raw mode, window size forwarded;\n"
         "without a terminal it relays stdin and stdout). Exits with the status of the shell or CMD.\n"
         "Where the guest runs systemd, the session goes through the guest's own login path: a transient\n"
         "service of the guest's systemd with PAMName=login and User=USER (PAM account and session, limits,\n"
         "a logind session, the user's home), as machinectl shell does, but with the exit status kept.\n"
         "Other guests (busybox, command containers) get the shell directly, switched to USER from the\n"
         "container's /etc/passwd. TERM is passed on."},
    };
}

}  // namespace berth::ctl
