#include "daemon/image_import.h"

#include <fcntl.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/names.h"
#include "daemon/child_report.h"

namespace berth::daemon {

Result<> ImageImports::start(UniqueFd tarball, const std::string& name, std::function<void(Result<>)> done)
{
    BERTH_TRY(validate_name(name, "image name"));
    if (in_progress(name))
        return fail(ErrorKind::Busy, "image '" + name + "' is being imported right now");
    if (images_.exists(name))
        return fail(ErrorKind::AlreadyExists, "an image named '" + name + "' already exists");
    if (!tarball)
        return fail(ErrorKind::InvalidArgument, "no tarball file descriptor given");
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return fail_errno("create pipe");
    UniqueFd read_end(pipefd[0]), write_end(pipefd[1]);

    pid_t pid = fork();
    if (pid < 0)
        return fail_errno("fork image import");
    if (pid == 0) {
        // The daemon is single-threaded, so the child may run ordinary code; it never touches the bus.
        auto r = images_.import_tarball(tarball.get(), name);
        if (!r)
            write_child_report(write_end.get(), r.error());
        _exit(r ? 0 : 1);
    }
    write_end.reset();
    auto child = loop_.add_child(pid, [this, name](const siginfo_t& info) { finish(name, info); });
    if (!child) {
        ::kill(pid, SIGKILL);
        return fail(child.error());
    }
    jobs_[name] = Job{std::move(read_end), std::move(*child), std::move(done)};
    return {};
}

void ImageImports::finish(const std::string& name, const siginfo_t& info)
{
    auto it = jobs_.find(name);
    if (it == jobs_.end())
        return;
    auto report = std::move(it->second.report);
    auto done = std::move(it->second.done);
    // The child source is being dispatched right now; release it on the next iteration, not here.
    auto job = std::make_shared<Job>(std::move(it->second));
    jobs_.erase(it);
    loop_.defer([job] {});
    done(read_child_outcome(report.get(), info, "image import process"));
}

}  // namespace berth::daemon
