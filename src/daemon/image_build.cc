#include "daemon/image_build.h"

#include <fcntl.h>
#include <unistd.h>

#include "base/names.h"

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

    UniqueFd log(progress ? progress.release() : ::open("/dev/null", O_WRONLY | O_CLOEXEC));
    if (!log)
        return fail_errno("open /dev/null");
    auto work = [&]() -> Result<std::string> {
        BERTH_TRY(images_.install_image(name, "debian", [&](const std::string& rootfs) -> Result<> {
            auto built = build_debian_tree(resolved, rootfs, log.get());
            if (!built)
                return fail(std::move(built).error().context("build image " + name));
            return {};
        }));
        std::string line = "berth: installed image " + name + "\n";
        (void)!write(log.get(), line.data(), line.size());
        return std::string();
    };
    // Its own process group lets the daemon stop debootstrap and its children together.
    return jobs_.run(
        name, work,
        ChildJobs::without_payload(std::move(done)), true);
}

}  // namespace berth::daemon
