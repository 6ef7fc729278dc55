// A connection to a guest's own systemd, over a socket that berth-spawn connected to /run/systemd/private inside
// the container (GUEST_OPEN, see base/spawn_protocol.h): the guest sees its own root as the peer. Used for
// `login` (start container-getty@N.service, as machined's OpenLogin) and for `shell` (a transient service with
// PAMName=login on a pty of the guest, as machinectl shell, but waited for so its exit status comes back).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "core/container.h"
#include "core/event_loop.h"

namespace berth {

struct GuestShellSpec {
    std::string unit;                // berth-shell-XXXX.service
    std::string user;                // empty: root
    std::vector<std::string> argv;   // empty: the user's login shell
    std::vector<std::string> env;    // KEY=VALUE (TERM among them)
    std::string tty;                 // /dev/pts/N inside the guest
};

// The ExecStart argv of a shell service: a login shell of the user, or argv run through /bin/sh (PATH lookup and
// 127 for a missing command as a shell gives them). Pure; unit-tested.
std::vector<std::string> guest_shell_command(const std::vector<std::string>& argv);

// The exit status of a finished service as berth reports it: the code, 128+N for a signal, 127 when systemd could
// not execute the command (its 203/EXEC). Pure; unit-tested.
int guest_exit_status(int exec_main_code, int exec_main_status, const std::string& result);

class GuestSystemd {
public:
    static Result<std::unique_ptr<GuestSystemd>> connect(UniqueFd socket);
    ~GuestSystemd();
    GuestSystemd(const GuestSystemd&) = delete;
    GuestSystemd& operator=(const GuestSystemd&) = delete;

    // StartUnit(unit, "replace"), waiting for the reply (not for the job).
    Result<> start_unit(const std::string& unit);
    // StartTransientUnit of the shell service; the unit stays loaded (RemainAfterExit) until its status was read, so
    // the exit status is not lost.
    Result<> start_shell(const GuestShellSpec& spec);
    // Attach to `loop` and call `done` once with the service's exit status (or an error when the guest went away).
    Result<> watch_shell(EventLoop& loop, ExitCallback done);

private:
    struct Impl;
    explicit GuestSystemd(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace berth
