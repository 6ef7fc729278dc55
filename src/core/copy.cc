#include "core/copy.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

extern char** environ;

namespace berth {

namespace {
constexpr int kDataFd = 3;
constexpr int kPidFd = 4;
constexpr int kReportFd = 5;
}  // namespace

std::string copy_helper_path(const std::string& spawn_path)
{
    const auto slash = spawn_path.rfind('/');
    return (slash == std::string::npos ? std::string(".") : spawn_path.substr(0, slash)) + "/berth-copy";
}

std::vector<std::string> copy_helper_argv(const std::string& helper_path, const CopyJob& job)
{
    std::vector<std::string> argv = {helper_path, job.into_container ? "--to" : "--from", "--path=" + job.path};
    if (job.keep_ids)
        argv.push_back("--keep-ids");
    if (job.leader_pidfd >= 0) {
        argv.push_back("--pidfd=" + std::to_string(kPidFd));
    } else {
        argv.push_back("--root=" + job.root);
        argv.push_back("--id-shift=" + std::to_string(job.id_shift));
    }
    argv.push_back("--id-count=" + std::to_string(job.id_count));
    argv.push_back("--data-fd=" + std::to_string(kDataFd));
    argv.push_back("--report-fd=" + std::to_string(kReportFd));
    return argv;
}

Result<LaunchedCopy> launch_copy_helper(const std::string& helper_path, const CopyJob& job)
{
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) < 0)
        return fail_errno("create the copy helper's report pipe");
    UniqueFd report_read(pipe_fds[0]), report_write(pipe_fds[1]);
    // The helper writes its report in blocking mode (a few hundred bytes at most; berthd reads after it exits).
    fcntl(report_write.get(), F_SETFL, 0);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // dup2 clears FD_CLOEXEC on the targets; every other fd of berthd is O_CLOEXEC and stays behind. The sources
    // are CLOEXEC fds numbered above 5 in practice (berthd's stdio and sockets come first), but go through
    // high temporary numbers anyway so one dup2 cannot clobber the source of the next.
    posix_spawn_file_actions_adddup2(&actions, job.data.get(), 100);
    posix_spawn_file_actions_adddup2(&actions, report_write.get(), 101);
    if (job.leader_pidfd >= 0)
        posix_spawn_file_actions_adddup2(&actions, job.leader_pidfd, 102);
    posix_spawn_file_actions_adddup2(&actions, 100, kDataFd);
    posix_spawn_file_actions_adddup2(&actions, 101, kReportFd);
    if (job.leader_pidfd >= 0)
        posix_spawn_file_actions_adddup2(&actions, 102, kPidFd);
    for (int fd : {100, 101, 102})
        posix_spawn_file_actions_addclose(&actions, fd);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID);

    const auto args = copy_helper_argv(helper_path, job);
    std::vector<char*> argv;
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int r = posix_spawn(&pid, helper_path.c_str(), &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (r != 0)
        return fail_errno(r, "start the copy helper " + helper_path);
    return LaunchedCopy{pid, std::move(report_read)};
}

Result<> copy_outcome(int exit_status, const std::string& report)
{
    if (exit_status == 0)
        return {};
    if (report.empty())
        return fail(ErrorKind::Failed, "the copy helper ended with status " + std::to_string(exit_status));
    std::string text = report;
    while (!text.empty() && text.back() == '\n')
        text.pop_back();
    const auto tab = text.find('\t');
    ErrorKind kind = ErrorKind::Failed;
    if (tab != std::string::npos) {
        const std::string name = text.substr(0, tab);
        if (name == "InvalidArgument")
            kind = ErrorKind::InvalidArgument;
        else if (name == "AccessDenied")
            kind = ErrorKind::AccessDenied;
        text = text.substr(tab + 1);
    }
    return fail(kind, text);
}

}  // namespace berth
