// Privileged check of SystemdUnitManager against a real systemd. Run it INSIDE a systemd host (the private test
// host of tests/testhost), as root, because PIDs in StartTransientUnit are read in systemd's pid namespace:
//
//   scope-check [--iterations N] [--quick] [--address unix:path=...]
//
// Each iteration: fork a child that blocks on a pipe, start_scope() it as berth-check.scope with limits, check the
// child's cgroup and the limit files, set_limits() live, usage(), kill_unit() + stop_unit(), then start the same
// name again. At the end it prints the median and p90 latency of start_scope() and stop_unit().
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "base/fs.h"
#include "base/unique_fd.h"
#include "core/systemd_unit_manager.h"

using namespace berth;

namespace {

const std::string kUnit = "berth-check.scope";
int failures = 0;
bool skip_slow = false;  // --quick: skip the 5 s SIGKILL-escalation check

void check(bool ok, const std::string& what)
{
    if (!ok) {
        ++failures;
        std::fprintf(stderr, "FAIL: %s\n", what.c_str());
    }
}

template <typename T>
bool check_ok(const Result<T>& r, const std::string& what)
{
    if (!r) {
        ++failures;
        std::fprintf(stderr, "FAIL: %s: %s\n", what.c_str(), r.error().describe().c_str());
        return false;
    }
    return true;
}

// A child that waits on a pipe: 'm' = touch 8 MiB (so the scope is charged memory), 't' = ignore SIGTERM,
// 'x' = exit.
// It answers every command with one byte, so the parent knows the memory is in place.
struct Child {
    pid_t pid = -1;
    UniqueFd to_child;
    UniqueFd from_child;

    static Child fork_blocked()
    {
        int down[2], up[2];
        if (pipe2(down, O_CLOEXEC) < 0 || pipe2(up, O_CLOEXEC) < 0) {
            std::perror("pipe2");
            std::exit(2);
        }
        Child c;
        c.pid = fork();
        if (c.pid < 0) {
            std::perror("fork");
            std::exit(2);
        }
        if (c.pid == 0) {
            close(down[1]);
            close(up[0]);
            std::vector<char*> blocks;
            char cmd = 0;
            while (read(down[0], &cmd, 1) == 1) {
                if (cmd == 'x')
                    _exit(0);
                if (cmd == 't')
                    signal(SIGTERM, SIG_IGN);
                if (cmd == 'm') {
                    char* p = static_cast<char*>(std::malloc(8 << 20));
                    if (p)
                        std::memset(p, 1, 8 << 20);
                    blocks.push_back(p);
                }
                if (write(up[1], &cmd, 1) != 1)
                    _exit(1);
            }
            _exit(0);
        }
        close(down[0]);
        close(up[1]);
        c.to_child = UniqueFd(down[1]);
        c.from_child = UniqueFd(up[0]);
        return c;
    }

    bool command(char cmd)
    {
        char ack = 0;
        return write(to_child.get(), &cmd, 1) == 1 && read(from_child.get(), &ack, 1) == 1 && ack == cmd;
    }

    // Reap (after the scope killed it, or kill it ourselves on the way out of a failed check).
    void reap(bool force)
    {
        if (pid <= 0)
            return;
        if (force)
            kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        pid = -1;
    }
};

// The cgroup directory of `pid` for a v1 controller, or the unified one when controller is empty.
std::string cgroup_dir(pid_t pid, const std::string& controller)
{
    auto content = read_file("/proc/" + std::to_string(pid) + "/cgroup");
    if (!content)
        return {};
    const bool pure_v2 = path_exists("/sys/fs/cgroup/cgroup.controllers");
    size_t pos = 0;
    while (pos < content->size()) {
        size_t end = content->find('\n', pos);
        if (end == std::string::npos)
            end = content->size();
        std::string line = content->substr(pos, end - pos);
        pos = end + 1;
        size_t c1 = line.find(':'), c2 = line.find(':', c1 + 1);
        if (c1 == std::string::npos || c2 == std::string::npos)
            continue;
        std::string ctrls = line.substr(c1 + 1, c2 - c1 - 1), path = line.substr(c2 + 1);
        if (pure_v2 && ctrls.empty())
            return "/sys/fs/cgroup" + path;
        if (!pure_v2 && !controller.empty() && ("," + ctrls + ",").find("," + controller + ",") != std::string::npos)
            return "/sys/fs/cgroup/" + controller + path;
    }
    return {};
}

std::string read_trimmed(const std::string& path)
{
    auto s = read_file(path);
    if (!s)
        return "<" + s.error().describe() + ">";
    while (!s->empty() && (s->back() == '\n' || s->back() == ' '))
        s->pop_back();
    return *s;
}

// The limit files, whichever cgroup version systemd uses for each controller.
struct CgroupLimits {
    std::string memory, pids, cpu;
};

CgroupLimits read_limits(pid_t pid)
{
    CgroupLimits out;
    if (path_exists("/sys/fs/cgroup/cgroup.controllers")) {
        const std::string dir = cgroup_dir(pid, "");
        out.memory = read_trimmed(dir + "/memory.max");
        out.pids = read_trimmed(dir + "/pids.max");
        out.cpu = read_trimmed(dir + "/cpu.max");
        out.cpu = out.cpu.substr(0, out.cpu.find(' '));
    } else {
        out.memory = read_trimmed(cgroup_dir(pid, "memory") + "/memory.limit_in_bytes");
        out.pids = read_trimmed(cgroup_dir(pid, "pids") + "/pids.max");
        out.cpu = read_trimmed(cgroup_dir(pid, "cpu") + "/cpu.cfs_quota_us");
    }
    return out;
}

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

struct Timings {
    std::vector<double> start, stop;
};

ScopeRequest request_for(pid_t pid)
{
    ScopeRequest req;
    req.unit = kUnit;
    req.description = "berth scope check";
    req.pid = pid;
    req.limits.memory_max = 64ull << 20;
    req.limits.tasks_max = 20;
    req.limits.cpus = 0.5;
    return req;
}

void one_iteration(UnitManager& um, Timings& t, bool verbose)
{
    Child child = Child::fork_blocked();
    auto t0 = Clock::now();
    auto started = um.start_scope(request_for(child.pid));
    t.start.push_back(ms_since(t0));
    if (!check_ok(started, "start_scope")) {
        child.reap(true);
        return;
    }

    const std::string cg = read_trimmed("/proc/" + std::to_string(child.pid) + "/cgroup");
    check(cg.find("/machine.slice/" + kUnit) != std::string::npos, "child's cgroup names the scope: " + cg);
    CgroupLimits lim = read_limits(child.pid);
    check(lim.memory == "67108864", "memory limit 64M, found " + lim.memory);
    check(lim.pids == "20", "pids.max 20, found " + lim.pids);
    check(lim.cpu == "50000", "cpu quota 50000 us per 100 ms, found " + lim.cpu);

    // A second scope of the same name is refused as Busy, and the first one survives that.
    {
        Child other = Child::fork_blocked();
        auto dup = um.start_scope(request_for(other.pid));
        check(!dup && dup.error().kind == ErrorKind::Busy,
              "duplicate scope is Busy: " + (dup ? std::string("succeeded") : dup.error().describe()));
        other.reap(true);
        auto active = um.is_active(kUnit);
        check(check_ok(active, "is_active") && *active, "scope still active after a refused duplicate");
        if (verbose && !dup)
            std::printf("duplicate refused: %s\n", dup.error().describe().c_str());
    }

    Limits changed;
    changed.memory_max = 128ull << 20;
    changed.tasks_max = 40;
    changed.cpus = 1.0;
    if (check_ok(um.set_limits(kUnit, changed), "set_limits")) {
        lim = read_limits(child.pid);
        check(lim.memory == "134217728", "live memory limit 128M, found " + lim.memory);
        check(lim.pids == "40", "live pids.max 40, found " + lim.pids);
        check(lim.cpu == "100000", "live cpu quota 100000, found " + lim.cpu);
    }

    check(child.command('m'), "child touched memory inside the scope");
    auto use = um.usage(kUnit);
    if (check_ok(use, "usage")) {
        check(use->memory_current > 0, "usage reports memory");
        check(use->tasks_current >= 1, "usage reports tasks");
        if (verbose)
            std::printf("usage: memory %llu bytes, cpu %llu ns, tasks %llu\n",
                        static_cast<unsigned long long>(use->memory_current),
                        static_cast<unsigned long long>(use->cpu_usage_nsec),
                        static_cast<unsigned long long>(use->tasks_current));
    }

    check_ok(um.kill_unit(kUnit, "all", SIGKILL), "kill_unit");
    int status = 0;
    check(waitpid(child.pid, &status, 0) == child.pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
          "child killed by SIGKILL through the scope");
    child.pid = -1;
    t0 = Clock::now();
    check_ok(um.stop_unit(kUnit), "stop_unit");
    t.stop.push_back(ms_since(t0));
    auto active = um.is_active(kUnit);
    check(check_ok(active, "is_active after stop") && !*active, "scope inactive after stop_unit");
    auto gone = um.usage(kUnit);
    check(check_ok(gone, "usage after stop") && gone->memory_current == 0 && gone->tasks_current == 0,
          "usage of a stopped scope is zero");

    // The same name again right after the stop, and stop_unit() ending a live scope by itself (SIGTERM);
    // in the first iteration the child ignores SIGTERM, so stop_unit() must escalate to SIGKILL.
    Child again = Child::fork_blocked();
    if (!check_ok(um.start_scope(request_for(again.pid)), "start_scope of the same name after stop")) {
        again.reap(true);
        return;
    }
    const bool escalate = verbose && !skip_slow;
    const int expected = escalate ? SIGKILL : SIGTERM;
    if (escalate)
        check(again.command('t'), "child ignores SIGTERM");
    t0 = Clock::now();
    check_ok(um.stop_unit(kUnit), "stop_unit of a live scope");
    if (escalate)
        std::printf("stop_unit of a scope ignoring SIGTERM: %.0f ms\n", ms_since(t0));
    check(waitpid(again.pid, &status, 0) == again.pid && WIFSIGNALED(status) && WTERMSIG(status) == expected,
          "stop_unit ended the child with signal " + std::to_string(expected));
    again.pid = -1;
    active = um.is_active(kUnit);
    check(check_ok(active, "is_active after the second stop") && !*active, "scope inactive after the second stop");
}

// Failure paths that must leave nothing behind.
void failure_paths(UnitManager& um)
{
    check_ok(um.stop_unit("berth-no-such-unit.scope"), "stop_unit of a missing unit succeeds");
    auto use = um.usage("berth-no-such-unit.scope");
    check(check_ok(use, "usage of a missing unit") && use->memory_current == 0, "missing unit has zero usage");
    auto active = um.is_active("berth-no-such-unit.scope");
    check(check_ok(active, "is_active of a missing unit") && !*active, "missing unit is not active");
    check(!um.set_limits("berth-no-such-unit.scope", Limits{}), "set_limits of a missing unit fails");

    // A pid that does not exist: systemd refuses, and no scope remains.
    Child child = Child::fork_blocked();
    const pid_t dead = child.pid;
    child.reap(true);
    auto r = um.start_scope(request_for(dead));
    check(!r, "start_scope of a dead pid fails");
    if (!r)
        std::printf("dead pid refused: %s\n", r.error().describe().c_str());
    active = um.is_active(kUnit);
    check(check_ok(active, "is_active after a failed start") && !*active, "no scope after a failed start");
    check(!um.start_scope(ScopeRequest{.unit = kUnit}), "pid 0 refused");
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv)
{
    int iterations = 1;
    std::string address;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--iterations" && i + 1 < argc)
            iterations = std::atoi(argv[++i]);
        else if (arg == "--quick")
            skip_slow = true;
        else if (arg == "--address" && i + 1 < argc)
            address = argv[++i];
        else {
            std::fprintf(stderr, "usage: %s [--iterations N] [--quick] [--address BUS]\n", argv[0]);
            return 2;
        }
    }
    if (geteuid() != 0) {
        std::fprintf(stderr, "scope-check needs root inside a systemd host (see tests/testhost)\n");
        return 77;
    }
    auto um = address.empty() ? SystemdUnitManager::open_system(nullptr)
                              : SystemdUnitManager::open_address(address, nullptr);
    if (!um) {
        std::fprintf(stderr, "scope-check: %s\n", um.error().describe().c_str());
        return 1;
    }

    Timings t;
    failure_paths(**um);
    for (int i = 0; i < iterations && failures == 0; ++i)
        one_iteration(**um, t, i == 0);
    (void)(*um)->stop_unit(kUnit);  // whatever a failed check left

    std::printf("iterations: %zu\n", t.start.size());
    std::printf("start_scope: median %.2f ms, p90 %.2f ms, max %.2f ms\n", percentile(t.start, 0.5),
                percentile(t.start, 0.9), percentile(t.start, 1.0));
    std::printf("stop_unit:   median %.2f ms, p90 %.2f ms, max %.2f ms\n", percentile(t.stop, 0.5),
                percentile(t.stop, 0.9), percentile(t.stop, 1.0));
    std::printf("%s: %d failure(s)\n", failures ? "FAILED" : "PASSED", failures);
    return failures ? 1 : 0;
}
