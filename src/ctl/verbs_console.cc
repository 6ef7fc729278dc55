// The console verb: attach to a container's console (OpenConsole) until the user detaches.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "base/unique_fd.h"
#include "ctl/bus.h"
#include "ctl/session_relay.h"
#include "ctl/verbs.h"

namespace berth::ctl {

namespace {

Result<int> do_console(const Invocation& inv)
{
    const std::string& name = inv.args.positionals[0];
    auto bus = BERTH_TRY(Bus::connect());
    auto container = BERTH_TRY(bus.container(name));
    sdbus::UnixFd socket = BERTH_TRY(bus_call([&] { return container->OpenConsole(); }));
    UniqueFd console(::fcntl(socket.get(), F_DUPFD_CLOEXEC, 3));
    socket.reset();
    if (!console)
        return fail_errno("duplicate the console socket from berthd");
    std::fprintf(stderr, "Connected to the console of %s. Press ^] three times within 1s to detach.\n",
                 name.c_str());
    const RelayEnd end = BERTH_TRY(relay_session(console.get(), {}));
    if (end == RelayEnd::PeerClosed)
        std::fprintf(stderr, "\nThe console of %s closed (the container stopped).\n", name.c_str());
    else
        std::fprintf(stderr, "\nDetached from the console of %s.\n", name.c_str());
    return end == RelayEnd::Signal ? 1 : 0;
}

}  // namespace

std::vector<Verb> console_verbs()
{
    return {
        {"console", {}, "NAME", 1, 1, std::nullopt, {}, do_console, "Attach to a container's console",
         "Connects this terminal to the console of container NAME (its /dev/console, where init and a\n"
         "console getty write). The last lines the console showed are replayed first; logging to the\n"
         "console log goes on while attached. Press Ctrl-] three times within a second to detach; the\n"
         "container keeps running. One client at a time: a second one is refused (Busy)."},
    };
}

}  // namespace berth::ctl
