// copy-to / copy-from on the Manager: pick how the helper reaches the container, start it, report its outcome.
#include "core/manager.h"

#include <signal.h>
#include <unistd.h>

#include "core/manager_internal.h"

namespace berth {

using namespace manager_detail;

Result<> Manager::copy(const std::string& name, CopyJob job, StartCallback done)
{
    auto* c = BERTH_TRY(lookup(name));
    if (job.path.empty() || job.path.front() != '/')
        return fail(ErrorKind::InvalidArgument,
                    "the path inside the container must be absolute, got \"" + job.path + "\"");
    if (job.path.find('\0') != std::string::npos)
        return fail(ErrorKind::InvalidArgument, "the path inside the container must not contain NUL bytes");
    if (!job.data)
        return fail(ErrorKind::InvalidArgument, "no data descriptor given");
    job.id_count = c->spec.idmap_size;
    switch (c->state) {
    case ContainerState::Running:
        if (!c->leader_pidfd)
            return fail(not_running(*c));
        // In its namespaces: what it has mounted (volumes, binds, tmpfs) is seen as it sees it.
        job.leader_pidfd = c->leader_pidfd.get();
        break;
    case ContainerState::Stopped:
        if (c->spec.ephemeral)
            return fail(ErrorKind::InvalidState, "container '" + name +
                                                     "' is ephemeral and stopped: it has no root of its own to copy "
                                                     "to or from; start it first");
        job.root = root_of(c->spec);
        job.id_shift = c->spec.idmap_mode == IdMapMode::Shifted ? c->spec.idmap_base : 0;
        break;
    default:
        return fail(ErrorKind::Busy, "container '" + name + "' is " +
                                         std::string(kContainerStateTable.to_string(c->state)) + "; try again");
    }

    auto launched = BERTH_TRY(launch_copy_helper(copy_helper_path(deps_.config.spawn_path), job));
    job.data.reset();  // the helper has it now; holding it would keep the client's pipe from ending
    const pid_t pid = launched.pid;
    auto session = std::make_unique<CopySession>();
    session->report = std::move(launched.report);
    session->done = std::move(done);
    auto child = deps_.loop.add_child(pid, [this, pid](const siginfo_t& info) {
        auto it = copies_.find(pid);
        if (it == copies_.end())
            return;
        CopySession* session = it->second.get();
        // The source must not be destroyed inside its own callback: disable it now, drop it next iteration.
        session->child.disable();
        deps_.loop.defer([this, pid] { copies_.erase(pid); });
        char buf[4096];
        const ssize_t n = ::read(session->report.get(), buf, sizeof buf);
        const std::string report = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
        const int status = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
        session->done(copy_outcome(status, report));
    });
    if (!child) {
        ::kill(pid, SIGKILL);
        return fail(child.error());
    }
    session->child = std::move(*child);
    copies_.emplace(pid, std::move(session));
    return {};
}

}  // namespace berth
