// berth-spawn: the per-container supervisor. berthd execs it as `berth-spawn --control-fd=3` with a SOCK_SEQPACKET
// socket, puts it into the container's scope and sends START (base/spawn_protocol.h). It is the only berth program
// that calls clone(), setns() and pivot_root(), and it stays single-threaded for that reason.
#include <fcntl.h>
#include <signal.h>
#include <malloc.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "base/message.h"
#include "base/spawn_protocol.h"
#include "spawn/start_config.h"
#include "spawn/supervisor.h"

namespace {

void usage()
{
    std::fprintf(stderr,
                 "usage: berth-spawn [--control-fd=N]\n"
                 "The per-container supervisor of berth; started by berthd, not by hand.\n");
}

// Children inherit fds 0-2 as-is; make sure they exist so no socket we open later can land there.
void ensure_standard_fds()
{
    for (int fd = 0; fd < 3; ++fd)
        if (fcntl(fd, F_GETFD) < 0) {
            int null = open("/dev/null", O_RDWR);
            if (null >= 0 && null != fd) {
                dup2(null, fd);
                close(null);
            }
        }
}

}  // namespace

int main(int argc, char** argv)
{
    using namespace berth;
    int control = spawn_protocol::kControlFd;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            usage();
            return 0;
        }
        constexpr std::string_view prefix = "--control-fd=";
        if (arg.substr(0, prefix.size()) == prefix) {
            auto value = arg.substr(prefix.size());
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), control);
            if (ec == std::errc() && end == value.data() + value.size() && control >= 0)
                continue;
        }
        std::fprintf(stderr, "berth-spawn: unknown argument '%s'\n", argv[i]);
        usage();
        return 2;
    }
    ensure_standard_fds();
    // One supervisor idles per container: fixed malloc thresholds (glibc would raise them after the first large
    // free) let large buffers go back to the kernel instead of staying dirty on the heap.
    mallopt(M_MMAP_THRESHOLD, 64 * 1024);
    mallopt(M_TRIM_THRESHOLD, 64 * 1024);
    if (geteuid() != 0) {
        std::fprintf(stderr, "berth-spawn: must run as root\n");
        return 1;
    }
    // The control socket is ours alone: no container process may inherit it.
    if (fcntl(control, F_SETFD, FD_CLOEXEC) < 0) {
        std::fprintf(stderr, "berth-spawn: control fd %d: %s\n", control, std::strerror(errno));
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    UniqueFd control_fd(control);

    auto start = receive_message(control_fd.get());
    if (!start) {
        std::fprintf(stderr, "berth-spawn: waiting for START: %s\n", start.error().describe().c_str());
        return 1;
    }
    auto config = spawn::parse_start(std::move(*start));
    if (!config) {
        (void)send_message(control_fd.get(), {std::string(spawn_protocol::kFailed),
                                              "code=" + std::to_string(config.error().code), "reason=setup",
                                              "message=" + config.error().describe()});
        return 1;
    }
    spawn::Supervisor supervisor(std::move(*config), std::move(control_fd));
    return supervisor.run();
}
