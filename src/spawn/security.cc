#include "spawn/security.h"

#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "base/unique_fd.h"

namespace berth::spawn {

namespace {

constexpr const char* kPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// systemd-nspawn's default set: what a full OS needs to boot, minus what reaches outside the namespaces
// (modules, raw I/O, the clock, MAC policy, ...). CAP_NET_ADMIN is kept as nspawn does with a private network:
// the container always has its own network namespace.
constexpr cap_value_t kKeep[] = {
    CAP_AUDIT_CONTROL, CAP_AUDIT_WRITE, CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID,
    CAP_IPC_OWNER, CAP_KILL, CAP_LEASE, CAP_LINUX_IMMUTABLE, CAP_MKNOD, CAP_NET_ADMIN, CAP_NET_BIND_SERVICE,
    CAP_NET_BROADCAST,
    CAP_NET_RAW, CAP_SETFCAP, CAP_SETGID, CAP_SETPCAP, CAP_SETUID, CAP_SYS_ADMIN, CAP_SYS_BOOT, CAP_SYS_CHROOT,
    CAP_SYS_NICE, CAP_SYS_PTRACE, CAP_SYS_RESOURCE, CAP_SYS_TTY_CONFIG,
};

// What nspawn leaves out of its allow-list (its "knowingly excluded" groups, plus the groups and calls it only
// allows with capabilities we drop), written as a deny-list so new harmless syscalls keep working.
constexpr const char* kDenied[] = {
    // @clock (CAP_SYS_TIME)
    "adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime", "clock_settime64", "settimeofday", "stime",
    // @module (CAP_SYS_MODULE)
    "delete_module", "finit_module", "init_module",
    // @raw-io (CAP_SYS_RAWIO)
    "ioperm", "iopl", "pciconfig_iobase", "pciconfig_read", "pciconfig_write",
    // @cpu-emulation
    "modify_ldt", "subpage_prot", "switch_endian", "vm86", "vm86old",
    // @keyring: keyrings are not namespaced
    "add_key", "keyctl", "request_key",
    // @obsolete
    "_sysctl", "afs_syscall", "bdflush", "break", "create_module", "ftime", "get_kernel_syms", "getpmsg", "gtty",
    "idle", "lock", "mpx", "prof", "profil", "putpmsg", "query_module", "security", "sgetmask", "ssetmask", "stty",
    "sysfs", "tuxcall", "ulimit", "uselib", "ustat", "vserver",
    // @pkey, @swap
    "pkey_alloc", "pkey_free", "pkey_mprotect", "swapon", "swapoff",
    // single calls: not namespaced, or reaching the host
    "bpf", "fanotify_init", "fanotify_mark", "kexec_file_load", "kexec_load", "lookup_dcookie", "nfsservctl",
    "open_by_handle_at", "perf_event_open", "quotactl", "quotactl_fd",
    // allowed by nspawn only with CAP_SYS_PACCT / CAP_SYSLOG, which the container does not get
    "acct", "syslog",
};

struct CapFree {
    void operator()(cap_t caps) const { cap_free(caps); }
};
struct SeccompRelease {
    void operator()(void* ctx) const { seccomp_release(ctx); }
};

bool kept(cap_value_t cap)
{
    for (cap_value_t k : kKeep)
        if (k == cap)
            return true;
    return false;
}

}  // namespace

Result<> apply_capabilities()
{
    const int last = static_cast<int>(cap_max_bits());
    for (cap_value_t cap = 0; cap < last; ++cap)
        if (!kept(cap) && cap_drop_bound(cap) < 0 && errno != EINVAL)
            return fail_errno("drop capability " + std::to_string(cap) + " from the bounding set");
    std::unique_ptr<struct _cap_struct, CapFree> caps(cap_init());
    if (!caps)
        return fail_errno("allocate capability set");
    for (cap_value_t cap : kKeep) {
        if (cap >= last)
            continue;
        if (cap_set_flag(caps.get(), CAP_PERMITTED, 1, &cap, CAP_SET) < 0 ||
            cap_set_flag(caps.get(), CAP_EFFECTIVE, 1, &cap, CAP_SET) < 0)
            return fail_errno("build capability set");
    }
    if (cap_set_proc(caps.get()) < 0)
        return fail_errno("set capabilities");
    (void)cap_reset_ambient();
    return {};
}

namespace {

// Build the filter and write it as a BPF program to `fd` (libseccomp 2.5 exports to a file descriptor only).
Result<> export_seccomp(int fd)
{
    std::unique_ptr<void, SeccompRelease> ctx(seccomp_init(SCMP_ACT_ALLOW));
    if (!ctx)
        return fail(ErrorKind::Failed, "allocate seccomp filter", ENOMEM);
    // A guest may run setuid programs: do not set no_new_privs (we hold CAP_SYS_ADMIN in the user namespace).
    if (int r = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0); r < 0)
        return fail_errno(-r, "seccomp: clear no_new_privs");
    // 32-bit syscalls of the same machine are another way in: filter them too.
#if defined(__x86_64__)
    for (uint32_t arch : {SCMP_ARCH_X86, SCMP_ARCH_X32})
        if (int r = seccomp_arch_add(ctx.get(), arch); r < 0 && r != -EEXIST)
            return fail_errno(-r, "seccomp: add architecture");
#endif
    for (const char* name : kDenied) {
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR)
            continue;   // unknown to this libseccomp: nothing to block
        // A call that one of the architectures lacks is skipped there by libseccomp; any other failure would
        // leave the call allowed, so it is an error.
        if (int r = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EPERM), nr, 0); r < 0 && r != -EEXIST)
            return fail_errno(-r, std::string("seccomp: deny ") + name);
    }
    if (int r = seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 2,
                                 SCMP_A0(SCMP_CMP_EQ, AF_NETLINK), SCMP_A2(SCMP_CMP_EQ, NETLINK_AUDIT));
        r < 0 && r != -EEXIST)
        return fail_errno(-r, "seccomp: deny audit sockets");
    if (int r = seccomp_export_bpf(ctx.get(), fd); r < 0)
        return fail_errno(-r, "seccomp: export the filter");
    return {};
}

Result<UniqueFd> new_filter_file()
{
    UniqueFd fd(static_cast<int>(syscall(SYS_memfd_create, "berth-seccomp", MFD_CLOEXEC)));
    if (!fd)
        return fail_errno("seccomp: create a memfd for the filter");
    return fd;
}

Result<std::vector<struct sock_filter>> read_program(int fd)
{
    struct stat st {};
    if (fstat(fd, &st) < 0)
        return fail_errno("seccomp: size of the filter");
    if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
        st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
        return fail(ErrorKind::Failed, "seccomp: exported filter has an odd size " + std::to_string(st.st_size));
    std::vector<struct sock_filter> program(static_cast<size_t>(st.st_size) / sizeof(struct sock_filter));
    if (pread(fd, program.data(), static_cast<size_t>(st.st_size), 0) != st.st_size)
        return fail_errno("seccomp: read back the filter");
    return program;
}

// The compiled program of prepare_seccomp(), in a memfd the forked children read (pread: no shared offset).
UniqueFd& compiled()
{
    static UniqueFd fd;
    return fd;
}

}  // namespace

Result<> prepare_seccomp()
{
    if (compiled())
        return {};
    UniqueFd fd = BERTH_TRY(new_filter_file());
    // Compiled in a throwaway child: libseccomp's working memory (and the pages of it the call dirties) would
    // otherwise stay with the supervisor, which idles for the container's life (~36 kB each).
    const pid_t pid = fork();
    if (pid < 0)
        return fail_errno("fork to compile the seccomp filter");
    if (pid == 0)
        _exit(export_seccomp(fd.get()) ? 0 : 1);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return fail_errno("wait for the seccomp compiler");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        // Again here, for the reason.
        if (ftruncate(fd.get(), 0) < 0)
            return fail_errno("seccomp: reset the filter file");
        BERTH_TRY(export_seccomp(fd.get()));
    }
    BERTH_TRY(read_program(fd.get()));   // a broken export fails here, not in every payload
    compiled() = std::move(fd);
    return {};
}

Result<> apply_seccomp()
{
    if (!compiled()) {
        // Not prepared (tests, a one-off child): compile here, in the process that loads it.
        UniqueFd fd = BERTH_TRY(new_filter_file());
        BERTH_TRY(export_seccomp(fd.get()));
        compiled() = std::move(fd);
    }
    const auto program = BERTH_TRY(read_program(compiled().get()));
    struct sock_fprog prog = {static_cast<unsigned short>(program.size()),
                              const_cast<struct sock_filter*>(program.data())};
    // What seccomp_load does for this filter: no flags (no TSYNC, no logging), no no_new_privs.
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
        return fail_errno("load seccomp filter");
    return {};
}

std::vector<std::string> container_environment(const std::vector<std::string>& extra, bool tty)
{
    std::vector<std::string> env = {std::string("PATH=") + kPath, "container=berth", "HOME=/root"};
    if (tty)
        env.emplace_back("TERM=xterm-256color");
    for (const auto& pair : extra) {
        std::string key = pair.substr(0, pair.find('=') + 1);
        std::erase_if(env, [&](const std::string& e) { return e.compare(0, key.size(), key) == 0; });
        env.push_back(pair);
    }
    return env;
}

int exec_in_container(const std::vector<std::string>& argv, const std::vector<std::string>& env)
{
    if (argv.empty())
        return EINVAL;
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : env)
        envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);

    if (argv[0].find('/') != std::string::npos) {
        execve(argv[0].c_str(), args.data(), envp.data());
        return errno;
    }
    // Our own lookup: execvpe() would search the PATH of berth-spawn's environment, not the container's.
    int result = ENOENT;
    std::string path = kPath;
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find(':', start);
        if (end == std::string::npos)
            end = path.size();
        std::string candidate = path.substr(start, end - start) + "/" + argv[0];
        execve(candidate.c_str(), args.data(), envp.data());
        if (errno != ENOENT && errno != ENOTDIR)
            result = errno;   // found but not runnable (EACCES, ENOEXEC, ...): more telling than "not found"
        start = end + 1;
    }
    return result;
}

const std::vector<std::string>& init_candidates()
{
    static const std::vector<std::string> candidates = {"/sbin/init", "/usr/lib/systemd/systemd",
                                                        "/lib/systemd/systemd", "/init", "/bin/init"};
    return candidates;
}

}  // namespace berth::spawn
