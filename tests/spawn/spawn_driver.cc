// spawn-driver: plays berthd against a built berth-spawn, as root, without systemd (no scope: the cgroup step is
// skipped). Run it through tests/spawn/run-spawn-tests, which builds the busybox roots it needs.
//   spawn-driver --spawn PATH --rootfs DIR --shifted-rootfs DIR --runtime DIR [--bench N]
// Prints one line per check and "N passed, N failed" last; exits non-zero when a check failed.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "base/fs.h"
#include "base/message.h"

using namespace berth;

namespace {

int passed = 0;
int failed = 0;

void check(bool ok, const std::string& what, const std::string& detail = {})
{
    std::printf("%s %s%s%s\n", ok ? "PASS" : "FAIL", what.c_str(), detail.empty() || ok ? "" : ": ",
                ok ? "" : detail.c_str());
    std::fflush(stdout);
    (ok ? passed : failed)++;
}

double now_ms()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

std::string show(const Message& m)
{
    std::string out;
    for (const auto& f : m.fields)
        out += (out.empty() ? "" : " ") + f;
    return out;
}

// Receive one message, giving up after timeout_ms.
Result<Message> receive(int fd, int timeout_ms = 5000)
{
    struct pollfd p = {fd, POLLIN, 0};
    int r = poll(&p, 1, timeout_ms);
    if (r == 0)
        return fail(ErrorKind::Failed, "timed out", ETIMEDOUT);
    return receive_message(fd);
}

std::string read_all(int fd, int timeout_ms = 5000)
{
    std::string out;
    char buf[4096];
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, timeout_ms) <= 0)
            break;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

struct Options {
    std::string spawn, rootfs, shifted_rootfs, runtime, overlay_rootfs;
    int bench = 0;
};
Options opt;

struct Spawned {
    pid_t pid = -1;
    UniqueFd control;

    int wait()
    {
        int status = 0;
        waitpid(pid, &status, 0);
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
};

Spawned spawn_supervisor()
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
    Spawned s;
    s.pid = fork();
    if (s.pid == 0) {
        dup2(sv[1], 3);   // dup2 clears CLOEXEC on the copy
        execl(opt.spawn.c_str(), opt.spawn.c_str(), "--control-fd=3", nullptr);
        _exit(127);
    }
    close(sv[1]);
    s.control.reset(sv[0]);
    return s;
}

std::vector<std::string> start_fields(const std::string& rootfs, const std::string& mode, const std::string& idmap,
                                      const std::vector<std::string>& args, bool attached)
{
    std::vector<std::string> f = {"START", "name=t1", "hostname=box1", "rootfs=" + rootfs,
                                  "runtime_dir=" + opt.runtime, "uid_base=200000", "uid_size=65536",
                                  "idmap=" + idmap, "mode=" + mode, std::string("attached=") + (attached ? "1" : "0")};
    for (const auto& a : args)
        f.push_back("arg=" + a);
    return f;
}

// START, then GO as berthd sends it once the scope is ready (there is no scope here).
Result<> send_start(int control, const std::vector<std::string>& fields, const std::vector<int>& fds = {})
{
    BERTH_TRY(send_message(control, fields, fds));
    return send_message(control, {"GO"});
}

// Run a command-mode container with stdout/stderr into a pipe; returns (EXITED message, output).
std::pair<Message, std::string> run_command(const std::string& rootfs, const std::string& idmap,
                                            const std::vector<std::string>& args, Message* started = nullptr)
{
    int out[2];
    pipe2(out, O_CLOEXEC);
    UniqueFd null(open("/dev/null", O_RDONLY | O_CLOEXEC));
    Spawned s = spawn_supervisor();
    (void)send_start(s.control.get(), start_fields(rootfs, "command", idmap, args, true),
                       {null.get(), out[1], out[1]});
    close(out[1]);
    auto first = receive(s.control.get());
    if (started && first)
        started->fields = first->fields;
    std::string output = read_all(out[0]);
    close(out[0]);
    Message exited;
    if (first && first->verb() == "STARTED") {
        if (auto m = receive(s.control.get()))
            exited = std::move(*m);
        else
            exited.fields = {"NO-REPLY", m.error().describe()};
    } else if (first) {
        exited = std::move(*first);
    }
    s.wait();
    return {std::move(exited), output};
}

UniqueFd connect_supervisor()
{
    UniqueFd fd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    struct sockaddr_un addr = {};
    addr.sun_family = AF_UNIX;
    std::string path = opt.runtime + "/supervisor.sock";
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    if (connect(fd.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) < 0)
        return {};
    return fd;
}

// EXEC over supervisor.sock; returns the exit status (-1 on protocol failure) and the output.
int exec_in(const std::vector<std::string>& args, std::string* output = nullptr, std::string* failure = nullptr)
{
    UniqueFd conn = connect_supervisor();
    if (!conn)
        return -1;
    int out[2];
    pipe2(out, O_CLOEXEC);
    UniqueFd null(open("/dev/null", O_RDONLY | O_CLOEXEC));
    std::vector<std::string> f = {"EXEC"};
    for (const auto& a : args)
        f.push_back("arg=" + a);
    (void)send_message(conn.get(), f, {null.get(), out[1], out[1]});
    close(out[1]);
    auto started = receive(conn.get());
    if (!started || started->verb() != "EXEC_STARTED") {
        if (failure && started)
            *failure = show(*started);
        close(out[0]);
        return -1;
    }
    std::string text = read_all(out[0]);
    close(out[0]);
    if (output)
        *output = text;
    auto exited = receive(conn.get());
    if (!exited || exited->verb() != "EXEC_EXITED")
        return -1;
    return std::atoi(exited->get("status").c_str());
}

void test_command_mode()
{
    Message started;
    auto [exited, out] = run_command(opt.rootfs, "mount",
                                     {"/bin/sh", "-c", "id -u; hostname; cat /proc/self/uid_map; ls /dev"}, &started);
    check(started.verb() == "STARTED" && !started.get("leader").empty() && !started.get("started").empty(),
          "command: STARTED with leader and time", show(started));
    check(exited.verb() == "EXITED" && exited.get("status") == "0" && exited.get("reason") == "exited",
          "command: EXITED status=0 reason=exited", show(exited));
    check(out.rfind("0\nbox1\n", 0) == 0, "command: uid 0 inside, hostname set", out);
    check(out.find("0     200000      65536") != std::string::npos, "command: uid_map 0 200000 65536", out);
    std::string devs = out.substr(out.find("65536\n") == std::string::npos ? 0 : out.find("65536\n") + 6);
    const std::string expected = path_exists("/dev/net/tun")
        ? "console\nfd\nfull\nmqueue\nnet\nnull\nptmx\npts\nrandom\nshm\nstderr\nstdin\nstdout\ntty\nurandom\nzero\n"
        : "console\nfd\nfull\nmqueue\nnull\nptmx\npts\nrandom\nshm\nstderr\nstdin\nstdout\ntty\nurandom\nzero\n";
    check(devs == expected, "command: /dev has only the safe nodes", devs);
}

void test_command_errors()
{
    auto [exited, out] = run_command(opt.rootfs, "mount", {"no-such-command"});
    check(exited.verb() == "FAILED" && exited.get("reason") == "exec" &&
              exited.get("message").find("no-such-command") != std::string::npos,
          "command: missing command -> FAILED reason=exec", show(exited));
    auto [exited2, out2] = run_command(opt.rootfs, "mount", {"/bin/sh", "-c", "exit 3"});
    check(exited2.get("status") == "3", "command: exit code passed on", show(exited2));
    {
        // PID 1 of a pid namespace only dies of SIGKILL from outside (or of signals it handles).
        Spawned k = spawn_supervisor();
        (void)send_start(k.control.get(), start_fields(opt.rootfs, "command", "mount", {"sleep", "100"}, false));
        auto st = receive(k.control.get());
        if (st && st->verb() == "STARTED")
            kill(std::atoi(st->get("leader").c_str()), SIGKILL);
        auto ex = receive(k.control.get());
        check(ex && ex->get("status") == "137" && ex->get("reason") == "killed", "command: killed by signal -> 128+N",
              ex ? show(*ex) : ex.error().describe());
        k.wait();
    }
    {
        // berth-spawn asked to stop (SIGTERM, as when the scope stops): the container goes with it.
        Spawned k = spawn_supervisor();
        (void)send_start(k.control.get(), start_fields(opt.rootfs, "command", "mount", {"sleep", "100"}, false));
        auto st = receive(k.control.get());
        kill(k.pid, SIGTERM);
        auto ex = receive(k.control.get());
        check(ex && ex->verb() == "EXITED" && ex->get("reason") == "killed", "SIGTERM to berth-spawn kills the container",
              ex ? show(*ex) : ex.error().describe());
        check(k.wait() == 0, "berth-spawn exits 0 after SIGTERM");
    }
    // Bad START input answers FAILED reason=setup.
    Spawned s = spawn_supervisor();
    (void)send_message(s.control.get(), {"START", "name=../x", "rootfs=/", "runtime_dir=/tmp", "uid_base=1",
                                         "uid_size=1", "arg=/bin/true"});
    auto reply = receive(s.control.get());
    check(reply && reply->verb() == "FAILED" && reply->get("reason") == "setup", "START with a bad name -> FAILED",
          reply ? show(*reply) : reply.error().describe());
    check(s.wait() != 0, "berth-spawn exits non-zero after FAILED");
}

void test_security()
{
    auto [exited, out] = run_command(opt.rootfs, "mount",
                                     {"/bin/sh", "-c", "grep CapBnd /proc/self/status; swapoff /dev/null 2>&1; "
                                                       "touch /proc/sys/kernel/hostname 2>&1 >/dev/null && "
                                                       "echo sys-writable; cat /proc/1/environ | tr '\\0' ' '"});
    unsigned long long bnd = 0;
    auto pos = out.find("CapBnd:");
    if (pos != std::string::npos)
        bnd = std::strtoull(out.c_str() + pos + 7, nullptr, 16);
    bool sys_admin = bnd & (1ULL << 21), sys_module = bnd & (1ULL << 16), sys_time = bnd & (1ULL << 25);
    check(sys_admin && !sys_module && !sys_time, "security: bounding set keeps SYS_ADMIN, drops SYS_MODULE/TIME",
          out);
    check(out.find("Operation not permitted") != std::string::npos, "security: swapoff denied by seccomp", out);
    check(out.find("container=berth") != std::string::npos && out.find("PATH=/usr/local/sbin") != std::string::npos,
          "security: clean environment", out);
}

void test_ownership()
{
    auto [exited, out] = run_command(opt.shifted_rootfs, "shifted",
                                     {"/bin/sh", "-c", "rm -f /root/f; touch /root/f; stat -c %u /root/f"});
    struct stat st = {};
    stat((opt.shifted_rootfs + "/root/f").c_str(), &st);
    check(out == "0\n" && st.st_uid == 200000, "idmap=shifted: root inside is 200000 outside",
          out + " host uid " + std::to_string(st.st_uid));
    auto [exited2, out2] = run_command(opt.rootfs, "mount",
                                       {"/bin/sh", "-c", "rm -f /root/g; touch /root/g; stat -c %u /root/g; "
                                                         "stat -c %u /bin/busybox"});
    struct stat st2 = {};
    stat((opt.rootfs + "/root/g").c_str(), &st2);
    check(out2 == "0\n0\n" && st2.st_uid == 0, "idmap=mount: tree stays owned by 0, looks owned by root inside",
          out2 + " host uid " + std::to_string(st2.st_uid));
    unlink((opt.rootfs + "/root/g").c_str());
}

void test_boot_mode()
{
    Spawned s = spawn_supervisor();
    (void)send_start(s.control.get(), start_fields(opt.rootfs, "boot", "mount", {}, false));
    auto started = receive(s.control.get());
    check(started && started->verb() == "STARTED", "boot: STARTED", started ? show(*started) : "no reply");
    if (!started || started->verb() != "STARTED") {
        kill(s.pid, SIGTERM);
        s.wait();
        return;
    }
    pid_t leader = std::atoi(started->get("leader").c_str());
    UniqueFd watch = connect_supervisor();
    (void)send_message(watch.get(), {"WATCH"});
    auto state = receive(watch.get());
    check(state && state->verb() == "STATE" && state->get("leader") == started->get("leader"), "boot: WATCH -> STATE",
          state ? show(*state) : "");

    check(exec_in({"true"}) == 0, "boot: EXEC true -> 0");
    {
        // In a (stand-in) scope: berth-spawn in supervisor/, the container in payload/, which its cgroup
        // namespace shows as "/". Outside a scope nothing moves.
        auto mine = read_file("/proc/self/cgroup").value_or("");
        bool in_scope = mine.find("berth-t1.scope\n") != std::string::npos;
        auto theirs = read_file("/proc/" + std::to_string(leader) + "/cgroup").value_or("");
        auto spawn = read_file("/proc/" + std::to_string(s.pid) + "/cgroup").value_or("");
        std::string inside;
        exec_in({"cat", "/proc/self/cgroup"}, &inside);
        if (in_scope)
            check(theirs.find("0::/" ) != std::string::npos && theirs.find("berth-t1.scope/payload\n") != std::string::npos &&
                      spawn.find("berth-t1.scope/supervisor\n") != std::string::npos &&
                      inside.find("0::/\n") != std::string::npos,
                  "boot: payload and supervisor cgroups, cgroup namespace rooted at payload", theirs + spawn + inside);
        else
            check(inside.find("0::/\n") != std::string::npos, "boot: cgroup namespace shows /", inside);
    }
    check(exec_in({"sh", "-c", "exit 7"}) == 7, "boot: EXEC sh -c 'exit 7' -> 7");
    std::string out;
    int status = exec_in({"sh", "-c", "id -u; hostname; echo $$; cat /proc/1/cmdline"}, &out);
    check(status == 0 && out.rfind("0\nbox1\n", 0) == 0 && out.find("init") != std::string::npos,
          "boot: EXEC runs inside (uid 0, hostname, init is PID 1)", out);
    std::string failure;
    check(exec_in({"no-such-thing"}, nullptr, &failure) == -1 && failure.find("FAILED") == 0,
          "boot: EXEC of a missing command -> FAILED", failure);
    double t0 = now_ms();
    for (int i = 0; i < 20; ++i)
        exec_in({"true"});
    std::printf("INFO exec true: %.2f ms per call\n", (now_ms() - t0) / 20);

    // SHELL: a pty from the container's devpts.
    {
        UniqueFd conn = connect_supervisor();
        (void)send_message(conn.get(), {"SHELL"});
        auto pty = receive(conn.get());
        bool ok = pty && pty->verb() == "PTY" && pty->fds.size() == 1;
        std::string seen;
        if (ok) {
            int master = pty->fds[0].get();
            std::string cmd = "echo hi$((40+2)); tty; exit 5\n";
            (void)!write(master, cmd.data(), cmd.size());
            double until = now_ms() + 5000;
            char buf[512];
            while (seen.find("hi42") == std::string::npos && now_ms() < until) {
                struct pollfd p = {master, POLLIN, 0};
                if (poll(&p, 1, 500) <= 0)
                    continue;
                ssize_t n = read(master, buf, sizeof buf);
                if (n <= 0)
                    break;
                seen.append(buf, static_cast<size_t>(n));
            }
        }
        auto exited = receive(conn.get());
        check(ok && seen.find("hi42") != std::string::npos, "boot: SHELL gives a working pty", seen);
        check(exited && exited->verb() == "EXEC_EXITED" && exited->get("status") == "5",
              "boot: SHELL exit status reported", exited ? show(*exited) : "");
    }

    // REBOOT request: new PID 1, REBOOTED on control and on the watcher.
    {
        UniqueFd conn = connect_supervisor();
        (void)send_message(conn.get(), {"REBOOT"});
        auto ok = receive(conn.get());
        auto rebooted = receive(s.control.get());
        auto watched = receive(watch.get());
        check(ok && ok->verb() == "OK" && rebooted && rebooted->verb() == "REBOOTED" && watched &&
                  watched->verb() == "REBOOTED" && rebooted->get("leader") != std::to_string(leader),
              "boot: REBOOT restarts the payload", rebooted ? show(*rebooted) : "");
        if (rebooted)
            leader = std::atoi(rebooted->get("leader").c_str());
        check(exec_in({"true"}) == 0, "boot: EXEC works after reboot");
    }
    // The guest reboots itself: reboot(2) in a pid namespace kills init with SIGHUP.
    {
        exec_in({"reboot", "-f"});
        auto rebooted = receive(s.control.get());
        check(rebooted && rebooted->verb() == "REBOOTED", "boot: guest 'reboot -f' -> REBOOTED",
              rebooted ? show(*rebooted) : rebooted.error().describe());
        if (rebooted)
            leader = std::atoi(rebooted->get("leader").c_str());
        (void)receive(watch.get());
    }
    // busybox init powers off on SIGUSR2. PID 1 of a pid namespace drops signals it has no handler for, and a
    // freshly rebooted init may not have installed its handlers yet: repeat, as berthd's PowerOff would.
    Result<Message> exited = fail(ErrorKind::Failed, "no EXITED", ETIMEDOUT);
    for (int i = 0; i < 20; ++i) {
        kill(leader, SIGUSR2);
        exited = receive(s.control.get(), 1000);
        if (exited || exited.error().code != ETIMEDOUT)
            break;
    }
    if (!exited)
        kill(s.pid, SIGTERM);   // never hang the test run
    check(exited && exited->verb() == "EXITED" && exited->get("reason") == "poweroff",
          "boot: SIGUSR2 to busybox init -> EXITED reason=poweroff", exited ? show(*exited) : "");
    auto watched = receive(watch.get());
    check(watched && watched->verb() == "EXITED", "boot: watcher sees EXITED", watched ? show(*watched) : "");
    check(s.wait() == 0, "boot: berth-spawn exits 0 after the container ended");
    auto status_file = read_file(opt.runtime + "/exit-status");
    check(status_file && status_file->find("reason=poweroff") != std::string::npos, "boot: exit-status written",
          status_file ? *status_file : "");
    check(!path_exists(opt.runtime + "/supervisor.sock"), "boot: supervisor.sock removed");
    auto log = read_file(opt.runtime + "/console.log");
    check(log && log->find("booted") != std::string::npos, "boot: console.log has the console output",
          log ? *log : "");
}

// berthd may restart at any time: losing the control connection must not stop the container.
void test_control_loss()
{
    Spawned s = spawn_supervisor();
    (void)send_start(s.control.get(), start_fields(opt.rootfs, "boot", "mount", {}, false));
    auto started = receive(s.control.get());
    if (!started || started->verb() != "STARTED") {
        check(false, "control loss: STARTED", started ? show(*started) : "");
        kill(s.pid, SIGTERM);
        s.wait();
        return;
    }
    s.control.reset();
    UniqueFd watch = connect_supervisor();
    (void)send_message(watch.get(), {"WATCH"});
    auto state = receive(watch.get());
    check(state && state->verb() == "STATE" && exec_in({"true"}) == 0,
          "control loss: container keeps running, WATCH and EXEC work");
    Result<Message> exited = fail(ErrorKind::Failed, "no EXITED", ETIMEDOUT);
    for (int i = 0; i < 20 && !exited; ++i) {
        kill(std::atoi(started->get("leader").c_str()), SIGUSR2);
        exited = receive(watch.get(), 1000);
        if (!exited && exited.error().code != ETIMEDOUT)
            break;
    }
    if (!exited)
        kill(s.pid, SIGTERM);
    check(exited && exited->verb() == "EXITED", "control loss: the watcher gets EXITED",
          exited ? show(*exited) : exited.error().describe());
    check(s.wait() == 0, "control loss: berth-spawn exits 0");
}

// A file system that refuses idmapped mounts (overlayfs) must answer reason=idmap-unsupported.
void test_idmap_unsupported()
{
    if (opt.overlay_rootfs.empty())
        return;
    auto [reply, out] = run_command(opt.overlay_rootfs, "mount", {"/bin/true"});
    check(reply.verb() == "FAILED" && reply.get("reason") == "idmap-unsupported",
          "idmap refused -> FAILED reason=idmap-unsupported", show(reply));
}

void bench(int n)
{
    std::vector<double> times;
    for (int i = 0; i < n; ++i) {
        double t0 = now_ms();
        auto [exited, out] = run_command(opt.rootfs, "mount", {"/bin/true"});
        times.push_back(now_ms() - t0);
        if (exited.get("status") != "0") {
            check(false, "bench: /bin/true", show(exited));
            return;
        }
    }
    std::sort(times.begin(), times.end());
    std::printf("INFO bench: exec berth-spawn + START /bin/true -> EXITED + reap, n=%d: median %.2f ms, p90 %.2f ms\n",
                n, times[n / 2], times[n * 9 / 10]);
}

}  // namespace

int main(int argc, char** argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string key = argv[i], value = argv[i + 1];
        if (key == "--spawn")
            opt.spawn = value;
        else if (key == "--rootfs")
            opt.rootfs = value;
        else if (key == "--shifted-rootfs")
            opt.shifted_rootfs = value;
        else if (key == "--runtime")
            opt.runtime = value;
        else if (key == "--overlay-rootfs")
            opt.overlay_rootfs = value;
        else if (key == "--bench")
            opt.bench = std::atoi(value.c_str());
    }
    if (opt.spawn.empty() || opt.rootfs.empty() || opt.shifted_rootfs.empty() || opt.runtime.empty()) {
        std::fprintf(stderr, "usage: spawn-driver --spawn PATH --rootfs DIR --shifted-rootfs DIR --runtime DIR "
                             "[--bench N]\n");
        return 2;
    }
    if (geteuid() != 0) {
        std::printf("SKIP spawn-driver needs root\n");
        return 0;
    }
    signal(SIGPIPE, SIG_IGN);
    test_command_mode();
    test_command_errors();
    test_security();
    test_ownership();
    test_boot_mode();
    test_control_loss();
    test_idmap_unsupported();
    if (opt.bench > 0)
        bench(opt.bench);
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
