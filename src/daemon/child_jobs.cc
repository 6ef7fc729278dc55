#include "daemon/child_jobs.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <memory>

#include "daemon/child_report.h"

namespace berth::daemon {

ChildJobs::~ChildJobs()
{
    for (auto& [key, job] : jobs_)
        ::kill(job.own_group ? -job.pid : job.pid, SIGTERM);
}

Result<> ChildJobs::run(const std::string& key, const Work& work, Finish finish, bool own_group)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return fail_errno("create pipe");
    UniqueFd read_end(pipefd[0]), write_end(pipefd[1]);
    pid_t pid = fork();
    if (pid < 0)
        return fail_errno("fork " + what_);
    if (pid == 0) {
        // berthd is single-threaded, so the child may run ordinary code; it never touches the bus.
        if (own_group)
            setpgid(0, 0);
        read_end.reset();
        auto r = work();
        if (r)
            write_child_payload(write_end.get(), *r);
        else
            write_child_report(write_end.get(), r.error());
        _exit(r ? 0 : 1);
    }
    if (own_group)
        setpgid(pid, pid);   // also from this side: no window in which a kill of the group misses the child
    write_end.reset();
    auto child = loop_.add_child(pid, [this, key](const siginfo_t& info) { reap(key, info); });
    if (!child) {
        ::kill(own_group ? -pid : pid, SIGKILL);
        return fail(child.error());
    }
    jobs_[key] = Job{pid, own_group, std::move(read_end), std::move(*child), std::move(finish)};
    return {};
}

ChildJobs::Finish ChildJobs::without_payload(std::function<void(Result<>)> done)
{
    return [done = std::move(done)](Result<std::string> r) {
        if (r)
            done({});
        else
            done(tl::unexpected(std::move(r).error()));
    };
}

void ChildJobs::reap(const std::string& key, const siginfo_t& info)
{
    auto it = jobs_.find(key);
    if (it == jobs_.end())
        return;
    auto result = read_child_result(it->second.report.get(), info, what_);
    auto finish = std::move(it->second.finish);
    // The child source is being dispatched right now; release it on the next iteration, not here.
    auto job = std::make_shared<Job>(std::move(it->second));
    jobs_.erase(it);
    loop_.defer([job] {});
    finish(std::move(result));
}

}  // namespace berth::daemon
