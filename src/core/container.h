// A container as the daemon holds it: its persistent spec plus runtime state (state machine, supervisor link).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/enum_table.h"
#include "base/error.h"
#include "base/unique_fd.h"
#include "core/event_loop.h"
#include "core/guest_state.h"
#include "core/init_signals.h"
#include "core/spec.h"
#include "core/unit_manager.h"

namespace berth {

// stopped -> (Start) -> running -> (PowerOff) -> stopping -> stopped; Terminate and a dying init go straight to
// stopped; Reboot keeps it running with a new leader. "starting" is held while Start runs.
enum class ContainerState { Stopped, Starting, Running, Stopping };
inline constexpr EnumTable<ContainerState, 4> kContainerStateTable{{
    {ContainerState::Stopped, "stopped"},
    {ContainerState::Starting, "starting"},
    {ContainerState::Running, "running"},
    {ContainerState::Stopping, "stopping"},
}};

// Exit status of PID 1 (or of an exec'd command): the exit code, or 128+N for signal N.
using ExitCallback = std::function<void(Result<int>)>;
// Whether a start succeeded (PID 1 runs) or why not.
using StartCallback = std::function<void(Result<>)>;

// A start in flight: the supervisor has START and GO, berthd waits for STARTED without blocking its loop.
struct PendingStart {
    pid_t supervisor = 0;
    UniqueFd control;
    EventSource watch;
    EventSource deadline;
    std::vector<UniqueFd> stdio;  // kept for a retry after the one-time shift
    bool retried = false;
    std::vector<StartCallback> started;
};

struct Container {
    ContainerSpec spec;
    ContainerState state = ContainerState::Stopped;
    pid_t leader = 0;
    UniqueFd leader_pidfd;  // signals go through it: a pid alone may already name another process
    uint64_t started_at = 0;  // usec since the epoch, 0 when stopped
    InitKind init = InitKind::Other;
    GuestState guest;  // the guest OS: readiness, its own state, os-release, last stop reason

    // the link to berth-spawn while it runs: control connection (or WATCH connection after a daemon restart)
    UniqueFd control;
    EventSource control_watch;
    EventSource stop_timer;   // PowerOff's deadline
    std::vector<ExitCallback> waiters;  // Wait / StartAttached callers
    std::unique_ptr<PendingStart> pending;  // while starting
    UnitUsage usage;             // last usage read from systemd,
    uint64_t usage_read_at = 0;  // and when (CLOCK_MONOTONIC usec)

    std::string unit() const { return "berth-" + spec.name + ".scope"; }
    bool active() const { return state != ContainerState::Stopped; }
};

}  // namespace berth
