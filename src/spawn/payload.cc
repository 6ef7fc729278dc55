#include "spawn/payload.h"

#include <cstring>

#include <net/if.h>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/message.h"
#include "base/spawn_protocol.h"
#include "spawn/child_util.h"
#include "spawn/network.h"
#include "spawn/mounts.h"
#include "spawn/guest_identity.h"
#include "spawn/notify.h"
#include "spawn/rootfs.h"
#include "spawn/security.h"

namespace berth::spawn {

namespace {

Result<> bring_loopback_up()
{
    UniqueFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock)
        return fail_errno("open a socket to set up lo");
    struct ifreq ifr = {};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (ioctl(sock.get(), SIOCGIFFLAGS, &ifr) < 0)
        return fail_errno("read the flags of lo");
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(sock.get(), SIOCSIFFLAGS, &ifr) < 0)
        return fail_errno("bring lo up");
    return {};
}

constexpr uint64_t kNamespaces = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
                                 CLONE_NEWNET;

tl::unexpected<LaunchError> launch_fail(std::string reason, Error error)
{
    return tl::unexpected<LaunchError>(LaunchError{std::move(error), std::move(reason)});
}

// Everything the child needs, computed before clone so the child only does namespace and file system work.
struct ChildPlan {
    RootPlan root;
    std::string hostname;
    std::vector<std::vector<std::string>> argvs;   // tried in order (boot mode: the init candidates)
    std::vector<std::string> env;
    int stdio[3] = {-1, -1, -1};
    int console_slave = -1;
    bool attached = false;
    std::vector<MountEntry> mounts;   // their trees follow GO, one "MNT" message each
    int notify_tree = -1;             // the notify socket as a detached mount (boot mode), or -1
    std::string resolv_conf;          // written to /etc/resolv.conf when the container has a network
};

[[noreturn]] void run_child(const ChildPlan& plan, int sock)
{
    reset_signals();
    auto go = receive_message(sock);
    if (!go || go->verb() != "GO" || go->fds.size() != 1)
        _exit(127);   // berth-spawn gave up on us; it reports the failure itself

    // The parent has moved us into the payload cgroup: a cgroup namespace made now is rooted there.
    if (unshare(CLONE_NEWCGROUP) < 0)
        child_fail(sock, "setup", Error{ErrorKind::Failed, errno, "create the cgroup namespace"});
    if (auto r = become_namespace_root(); !r)
        child_fail(sock, "setup", r.error());
    if (auto r = setup_container_root(plan.root, go->fds[0].get()); !r)
        child_fail(sock, "setup", r.error());
    go->fds.clear();
    if (auto r = receive_and_attach_mounts(sock, plan.mounts); !r)
        child_fail(sock, "setup", r.error());
    if (plan.notify_tree >= 0) {   // a booting guest: its notify socket and its own machine-id
        if (auto r = attach_notify_mount(plan.notify_tree); !r)
            child_fail(sock, "setup", r.error());
        if (auto r = ensure_machine_id(); !r)
            child_fail(sock, "setup", r.error());
    }
    if (sethostname(plan.hostname.data(), plan.hostname.size()) < 0)
        child_fail(sock, "setup", Error{ErrorKind::Failed, errno, "set the hostname"});
    // The new network namespace starts with lo down; every guest (and 127.0.0.1 in a command) expects it up.
    if (auto r = bring_loopback_up(); !r)
        child_fail(sock, "setup", r.error());
    // Best effort: a read-only /etc keeps the image's own resolv.conf, addresses and routes work regardless.
    if (!plan.resolv_conf.empty())
        (void)write_resolv_conf(plan.resolv_conf);

    // A session of its own, with the console as controlling terminal unless berthd attached its own stdio.
    setsid();
    if (plan.attached) {
        for (int i = 0; i < 3; ++i)
            if (dup2(plan.stdio[i], i) < 0)
                child_fail(sock, "setup", Error{ErrorKind::Failed, errno, "attach stdio"});
        if (isatty(0))
            (void)ioctl(0, TIOCSCTTY, 0);   // berthctl's proxy pty: the controlling terminal of PID 1
    } else {
        for (int i = 0; i < 3; ++i)
            if (dup2(plan.console_slave, i) < 0)
                child_fail(sock, "setup", Error{ErrorKind::Failed, errno, "attach the console"});
        (void)ioctl(0, TIOCSCTTY, 0);
    }

    if (auto r = apply_capabilities(); !r)
        child_fail(sock, "setup", r.error());
    if (auto r = apply_seccomp(); !r)
        child_fail(sock, "setup", r.error());

    int error = ENOENT;
    for (const auto& argv : plan.argvs) {
        if (plan.argvs.size() > 1 && access(argv[0].c_str(), X_OK) < 0)
            continue;   // boot mode: try the next init
        error = exec_in_container(argv, plan.env);
        break;
    }
    std::string what = plan.argvs.size() > 1 ? "no init found in the image (tried /sbin/init, "
                                               "/usr/lib/systemd/systemd, /lib/systemd/systemd, /init, /bin/init)"
                                             : (error == ENOENT ? "command not found in the container: "
                                                                : "cannot execute ") + plan.argvs[0][0];
    child_fail(sock, "exec", Error{ErrorKind::Failed, error, what});
}

ChildPlan make_plan(const StartConfig& config, const Console& console, int notify_tree)
{
    ChildPlan plan;
    plan.root.console_path = console.slave_path();
    plan.root.has_tty_gid = find_tty_gid(config.rootfs, &plan.root.tty_gid);
    plan.root.unified_cgroup_host = host_is_unified_cgroup();
    plan.root.overlay = config.overlay;
    plan.hostname = config.hostname;
    if (config.mode == RunMode::Command || !config.args.empty()) {
        plan.argvs.push_back(config.args);
    } else {
        for (const auto& init : init_candidates())
            plan.argvs.push_back({init});
    }
    plan.env = container_environment(config.env, !config.attached);
    plan.notify_tree = notify_tree;
    if (notify_tree >= 0)
        plan.env.push_back("NOTIFY_SOCKET=" + std::string(kGuestNotifyPath));
    plan.attached = config.attached;
    plan.resolv_conf = resolv_conf_text(config.networks);
    for (int i = 0; i < 3; ++i)
        plan.stdio[i] = config.stdio[i].get();
    plan.console_slave = console.slave();
    plan.mounts = config.mounts;
    return plan;
}

bool idmap_refused(int code)
{
    return code == EINVAL || code == EPERM || code == ENOSYS || code == EOPNOTSUPP;
}

}  // namespace

tl::expected<Payload, LaunchError> launch_payload(const StartConfig& config, const Console& console,
                                                  const CgroupSet& cgroups)
{
    // A booting guest reports readiness through the notify socket (spawn/notify.h).
    UniqueFd notify_tree;
    if (!config.notify_socket.empty()) {
        auto tree = clone_notify_mount(config.notify_socket);
        if (!tree)
            return launch_fail("setup", tree.error());
        notify_tree = std::move(*tree);
    }
    const ChildPlan plan = make_plan(config, console, notify_tree.get());

    // The rootfs as a detached mount tree; the child attaches it inside its own mount namespace.
    UniqueFd tree(open_tree(AT_FDCWD, config.rootfs.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
    if (!tree)
        return launch_fail("setup", Error{ErrorKind::Failed, errno, "open the root file system " + config.rootfs});

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return launch_fail("setup", Error{ErrorKind::Failed, errno, "create the payload status socket"});
    UniqueFd parent_sock(sv[0]);
    UniqueFd child_sock(sv[1]);

    int raw_pidfd = -1;
    // Born in payload/ of the cgroup2 hierarchy where there is one; the v1 hierarchies are joined below.
    bool into_cgroup = cgroups.unified_payload_fd() >= 0;
    pid_t pid = clone_with_pidfd(kNamespaces, &raw_pidfd, cgroups.unified_payload_fd());
    if (pid < 0 && into_cgroup && (errno == EINVAL || errno == EOPNOTSUPP || errno == E2BIG)) {
        into_cgroup = false;  // a kernel without CLONE_INTO_CGROUP
        pid = clone_with_pidfd(kNamespaces, &raw_pidfd);
    }
    if (pid < 0)
        return launch_fail("setup", Error{ErrorKind::Failed, errno, "clone the container's namespaces"});
    if (pid == 0) {
        parent_sock.reset();
        run_child(plan, child_sock.get());
    }
    Payload payload;
    payload.pid = pid;
    payload.pidfd.reset(raw_pidfd);
    child_sock.reset();

    auto abort_child = [&](std::string reason, Error error) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        return launch_fail(std::move(reason), std::move(error));
    };

    payload.mount_ns.reset(open(("/proc/" + std::to_string(pid) + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC));

    const std::string map = "0 " + std::to_string(config.uid_base) + " " + std::to_string(config.uid_size) + "\n";
    for (const char* file : {"uid_map", "gid_map"})
        if (auto r = write_text_file("/proc/" + std::to_string(pid) + "/" + file, map); !r)
            return abort_child("setup", r.error().context("map the container's ids"));
    if (auto r = into_cgroup ? cgroups.attach_payload_v1(pid) : cgroups.attach_payload(pid); !r)
        return abort_child("setup", r.error());
    // eth0 and friends exist, addressed and routed, before the payload runs anything (spawn/network.h).
    for (const auto& iface : config.networks)
        if (auto r = plug_interface(iface, pid); !r)
            return abort_child("setup", r.error().context("set up " + iface.name + " on bridge " + iface.bridge));

    if (config.idmap == IdmapMode::Mount) {
        UniqueFd userns(open(("/proc/" + std::to_string(pid) + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
        if (!userns)
            return abort_child("setup", Error{ErrorKind::Failed, errno, "open the container's user namespace"});
        struct mount_attr attr = {};
        attr.attr_set = MOUNT_ATTR_IDMAP;
        attr.userns_fd = static_cast<uint64_t>(userns.get());
        if (mount_setattr(tree.get(), "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0) {
            int code = errno;
            return abort_child(idmap_refused(code) ? std::string(spawn_protocol::kReasonIdmapUnsupported) : "setup",
                               Error{ErrorKind::NotSupported, code,
                                     "create an idmapped mount of " + config.rootfs +
                                         " (the file system may not support idmapped mounts; use idmap=shifted)"});
        }
    }
    // Binds and volumes, prepared here (host side) and attached by the child inside its root.
    std::vector<UniqueFd> mount_trees;
    if (!config.mounts.empty()) {
        UniqueFd userns(open(("/proc/" + std::to_string(pid) + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
        for (const auto& entry : config.mounts) {
            auto prepared = prepare_mount_tree(entry, userns.get());
            if (!prepared)
                return abort_child("setup", prepared.error().context("mount " + entry.source + " on " + entry.target));
            mount_trees.push_back(std::move(*prepared));
        }
    }
    if (auto r = send_message(parent_sock.get(), {"GO"}, {tree.get()}); !r)
        return abort_child("setup", r.error().context("release the container"));
    tree.reset();
    for (auto& mount_tree : mount_trees)
        if (auto r = send_message(parent_sock.get(), {"MNT"}, {mount_tree.get()}); !r)
            return abort_child("setup", r.error().context("hand a mount to the container"));
    mount_trees.clear();

    // The status socket closes on exec (CLOEXEC) or carries the reason the child gave up.
    auto status = receive_message(parent_sock.get());
    if (status && status->verb() == "ERR" && status->fields.size() >= 4)
        return abort_child(status->fields[1],
                           Error{ErrorKind::Failed, std::atoi(status->fields[2].c_str()), status->fields[3]});
    if (!status && !is_peer_closed(status.error()))
        return abort_child("setup", status.error().context("wait for the container to start"));
    payload.started_usec = realtime_usec();
    return payload;
}

}  // namespace berth::spawn
