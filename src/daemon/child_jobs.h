// Long jobs (image import, image build, export and import) run in a forked child of berthd, so the daemon's loop
// never waits for them. One job per key at a time; when the child exits its outcome (child_report.h) goes to
// the job's finish callback, from the loop.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>

#include "base/error.h"
#include "base/unique_fd.h"
#include "core/event_loop.h"

namespace berth::daemon {

class ChildJobs {
public:
    using Work = std::function<Result<std::string>()>;     // runs in the child: its payload or its error
    using Finish = std::function<void(Result<std::string>)>;

    // `what` names the child in errors ("the image import process").
    ChildJobs(EventLoop& loop, std::string what) : loop_(loop), what_(std::move(what)) {}
    // Jobs of a daemon that stops are cancelled (SIGTERM to their process groups when they lead one).
    ~ChildJobs();
    ChildJobs(const ChildJobs&) = delete;
    ChildJobs& operator=(const ChildJobs&) = delete;

    bool running(const std::string& key) const { return jobs_.count(key) != 0; }

    // Forks `work`. The caller checks running(key) first and says why a second job is refused. `own_group`: the
    // child leads a process group of its own, so that stopping it reaches what it runs (debootstrap).
    Result<> run(const std::string& key, const Work& work, Finish finish, bool own_group = false);

    // A Finish for jobs without a payload.
    static Finish without_payload(std::function<void(Result<>)> done);

private:
    struct Job {
        pid_t pid = 0;
        bool own_group = false;
        UniqueFd report;   // read end of the child's report pipe
        EventSource child;
        Finish finish;
    };
    void reap(const std::string& key, const siginfo_t& info);

    EventLoop& loop_;
    std::string what_;
    std::map<std::string, Job> jobs_;
};

}  // namespace berth::daemon
