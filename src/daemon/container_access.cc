// org.berth1.Container methods for getting into a running guest: exec with a user and working directory, login
// on a getty, a shell through the guest's PAM, and the console. Translation only; the work is in the Manager
// (core/manager_exec.cc, core/manager_login*.cc).
#include <fcntl.h>

#include <memory>

#include "daemon/bus_errors.h"
#include "daemon/container_object.h"

namespace berth::daemon {

namespace {

template <typename T>
T option_value(const sdbus::Variant& value, const std::string& key)
{
    try {
        return value.get<T>();
    } catch (const sdbus::Error&) {
        throw_bus_error(Error{ErrorKind::InvalidArgument, 0, "option '" + key + "' has the wrong type"});
    }
}

ExecOptions exec_options_from_bus(const std::map<std::string, sdbus::Variant>& options)
{
    ExecOptions result;
    for (const auto& [key, value] : options) {
        if (key == "Environment")
            result.env = option_value<std::vector<std::string>>(value, key);
        else if (key == "User")
            result.user = option_value<std::string>(value, key);
        else if (key == "WorkingDirectory")
            result.workdir = option_value<std::string>(value, key);
        else
            throw_bus_error(Error{ErrorKind::InvalidArgument, 0, "unknown exec option '" + key + "'"});
    }
    return result;
}

}  // namespace

void ContainerObject::ExecWithOptions(sdbus::Result<int32_t>&& result, std::vector<std::string> argv,
                                      std::map<std::string, sdbus::Variant> options, sdbus::UnixFd stdin_fd,
                                      sdbus::UnixFd stdout_fd, sdbus::UnixFd stderr_fd)
{
    auto shared = std::make_shared<sdbus::Result<int32_t>>(std::move(result));
    ExitCallback done = [shared](berth::Result<int> outcome) {
        if (outcome)
            shared->returnResults(static_cast<int32_t>(*outcome));
        else
            shared->returnError(to_bus_error(outcome.error()));
    };
    berth::Result<ExecOptions> parsed = [&]() -> berth::Result<ExecOptions> {
        try {
            return exec_options_from_bus(options);
        } catch (const sdbus::Error& e) {
            return fail(ErrorKind::InvalidArgument, e.getMessage());
        }
    }();
    if (!parsed) {
        done(tl::unexpected(parsed.error()));
        return;
    }
    auto r = manager_.exec_with_options(name_, std::move(argv), std::move(*parsed),
                                        take_stdio(stdin_fd, stdout_fd, stderr_fd), done);
    if (!r)
        done(tl::unexpected(r.error()));
}

sdbus::UnixFd ContainerObject::OpenLogin()
{
    auto pty = value_or_throw(manager_.open_login(name_));
    return sdbus::UnixFd(pty.release(), sdbus::adopt_fd);
}

std::tuple<sdbus::UnixFd, sdbus::UnixFd, std::string> ContainerObject::OpenShellSession(
    const std::string& user, const std::vector<std::string>& argv, const std::vector<std::string>& env)
{
    auto session = value_or_throw(manager_.open_shell_session(name_, user, argv, env));
    return {sdbus::UnixFd(session.pty.release(), sdbus::adopt_fd),
            sdbus::UnixFd(session.status.release(), sdbus::adopt_fd), session.method};
}

sdbus::UnixFd ContainerObject::OpenConsole()
{
    auto console = value_or_throw(manager_.open_console(name_));
    return sdbus::UnixFd(console.release(), sdbus::adopt_fd);
}

}  // namespace berth::daemon
