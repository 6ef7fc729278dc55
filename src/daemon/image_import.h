// Image imports run in a child process (extracting a large tarball takes seconds; the daemon's loop must not
// wait for it). The child reports its outcome through a pipe; the reply goes out when it exits.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "base/error.h"
#include "base/unique_fd.h"
#include "core/event_loop.h"
#include "core/image_store.h"

namespace berth::daemon {

class ImageImports {
public:
    ImageImports(EventLoop& loop, ImageStore& images) : loop_(loop), images_(images) {}

    // Validates the name, refuses a name that exists or is being imported, then forks the extraction.
    Result<> start(UniqueFd tarball, const std::string& name, std::function<void(Result<>)> done);
    bool in_progress(const std::string& name) const { return jobs_.count(name) != 0; }

private:
    struct Job {
        UniqueFd report;  // read end of the child's report pipe
        EventSource child;
        std::function<void(Result<>)> done;
    };
    void finish(const std::string& name, const siginfo_t& info);

    EventLoop& loop_;
    ImageStore& images_;
    std::map<std::string, Job> jobs_;
};

}  // namespace berth::daemon
