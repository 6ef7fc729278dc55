// Verbs that run a command and exit with its status: exec (in a running container) and run (create, start
// attached, wait). berthctl's own stdin/stdout/stderr are passed to the daemon, so the command reads and writes
// the caller's terminal or pipes directly; berthctl only waits for the reply.
#include <signal.h>
#include <sys/random.h>

#include <cstdio>
#include <map>

#include "ctl/bus.h"
#include "ctl/errors.h"
#include "ctl/settings_dbus.h"
#include "ctl/stdio_fds.h"
#include "ctl/terminal_proxy.h"
#include "ctl/verbs.h"

namespace berth::ctl {

namespace {

constexpr const char* kContainerInterface = org::berth1::Container_proxy::INTERFACE_NAME;

struct StdioFds {
    sdbus::UnixFd in, out, err;
};

// berthctl's stdio for the command, with terminals replaced by the proxy's pty (see terminal_proxy.h).
Result<StdioFds> stdio_fds(const TerminalProxy& proxy)
{
    // Anything we printed must be out before the command writes to the same fds.
    std::fflush(stdout);
    std::fflush(stderr);
    auto one = [&](int fd) { return stdio_fd(proxy.replacement(fd) >= 0 ? proxy.replacement(fd) : fd); };
    StdioFds fds;
    fds.in = BERTH_TRY(one(0));
    fds.out = BERTH_TRY(one(1));
    fds.err = BERTH_TRY(one(2));
    return fds;
}

// Ignores SIGINT and SIGQUIT while a container's command runs in the foreground, as a shell does for a
// foreground job: Ctrl-C is meant for the command, and berthctl must stay to report its status.
class ForegroundSignals {
public:
    ForegroundSignals()
    {
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        sigemptyset(&ignore.sa_mask);
        ::sigaction(SIGINT, &ignore, &old_int_);
        ::sigaction(SIGQUIT, &ignore, &old_quit_);
    }
    ~ForegroundSignals()
    {
        ::sigaction(SIGINT, &old_int_, nullptr);
        ::sigaction(SIGQUIT, &old_quit_, nullptr);
    }
    ForegroundSignals(const ForegroundSignals&) = delete;
    ForegroundSignals& operator=(const ForegroundSignals&) = delete;

private:
    struct sigaction old_int_ {};
    struct sigaction old_quit_ {};
};

Result<int> do_exec(const Invocation& inv)
{
    const auto& argv = inv.args.rest;
    if (argv.empty())
        return usage_error("missing command (berthctl exec NAME -- CMD...)");
    const auto env = BERTH_TRY(parse_env_args(inv.args));
    auto bus = BERTH_TRY(Bus::connect());
    auto proxy = BERTH_TRY(TerminalProxy::open_if_needed());
    auto fds = BERTH_TRY(stdio_fds(*proxy));
    BERTH_TRY(proxy->start());
    // --user and --workdir need ExecWithOptions; plain Exec otherwise.
    std::map<std::string, sdbus::Variant> options;
    if (auto user = inv.args.value("user"))
        options["User"] = sdbus::Variant(*user);
    if (auto dir = inv.args.value("workdir"))
        options["WorkingDirectory"] = sdbus::Variant(*dir);
    auto status = bus.on_container(inv.args.positionals[0], [&](ContainerClient& container) {
        int32_t result = -1;
        if (options.empty()) {
            container.getProxy()
                .callMethod("Exec")
                .onInterface(kContainerInterface)
                .withTimeout(kNoTimeout)
                .withArguments(argv, env, fds.in, fds.out, fds.err)
                .storeResultsTo(result);
        } else {
            options["Environment"] = sdbus::Variant(env);
            container.getProxy()
                .callMethod("ExecWithOptions")
                .onInterface(kContainerInterface)
                .withTimeout(kNoTimeout)
                .withArguments(argv, options, fds.in, fds.out, fds.err)
                .storeResultsTo(result);
        }
        return result;
    });
    fds = StdioFds{};
    proxy->finish();
    if (!status)
        return fail(std::move(status).error());
    return *status;
}

Result<std::string> generated_name()
{
    unsigned char bytes[4];
    if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes))
        return fail_errno("getrandom");
    char name[16];
    std::snprintf(name, sizeof name, "run-%02x%02x%02x%02x", bytes[0], bytes[1], bytes[2], bytes[3]);
    return std::string(name);
}

Result<int> do_run(const Invocation& inv)
{
    if (inv.args.rest.empty())
        return usage_error("missing command (berthctl run [OPTIONS...] -- CMD...)");
    auto settings = BERTH_TRY(container_settings(inv.args));
    // A throwaway container needs no copy of its image: --rm runs it on a volatile overlay.
    if (inv.args.has("rm"))
        settings["Ephemeral"] = sdbus::Variant(true);
    const std::string name = inv.args.has("name") ? *inv.args.value("name") : BERTH_TRY(generated_name());

    auto bus = BERTH_TRY(Bus::connect());
    const sdbus::ObjectPath path = BERTH_TRY(bus_call([&] { return bus.manager().CreateContainer(name, settings); }));
    auto container = BERTH_TRY(bus.container_at(path));
    auto proxy = BERTH_TRY(TerminalProxy::open_if_needed());
    auto fds = BERTH_TRY(stdio_fds(*proxy));
    BERTH_TRY(proxy->start());

    ForegroundSignals foreground;
    auto status = bus_call([&] {
        int32_t result = -1;
        container->getProxy()
            .callMethod("StartAttached")
            .onInterface(kContainerInterface)
            .withTimeout(kNoTimeout)
            .withArguments(fds.in, fds.out, fds.err)
            .storeResultsTo(result);
        return result;
    });
    fds = StdioFds{};
    proxy->finish();
    if (!status && inv.args.has("rm")) {
        // AutoRemove acts when the container stops; one that never started would stay behind. Best effort: the
        // error worth showing is the start failure.
        (void)bus_call([&] { bus.manager().RemoveContainer(name, true); });
    }
    if (!status)
        return fail(std::move(status).error());
    return *status;
}

std::vector<OptionSpec> run_options()
{
    std::vector<OptionSpec> specs = {
        {"rm", 0, false, false, "", "remove the container when the command ends (its root is then ephemeral)"},
        {"ephemeral", 0, false, false, "", "run on a volatile overlay of the image (implied by --rm)"},
        {"network", 0, true, false, "NAME|none", "network for eth0 (default: berth0; none: loopback only)"},
        {"image", 'i', true, false, "IMG", "image to create the container from (default: the daemon's default)"},
        {"name", 'n', true, false, "NAME", "container name (default: run-XXXXXXXX)"},
    };
    const auto& limits = limit_options();
    specs.insert(specs.end(), limits.begin(), limits.end());
    specs.push_back(env_option());
    return specs;
}

}  // namespace

std::vector<Verb> exec_verbs()
{
    return {
        {"exec", {}, "NAME [--env K=V]... [--user USER] [--workdir DIR] [--] CMD...", 1, 1, 1,
         {env_option(),
          {"user", 'u', true, false, "USER", "run as USER, UID, UID:GID or USER:GROUP of the container"},
          {"workdir", 'w', true, false, "DIR", "run in DIR inside the container (default: /)"}},
         do_exec,
         "Run a command in a running container",
         "Runs CMD inside running container NAME (all its namespaces and its cgroup, as root with the\n"
         "container's capabilities) with berthctl's stdin, stdout and stderr, and exits with its status\n"
         "(128+N when it was killed by signal N; 127 when CMD is not found, 126 when it cannot be run).\n"
         "stdout and stderr stay separate: redirect either and the other still reaches the terminal.\n"
         "--user looks the user up in the container's own /etc/passwd and /etc/group and runs CMD with\n"
         "its uid, gid and groups, no capabilities, and its HOME, USER, LOGNAME and SHELL; --workdir\n"
         "is entered with the user's rights. The words after NAME are the command; use '--' before a\n"
         "command that starts with '-'."},
        {"run", {}, "[--rm] [--image IMG] [--name NAME] [OPTIONS...] [--] CMD...", 0, 0, 0, run_options(), do_run,
         "Create a container, run a command as its PID 1 and wait",
         "Creates a container (named NAME, or run-XXXXXXXX) that runs CMD as PID 1 with berthctl's stdin,\n"
         "stdout and stderr, starts it, waits until it stops and exits with CMD's status. With --rm the\n"
         "container is removed afterwards, and it runs on a volatile overlay of its image (nothing is\n"
         "copied; what it writes is gone when it stops). While it waits, berthctl ignores SIGINT and SIGQUIT (as a shell\n"
         "does for a foreground job), so Ctrl-C reaches the command and berthctl still reports its status.\n"
         "Limits and --env as for 'berthctl create'."},
    };
}

}  // namespace berth::ctl
