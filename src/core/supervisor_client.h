// berthd's side of the berth-spawn protocol (see base/spawn_protocol.h): launch the supervisor, build its START
// message, connect to a running one, and wait for replies with a deadline.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "base/message.h"
#include "base/unique_fd.h"
#include "core/spec.h"

namespace berth {

struct LaunchedSupervisor {
    pid_t pid = 0;
    UniqueFd control;  // berthd's end of the control socket
};

// posix_spawn berth-spawn with the other end of a fresh SOCK_SEQPACKET socketpair as fd 3.
Result<LaunchedSupervisor> launch_supervisor(const std::string& spawn_path);

struct StartRequest {
    const ContainerSpec* spec = nullptr;
    std::string rootfs;
    std::string runtime_dir;
    bool overlay = false;   // rootfs is the shared image: run on a volatile overlay
    bool attached = false;  // the three stdio fds go with the message
    std::vector<std::pair<MountSpec, std::string>> mounts;  // each with its source as a host path
    std::vector<std::string> net;   // one per interface (core/net/network.h start_field)
};
std::vector<std::string> start_message(const StartRequest& request);
// mount=, mount_target=, mount_source= fields of one mount (START and MOUNT).
std::vector<std::string> mount_fields(const MountSpec& mount, const std::string& host_source);

// EXEC or SHELL with arg= and env= fields; InvalidArgument for an env entry that is not KEY=VALUE.
Result<std::vector<std::string>> command_request(std::string_view verb, const std::vector<std::string>& argv,
                                                 const std::vector<std::string>& env);

// Wait up to timeout_ms for one message (poll + receive_message). A timeout is ErrorKind::Failed with ETIMEDOUT.
Result<Message> receive_message_within(int fd, int timeout_ms);

// Connect to RUNTIME_DIR/supervisor.sock.
Result<UniqueFd> connect_supervisor(const std::string& runtime_dir);

// "FAILED" replies as an Error (kind Failed, code from code=, message from message=).
Error error_from_failed(const Message& reply, const std::string& what);

}  // namespace berth
