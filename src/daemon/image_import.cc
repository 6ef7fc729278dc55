#include "daemon/image_import.h"

#include <fcntl.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/names.h"

namespace berth::daemon {

namespace {

// Report format: "<kind>\n<errno>\n<message>" or empty for success.
void write_report(int fd, const Error& error)
{
    std::string text = std::string(error_kind_to_string(error.kind)) + "\n" + std::to_string(error.code) + "\n" +
                       error.message;
    (void)!write(fd, text.data(), text.size());
}

ErrorKind kind_from_string(const std::string& name)
{
    for (int k = 0; k <= static_cast<int>(ErrorKind::NotSupported); ++k)
        if (error_kind_to_string(static_cast<ErrorKind>(k)) == name)
            return static_cast<ErrorKind>(k);
    return ErrorKind::Failed;
}

}  // namespace

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
            write_report(write_end.get(), r.error());
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
    std::string report;
    char buf[4096];
    ssize_t n;
    while ((n = read(it->second.report.get(), buf, sizeof buf)) > 0)
        report.append(buf, static_cast<size_t>(n));
    auto done = std::move(it->second.done);
    // The child source is being dispatched right now; release it on the next iteration, not here.
    auto job = std::make_shared<Job>(std::move(it->second));
    jobs_.erase(it);
    loop_.defer([job] {});

    if (info.si_code == CLD_EXITED && info.si_status == 0) {
        done({});
        return;
    }
    if (report.empty()) {
        done(fail(ErrorKind::Failed, "image import process ended abnormally (status " +
                                         std::to_string(info.si_status) + ")"));
        return;
    }
    auto first = report.find('\n');
    auto second = report.find('\n', first + 1);
    Error error{kind_from_string(report.substr(0, first)),
                std::atoi(report.substr(first + 1, second - first - 1).c_str()),
                second == std::string::npos ? std::string() : report.substr(second + 1)};
    done(tl::unexpected(error));
}

}  // namespace berth::daemon
