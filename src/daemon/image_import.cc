#include "daemon/image_import.h"

#include "base/fs.h"
#include "base/names.h"

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
    auto work = [&]() -> Result<std::string> {
        BERTH_TRY(images_.import_tarball(tarball.get(), name));
        return std::string();
    };
    return jobs_.run(name, work, ChildJobs::without_payload(std::move(done)));
}

}  // namespace berth::daemon
