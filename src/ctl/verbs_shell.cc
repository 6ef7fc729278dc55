// The shell verb: an interactive session on a pty inside a running container (OpenShell), relayed by
// pty_forward.cc.
#include <fcntl.h>

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

Result<int> do_shell(const Invocation& inv)
{
    auto env = BERTH_TRY(parse_env_args(inv.args));
    // The shell draws for our terminal, so it needs to know which one it is.
    if (const char* term = std::getenv("TERM"))
        env.insert(env.begin(), std::string("TERM=") + term);

    auto bus = BERTH_TRY(Bus::connect());
    auto container = BERTH_TRY(bus.container(inv.args.positionals[0]));
    sdbus::UnixFd pty = BERTH_TRY(bus_call([&] { return container->OpenShell(inv.args.rest, env); }));
    // Our own close-on-exec copy; the sdbus one closes at the end of this scope.
    UniqueFd master(::fcntl(pty.get(), F_DUPFD_CLOEXEC, 3));
    if (!master)
        return fail_errno("duplicate the pty from berthd");
    pty.reset();

    if (::isatty(STDIN_FILENO))
        std::fprintf(stderr, "Connected to %s. The session ends when the shell exits.\n",
                     inv.args.positionals[0].c_str());
    const int status = BERTH_TRY(forward_pty(master.get()));
    if (status != 0)
        std::fprintf(stderr, "\nberthctl: session closed by signal %d\n", status - 128);
    return status;
}

}  // namespace

std::vector<Verb> shell_verbs()
{
    return {
        {"shell", {}, "NAME [--env K=V]... [[--] CMD...]", 1, 1, 1, {env_option()}, do_shell,
         "Open an interactive shell in a running container",
         "Starts CMD (default: the container's /bin/sh as a login shell) on a new pseudo-terminal inside the\n"
         "running container NAME and connects it to this terminal (raw mode, window size forwarded). Without a\n"
         "terminal it relays stdin and stdout. Exits 0 when the shell ends. TERM is passed on."},
    };
}

}  // namespace berth::ctl
