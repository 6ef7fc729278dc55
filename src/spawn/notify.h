// NOTIFY_SOCKET for booting guests, as systemd-nspawn gives one: berth-spawn binds a datagram socket in the
// container's runtime directory (host side) and mounts it at /run/host/notify inside the container; the guest's
// PID 1 (systemd) finds it through NOTIFY_SOCKET and reports READY=1, STATUS=..., STOPPING=1. Only messages sent
// by the container's PID 1 count (SO_PASSCRED).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/unique_fd.h"

namespace berth::spawn {

inline constexpr std::string_view kGuestNotifyDir = "/run/host";
inline constexpr std::string_view kGuestNotifyPath = "/run/host/notify";
inline constexpr std::string_view kNotifySocketName = "notify";

struct NotifyMessage {
    bool ready = false;
    bool stopping = false;
    std::optional<std::string> status;
    std::optional<std::string> shutdown;   // X_SYSTEMD_SHUTDOWN= (newer systemd): poweroff, reboot, halt, ...
};

// sd_notify's "KEY=VALUE\n..." text. Unknown keys are ignored.
NotifyMessage parse_notify(std::string_view text);

class NotifySocket {
public:
    // Binds RUNTIME_DIR/notify, owned by the container's root (uid `owner`) with mode 0600.
    static Result<NotifySocket> open(const std::string& runtime_dir, uid_t owner);
    int fd() const { return fd_.get(); }
    const std::string& path() const { return path_; }
    // Reads one datagram. nullopt when it came from another process than `leader`, or was not readable.
    std::optional<NotifyMessage> receive(pid_t leader);

private:
    UniqueFd fd_;
    std::string path_;
};

// Host side, before clone: the socket file as a detached mount (open_tree clone) the child can attach.
Result<UniqueFd> clone_notify_mount(const std::string& socket_path);
// Child side, after pivot_root: attach it at /run/host/notify.
Result<> attach_notify_mount(int tree_fd);

}  // namespace berth::spawn
