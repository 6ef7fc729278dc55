#include "core/supervisor_client.h"

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>

#include "base/spawn_protocol.h"

extern char** environ;

namespace berth {

namespace sp = spawn_protocol;

Result<LaunchedSupervisor> launch_supervisor(const std::string& spawn_path)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return fail_errno("create supervisor socket");
    UniqueFd ours(sv[0]), theirs(sv[1]);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // dup2 clears FD_CLOEXEC on the new fd 3; every other fd of ours is O_CLOEXEC and stays behind.
    posix_spawn_file_actions_adddup2(&actions, theirs.get(), sp::kControlFd);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    // berthd blocks SIGCHLD, SIGTERM and SIGINT (sd-event reads them from a signalfd); the supervisor must not
    // inherit the mask. Dispositions need no reset: berthd installs no signal handlers.
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID);

    std::string fd_arg = "--control-fd=" + std::to_string(sp::kControlFd);
    char* argv[] = {const_cast<char*>(spawn_path.c_str()), fd_arg.data(), nullptr};
    pid_t pid = 0;
    int r = posix_spawn(&pid, spawn_path.c_str(), &actions, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (r != 0)
        return fail_errno(r, "start supervisor " + spawn_path);
    return LaunchedSupervisor{pid, std::move(ours)};
}

std::vector<std::string> start_message(const StartRequest& request)
{
    const ContainerSpec& spec = *request.spec;
    std::vector<std::string> fields = {
        std::string(sp::kStart),
        "name=" + spec.name,
        "hostname=" + spec.name,
        "rootfs=" + request.rootfs,
        "runtime_dir=" + request.runtime_dir,
        "uid_base=" + std::to_string(spec.idmap_base),
        "uid_size=" + std::to_string(spec.idmap_size),
        std::string("idmap=") + (spec.idmap_mode == IdMapMode::Idmapped ? "mount" : "shifted"),
        "mode=" + std::string(kContainerModeTable.to_string(spec.mode)),
        std::string("attached=") + (request.attached ? "1" : "0"),
        std::string("overlay=") + (request.overlay ? "1" : "0"),
    };
    if (spec.mode == ContainerMode::Command)
        for (const auto& arg : spec.command)
            fields.push_back("arg=" + arg);
    for (const auto& env : spec.environment)
        fields.push_back("env=" + env);
    for (const auto& iface : request.net)
        fields.push_back("net=" + iface);
    for (const auto& [mount, host_source] : request.mounts)
        for (auto& field : mount_fields(mount, host_source))
            fields.push_back(std::move(field));
    return fields;
}

std::vector<std::string> mount_fields(const MountSpec& mount, const std::string& host_source)
{
    return {"mount=" + mount_options_field(mount), "mount_target=" + mount.target, "mount_source=" + host_source};
}

Result<std::vector<std::string>> command_request(std::string_view verb, const std::vector<std::string>& argv,
                                                 const std::vector<std::string>& env)
{
    std::vector<std::string> fields = {std::string(verb)};
    for (const auto& a : argv)
        fields.push_back("arg=" + a);
    for (const auto& e : env) {
        if (e.find('=') == std::string::npos || e[0] == '=')
            return fail(ErrorKind::InvalidArgument, "environment entry '" + e + "' is not KEY=VALUE");
        fields.push_back("env=" + e);
    }
    return fields;
}

Result<Message> receive_message_within(int fd, int timeout_ms)
{
    struct pollfd pfd = {fd, POLLIN, 0};
    for (;;) {
        int n = poll(&pfd, 1, timeout_ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail_errno("wait for the supervisor");
        if (n == 0)
            return fail(ErrorKind::Failed, "the container's supervisor did not answer in time", ETIMEDOUT);
        return receive_message(fd);
    }
}

Result<UniqueFd> connect_supervisor(const std::string& runtime_dir)
{
    std::string path = runtime_dir + "/" + std::string(sp::kSocketName);
    struct sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
        return fail(ErrorKind::InvalidArgument, "supervisor socket path too long: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    UniqueFd fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    if (!fd)
        return fail_errno("create socket");
    if (connect(fd.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) < 0)
        return fail_errno("connect to " + path);
    return fd;
}

Error error_from_failed(const Message& reply, const std::string& what)
{
    Error error;
    error.kind = ErrorKind::Failed;
    std::string message = reply.get("message");
    // The supervisor's message already ends with the errno text; keep the code only when there is no message.
    error.code = message.empty() ? std::atoi(reply.get("code").c_str()) : 0;
    error.message = what + (message.empty() ? "" : ": " + message);
    return error;
}

}  // namespace berth
