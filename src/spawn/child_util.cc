#include "spawn/child_util.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/message.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL  // linux/sched.h, not in glibc 2.36's <sched.h>
#endif

namespace berth::spawn {

namespace {
// The kernel's struct clone_args (v0 layout, 64 bytes), spelled out to avoid <linux/sched.h> clashing with glibc.
struct CloneArgs {
    uint64_t flags;
    uint64_t pidfd;
    uint64_t child_tid;
    uint64_t parent_tid;
    uint64_t exit_signal;
    uint64_t stack;
    uint64_t stack_size;
    uint64_t tls;
    uint64_t set_tid;
    uint64_t set_tid_size;
    uint64_t cgroup;
};
}  // namespace

pid_t clone_with_pidfd(uint64_t flags, int* pidfd, int cgroup_fd)
{
    CloneArgs args = {};
    args.flags = flags | (pidfd ? CLONE_PIDFD : 0);
    args.pidfd = reinterpret_cast<uint64_t>(pidfd);
    args.exit_signal = SIGCHLD;
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = static_cast<uint64_t>(cgroup_fd);
    }
    return static_cast<pid_t>(syscall(SYS_clone3, &args, sizeof args));
}

void reset_signals()
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGPIPE, SIGCHLD, SIGTERM, SIGINT, SIGHUP})
        signal(sig, SIG_DFL);
}

Result<> become_namespace_root()
{
    if (setresgid(0, 0, 0) < 0)
        return fail_errno("become gid 0 in the container");
    if (setgroups(0, nullptr) < 0)
        return fail_errno("drop supplementary groups");
    if (setresuid(0, 0, 0) < 0)
        return fail_errno("become uid 0 in the container");
    return {};
}

void child_fail(int sock, const char* reason, const Error& error)
{
    (void)send_message(sock, {"ERR", reason, std::to_string(error.code), error.message});
    _exit(127);
}

Result<> write_text_file(const std::string& path, const std::string& text)
{
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return fail_errno("open " + path);
    ssize_t n = write(fd, text.data(), text.size());
    int saved = errno;
    close(fd);
    if (n != static_cast<ssize_t>(text.size()))
        return fail_errno(saved, "write " + path);
    return {};
}

uint64_t realtime_usec()
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

}  // namespace berth::spawn
