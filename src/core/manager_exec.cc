// Commands in a running container: exec (status when it ends) and shells on a pty.
#include "core/manager.h"

#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/reverter.h"
#include "core/manager_internal.h"
#include "core/supervisor_client.h"

namespace berth {

using namespace manager_detail;

namespace {

// A command that cannot be executed ends like it does under sh or nsenter: a message on its stderr and status 127
// (not found) or 126 (not executable). Other failures (joining the namespaces) are errors of the call.
Result<int> exec_failure(const Message& reply, int stderr_fd)
{
    const int code = std::atoi(reply.get("code").c_str());
    const bool not_found = code == ENOENT || code == ENOTDIR;
    const bool not_executable = code == EACCES || code == ENOEXEC || code == EISDIR;
    if (reply.get("reason") == "setup") {
        // Before the command: the user or the working directory the caller named is not there (or not theirs).
        Error error = error_from_failed(reply, "exec");
        if (code == 0 || code == EINVAL || not_found || code == EACCES)
            error.kind = ErrorKind::InvalidArgument;
        return fail(std::move(error));
    }
    if (reply.get("reason") != "exec" && !not_found && !not_executable)
        return fail(error_from_failed(reply, "exec"));
    if (stderr_fd >= 0) {
        std::string line = "berth: " + reply.get("message") + "\n";
        (void)!::write(stderr_fd, line.data(), line.size());
    }
    return not_found ? 127 : 126;
}

// --user and --workdir go to the supervisor as user= and cwd=; the user is looked up there, inside the container.
Result<> add_exec_options(std::vector<std::string>& fields, const ExecOptions& options)
{
    if (!options.user.empty()) {
        const bool plain = options.user.size() <= 65 &&
                           options.user.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                          "0123456789_.-:$") == std::string::npos &&
                           options.user.find(':') == options.user.rfind(':');
        if (!plain || options.user[0] == '-')
            return fail(ErrorKind::InvalidArgument, "user '" + options.user +
                                                        "' is not USER, UID, UID:GID or USER:GROUP");
        fields.push_back("user=" + options.user);
    }
    if (!options.workdir.empty()) {
        if (options.workdir[0] != '/' || options.workdir.size() > 4095 ||
            options.workdir.find('\0') != std::string::npos)
            return fail(ErrorKind::InvalidArgument,
                        "working directory '" + options.workdir + "' is not an absolute path");
        fields.push_back("cwd=" + options.workdir);
    }
    return {};
}

}  // namespace

Result<> Manager::exec(const std::string& name, std::vector<std::string> argv, std::vector<std::string> env,
                       StdioFds stdio, ExitCallback done)
{
    return exec_with_options(name, std::move(argv), ExecOptions{std::move(env), {}, {}}, std::move(stdio),
                             std::move(done));
}

Result<> Manager::exec_with_options(const std::string& name, std::vector<std::string> argv, ExecOptions options,
                                    StdioFds stdio, ExitCallback done)
{
    auto* c = BERTH_TRY(lookup(name));
    if (argv.empty() || argv[0].empty())
        return fail(ErrorKind::InvalidArgument, "no command given");
    auto fields = BERTH_TRY(command_request(sp::kExec, argv, options.env));
    BERTH_TRY(add_exec_options(fields, options));
    if (c->state != ContainerState::Running)
        return fail(not_running(*c));
    auto conn = BERTH_TRY(connect_supervisor(runtime_dir(name)));
    BERTH_TRY(send_message(conn.get(), fields, raw_fds(stdio)));

    const uint64_t id = next_exec_id_++;
    auto session = std::make_unique<ExecSession>();
    session->done = std::move(done);
    session->stderr_fd = std::move(stdio[2]);
    auto watch = deps_.loop.add_io(conn.get(), EPOLLIN, [this, id](uint32_t) {
        auto it = execs_.find(id);
        if (it == execs_.end())
            return;
        auto message = receive_message(it->second->connection.get());
        Result<int> outcome = fail(ErrorKind::Failed, "the container's supervisor went away during exec");
        if (message && message->verb() == sp::kExecStarted)
            return;  // wait for the end
        if (message && message->verb() == sp::kExecExited)
            outcome = std::atoi(message->get("status").c_str());
        else if (message && message->verb() == sp::kFailed)
            outcome = exec_failure(*message, it->second->stderr_fd.get());
        auto finished = std::move(it->second);
        execs_.erase(it);
        finished->done(std::move(outcome));
    });
    if (!watch)
        return fail(watch.error());
    session->connection = std::move(conn);
    session->watch = std::move(*watch);
    execs_.emplace(id, std::move(session));
    return {};
}

Result<UniqueFd> Manager::open_shell(const std::string& name, std::vector<std::string> argv,
                                     std::vector<std::string> env)
{
    auto* c = BERTH_TRY(lookup(name));
    const auto fields = BERTH_TRY(command_request(sp::kShell, argv, env));
    if (c->state != ContainerState::Running)
        return fail(not_running(*c));
    auto conn = BERTH_TRY(connect_supervisor(runtime_dir(name)));
    BERTH_TRY(send_message(conn.get(), fields));
    auto reply = BERTH_TRY(receive_message_within(conn.get(), kReplyTimeoutMs));
    if (reply.verb() == sp::kFailed)
        return fail(error_from_failed(reply, "open a shell in container " + name));
    if (reply.verb() != sp::kPty || reply.fds.empty())
        return fail(ErrorKind::Failed, "unexpected answer from the supervisor: " + reply.verb());
    return std::move(reply.fds[0]);
}


}  // namespace berth
