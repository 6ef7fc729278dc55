#include "core/manager_internal.h"

#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace berth::manager_detail {

uint64_t now_usec()
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

Error no_such_container(const std::string& name)
{
    return Error{ErrorKind::NoSuchContainer, 0, "no container named '" + name + "' (see 'berthctl list --all')"};
}

Error not_running(const Container& c)
{
    return Error{ErrorKind::InvalidState, 0,
                 "container '" + c.spec.name + "' is " +
                     std::string(kContainerStateTable.to_string(c.state)) + ", not running"};
}

std::vector<int> raw_fds(const StdioFds& fds)
{
    return {fds[0].get(), fds[1].get(), fds[2].get()};
}

Result<> take_leader(Container& c, const Message& message)
{
    const std::string leader = message.get("leader");
    const std::string started = message.get("started");
    long pid = 0;
    unsigned long long usec = 0;
    auto [p1, e1] = std::from_chars(leader.data(), leader.data() + leader.size(), pid);
    auto [p2, e2] = std::from_chars(started.data(), started.data() + started.size(), usec);
    if (e1 != std::errc() || e2 != std::errc() || pid <= 0 || p1 != leader.data() + leader.size())
        return fail(ErrorKind::Failed, "the supervisor sent a malformed " + message.verb() + " message", EPROTO);
    // A PID 1 that ended already (a short command) is fine: EXITED follows, and there is nothing left to signal.
    UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0)));
    if (!pidfd && errno != ESRCH)
        return fail_errno("open the leader of container " + c.spec.name);
    c.leader = static_cast<pid_t>(pid);
    c.leader_pidfd = std::move(pidfd);
    c.started_at = usec;
    return {};
}

Result<> signal_leader(const Container& c, int signal)
{
    if (!c.leader_pidfd)
        return {};  // PID 1 had ended before berthd heard it started
    if (syscall(SYS_pidfd_send_signal, c.leader_pidfd.get(), signal, nullptr, 0) < 0) {
        if (errno == ESRCH)
            return {};  // already gone: its supervisor is about to say how it ended
        return fail_errno("signal init of container " + c.spec.name);
    }
    return {};
}

Error starting_busy(const Container& c)
{
    return Error{ErrorKind::Busy, 0, "container '" + c.spec.name + "' is starting; try again when it runs"};
}


}  // namespace berth::manager_detail
