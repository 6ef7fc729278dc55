// Image imports run in a child process (extracting a large tarball takes seconds; the daemon's loop must not
// wait for it). The child reports its outcome through a pipe; the reply goes out when it exits.
#pragma once

#include <functional>
#include <string>

#include "base/error.h"
#include "base/unique_fd.h"
#include "core/event_loop.h"
#include "core/image_store.h"
#include "daemon/child_jobs.h"

namespace berth::daemon {

class ImageImports {
public:
    ImageImports(EventLoop& loop, ImageStore& images) : images_(images), jobs_(loop, "the image import process") {}

    // Validates the name, refuses a name that exists or is being imported, then forks the extraction.
    Result<> start(UniqueFd tarball, const std::string& name, std::function<void(Result<>)> done);
    bool in_progress(const std::string& name) const { return jobs_.running(name); }

private:
    ImageStore& images_;
    ChildJobs jobs_;
};

}  // namespace berth::daemon
