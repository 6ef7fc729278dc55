#include "daemon/image_build.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <memory>

#include "base/names.h"
#include "daemon/child_report.h"

namespace berth::daemon {

Result<DebianBuildOptions> debian_options_from_bus(const std::map<std::string, sdbus::Variant>& options)
{
    DebianBuildOptions out;
    for (const auto& [key, value] : options) {
        const std::string type = value.peekValueType();
        if (key == "Suite" && type == "s")
            out.suite = value.get<std::string>();
        else if (key == "Mirror" && type == "s")
            out.mirror = value.get<std::string>();
        else if (key == "Include" && type == "as")
            out.include = value.get<std::vector<std::string>>();
        else if (key == "Suite" || key == "Mirror" || key == "Include")
            return fail(ErrorKind::InvalidArgument, "build option " + key + " has the wrong type '" + type + "'");
        else
            return fail(ErrorKind::InvalidArgument, "unknown build option '" + key + "' (Suite, Include, Mirror)");
    }
    return out;
}

ImageBuilds::~ImageBuilds()
{
    // A daemon that stops cancels its builds; the image store's init() removes their work directories.
    for (auto& [name, job] : jobs_)
        ::kill(-job.pid, SIGTERM);
}

Result<> ImageBuilds::start(const std::string& distribution, const std::string& name,
                            const DebianBuildOptions& options, UniqueFd progress, std::function<void(Result<>)> done)
{
    if (distribution != "debian")
        return fail(ErrorKind::InvalidArgument,
                    "cannot build images of '" + distribution + "': the supported distribution is 'debian'");
    BERTH_TRY(validate_name(name, "image name"));
    BERTH_TRY(validate_debian_options(options));
    if (in_progress(name))
        return fail(ErrorKind::Busy, "image '" + name + "' is being built right now");
    if (images_.exists(name))
        return fail(ErrorKind::AlreadyExists, "an image named '" + name + "' already exists");
    // Find the mirror now, so that a machine without one fails the call at once with a clear message.
    DebianBuildOptions resolved = options;
    if (resolved.mirror.empty())
        resolved.mirror = BERTH_TRY(debian_mirror_from_apt(resolved.suite));

    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return fail_errno("create pipe");
    UniqueFd read_end(pipefd[0]), write_end(pipefd[1]);
    UniqueFd log(progress ? progress.release() : ::open("/dev/null", O_WRONLY | O_CLOEXEC));
    if (!log)
        return fail_errno("open /dev/null");

    pid_t pid = fork();
    if (pid < 0)
        return fail_errno("fork image build");
    if (pid == 0) {
        // The daemon is single-threaded, so the child may run ordinary code; it never touches the bus. Its own
        // process group lets the daemon stop debootstrap and its children together.
        setpgid(0, 0);
        auto r = images_.install_image(name, "debian", [&](const std::string& rootfs) -> Result<> {
            auto built = build_debian_tree(resolved, rootfs, log.get());
            if (!built)
                return fail(std::move(built).error().context("build image " + name));
            return {};
        });
        if (r) {
            std::string line = "berth: installed image " + name + "\n";
            (void)!write(log.get(), line.data(), line.size());
        } else {
            write_child_report(write_end.get(), r.error());
        }
        _exit(r ? 0 : 1);
    }
    setpgid(pid, pid);
    write_end.reset();
    log.reset();
    auto child = loop_.add_child(pid, [this, name](const siginfo_t& info) { finish(name, info); });
    if (!child) {
        ::kill(-pid, SIGKILL);
        return fail(child.error());
    }
    jobs_[name] = Job{pid, std::move(read_end), std::move(*child), std::move(done)};
    return {};
}

void ImageBuilds::finish(const std::string& name, const siginfo_t& info)
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
    done(read_child_outcome(report.get(), info, "image build process"));
}

}  // namespace berth::daemon
