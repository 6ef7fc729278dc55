// What berth knows of the guest OS in a container: whether its init reports readiness (systemd does, through the
// notify socket berth-spawn gives it), whether it did, the guest's own system state, its os-release name, and how
// the container's last run ended. The State property shows "starting" until a notifying guest is ready and
// "degraded" when the guest says so.
#pragma once

#include <string>
#include <string_view>

namespace berth {

enum class ContainerState;

struct GuestState {
    bool notify = false;        // the init reports READY=1 (a systemd guest)
    bool ready = false;         // it did, for the current run
    std::string status;         // the guest's last STATUS= text
    std::string system_state;   // `systemctl is-system-running` in the guest; "" when not known
    std::string os_name;        // PRETTY_NAME from the guest's os-release
    std::string stop_reason;    // poweroff|halt|reboot|exit:N|signal:N|killed|timeout; "" before the first stop
    bool stop_timed_out = false;   // PowerOff ran out of time and terminated it
};

// The State property: the container's state, refined by the guest's (starting until ready, degraded).
std::string visible_state(ContainerState state, const GuestState& guest);

// PRETTY_NAME (else NAME) from os-release text, unquoted; "" when neither is there.
std::string parse_os_release_name(std::string_view text);
// Reads etc/os-release (else usr/lib/os-release) of the tree at `rootfs`, resolving links inside it.
std::string read_os_name(const std::string& rootfs);

// The StopReason of a run that ended: berth-spawn's EXITED reason (exited|killed|poweroff|halt) and status
// (exit code, or 128+N for signal N).
std::string stop_reason_of(std::string_view reason, int status);

}  // namespace berth
