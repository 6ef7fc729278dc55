// The login verb: the guest's own login prompt (container-getty@N.service of its systemd) on a new pty of the
// container, relayed to this terminal until the user detaches (OpenLogin).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "base/unique_fd.h"
#include "ctl/bus.h"
#include "ctl/session_relay.h"
#include "ctl/verbs.h"

namespace berth::ctl {

namespace {

// sdbus-c++ hands out fds it will close; keep our own close-on-exec copy.
Result<UniqueFd> own_fd(sdbus::UnixFd& fd, const char* what)
{
    UniqueFd owned(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
    fd.reset();
    if (!owned)
        return fail_errno(std::string("duplicate the ") + what + " from berthd");
    return owned;
}

Result<int> do_login(const Invocation& inv)
{
    const std::string& name = inv.args.positionals[0];
    auto bus = BERTH_TRY(Bus::connect());
    auto container = BERTH_TRY(bus.container(name));
    sdbus::UnixFd pty = BERTH_TRY(bus_call([&] { return container->OpenLogin(); }));
    auto master = BERTH_TRY(own_fd(pty, "pty"));
    std::fprintf(stderr, "Connected to %s. Press ^] three times within 1s to exit session.\n", name.c_str());
    const RelayEnd end = BERTH_TRY(relay_session(master.get(), {.ignore_hangup = true, .is_pty = true}));
    std::fprintf(stderr, "\nConnection to %s terminated.\n", name.c_str());
    return end == RelayEnd::Signal ? 1 : 0;
}

}  // namespace

std::vector<Verb> login_verbs()
{
    return {
        {"login", {}, "NAME", 1, 1, std::nullopt, {}, do_login, "Log in on a running container's getty",
         "Opens a new pseudo-terminal inside running container NAME, starts the guest's own getty on it\n"
         "(container-getty@N.service of the guest's systemd, as machinectl login does) and connects it to\n"
         "this terminal. You log in with a user and password of the guest, through its login(1) and PAM.\n"
         "After a logout the getty prompts again: press Ctrl-] three times within a second to leave.\n"
         "Needs a guest that runs systemd; use 'berthctl shell' or 'berthctl console' for others."},
    };
}

}  // namespace berth::ctl
