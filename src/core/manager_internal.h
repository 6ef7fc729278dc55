// What the files of the Manager share (manager.cc, manager_start.cc, manager_exec.cc): timeouts, messages,
// and the leader's pidfd. Not for use outside the Manager.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/message.h"
#include "base/spawn_protocol.h"
#include "core/guest_systemd.h"
#include "core/manager.h"

namespace berth::manager_detail {

namespace sp = spawn_protocol;

inline constexpr int kStartTimeoutMs = 15000;  // within the 25 s a D-Bus client waits by default
inline constexpr int kReplyTimeoutMs = 10000;
// Status recorded when the supervisor vanished without telling how PID 1 ended.
inline constexpr int kStatusUnknown = 255;
// How long a usage reading from systemd answers property reads (one GetAll reads three usage properties).
inline constexpr uint64_t kUsageCacheUsec = 100000;

uint64_t now_usec();
Error no_such_container(const std::string& name);
Error not_running(const Container& c);
Error starting_busy(const Container& c);
std::vector<int> raw_fds(const StdioFds& fds);
// STARTED, STATE and REBOOTED carry leader= and started=; a reply without them is refused rather than trusted.
Result<> take_leader(Container& c, const Message& message);
// The leader through its pidfd: never a process that merely inherited its pid.
Result<> signal_leader(const Container& c, int signal);

}  // namespace berth::manager_detail

namespace berth {

// One EXEC request in flight: its connection to the supervisor and who waits for the status.
struct Manager::ExecSession {
    UniqueFd connection;
    EventSource watch;
    UniqueFd stderr_fd;  // where "command not found" goes, as a shell would print it
    ExitCallback done;
    std::unique_ptr<GuestSystemd> guest;  // a shell service in the guest's systemd (manager_login.cc)
};

// One copy-to/copy-from in flight: the berth-copy helper, its report pipe, who waits (manager_copy.cc).
struct Manager::CopySession {
    EventSource child;
    UniqueFd report;
    StartCallback done;
};

}  // namespace berth
