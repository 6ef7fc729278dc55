// Image builds (`image build debian`) run in a child process: debootstrap takes a minute and the daemon's loop
// must not wait for it. The child writes the builder's output to the caller's progress pipe and its outcome to
// a report pipe; the reply goes out when it exits. The tree is installed atomically through the image store.
#pragma once

#include <functional>
#include <string>

#include <sdbus-c++/Types.h>

#include "base/error.h"
#include "base/unique_fd.h"
#include "core/debian_image.h"
#include "core/event_loop.h"
#include "core/image_store.h"
#include "daemon/child_jobs.h"

namespace berth::daemon {

// BuildImage's a{sv}: Suite s, Include as, Mirror s; other keys and wrong types are InvalidArgument.
Result<DebianBuildOptions> debian_options_from_bus(const std::map<std::string, sdbus::Variant>& options);

class ImageBuilds {
public:
    // A daemon that stops cancels its builds; the image store's init() removes their work directories.
    ImageBuilds(EventLoop& loop, ImageStore& images) : images_(images), jobs_(loop, "the image build process") {}

    // distribution: "debian". Validates everything it can before forking; `progress` may be invalid (no output).
    Result<> start(const std::string& distribution, const std::string& name, const DebianBuildOptions& options,
                   UniqueFd progress, std::function<void(Result<>)> done);
    bool in_progress(const std::string& name) const { return jobs_.running(name); }

private:
    ImageStore& images_;
    ChildJobs jobs_;
};

}  // namespace berth::daemon
