// berth-copy: berthd's helper for copy-to / copy-from. For a running container it joins the leader's user and
// mount namespaces (through the pidfd berthd passes) and becomes the container's root, so ownership is the
// container's own and its mounts are seen; for a stopped one it works on the root directory as host root with
// the container's on-disk id shift. Either way every path goes through openat2 RESOLVE_IN_ROOT.
//   berth-copy --to|--from --path=P [--keep-ids] (--pidfd=4 | --root=DIR --id-shift=N) --id-count=N
//              --data-fd=3 --report-fd=5
// On failure it writes "KIND<TAB>message" to the report fd and exits 1.
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "base/unique_fd.h"
#include "spawn/copy_tree.h"

using namespace berth;

namespace {

int report_fd = -1;

[[noreturn]] void fail_with(const Error& error)
{
    const std::string text = std::string(error_kind_to_string(error.kind)) + "\t" + error.describe() + "\n";
    if (report_fd >= 0)
        (void)!write(report_fd, text.data(), text.size());
    else
        std::fprintf(stderr, "berth-copy: %s", text.c_str());
    std::exit(1);
}

bool take(const char* arg, const char* prefix, std::string& out)
{
    const size_t n = std::strlen(prefix);
    if (std::strncmp(arg, prefix, n) != 0)
        return false;
    out = arg + n;
    return true;
}

unsigned long number(const std::string& text, const char* what)
{
    char* end = nullptr;
    errno = 0;
    unsigned long v = std::strtoul(text.c_str(), &end, 10);
    if (text.empty() || *end || errno)
        fail_with(Error{ErrorKind::InvalidArgument, 0, std::string("bad ") + what + ": " + text});
    return v;
}

// Become root of the container: its user namespace (full capabilities there, none on the host) and its mount
// namespace, which also makes its root our root.
Result<> enter(int pidfd)
{
    if (setns(pidfd, CLONE_NEWUSER | CLONE_NEWNS) < 0)
        return fail_errno("enter the container's namespaces");
    if (setgroups(0, nullptr) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
        return fail_errno("become the container's root");
    if (chdir("/") < 0)
        return fail_errno("chdir /");
    return {};
}

}  // namespace

int main(int argc, char** argv)
{
    bool to = false, from = false, keep_ids = false;
    std::string path, pidfd, root, shift = "0", count = "65536", data = "3", report;
    for (int i = 1; i < argc; ++i) {
        const char* a = argv[i];
        if (!std::strcmp(a, "--to"))
            to = true;
        else if (!std::strcmp(a, "--from"))
            from = true;
        else if (!std::strcmp(a, "--keep-ids"))
            keep_ids = true;
        else if (!(take(a, "--path=", path) || take(a, "--pidfd=", pidfd) || take(a, "--root=", root) ||
                   take(a, "--id-shift=", shift) || take(a, "--id-count=", count) || take(a, "--data-fd=", data) ||
                   take(a, "--report-fd=", report)))
            fail_with(Error{ErrorKind::InvalidArgument, 0, std::string("unknown argument ") + a});
    }
    if (!report.empty())
        report_fd = static_cast<int>(number(report, "report fd"));
    if (to == from || path.empty() || pidfd.empty() == root.empty())
        fail_with(Error{ErrorKind::InvalidArgument, 0, "usage: berth-copy --to|--from --path=P (--pidfd=N | --root=DIR)"});
    // Nobody may attach to us while we hold host descriptors inside the container's namespaces.
    prctl(PR_SET_DUMPABLE, 0);

    copy::Target target;
    target.id_shift = static_cast<uint32_t>(number(shift, "id shift"));
    target.id_count = static_cast<uint32_t>(number(count, "id count"));
    target.keep_ids = keep_ids;
    UniqueFd root_fd;
    if (!pidfd.empty()) {
        if (auto r = enter(static_cast<int>(number(pidfd, "pidfd"))); !r)
            fail_with(r.error());
        target.id_shift = 0;  // inside the user namespace ids are the container's own
        root_fd = UniqueFd(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    } else {
        root_fd = UniqueFd(open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    }
    if (!root_fd)
        fail_with(Error{ErrorKind::Failed, errno, "open the container's root"});
    target.root = root_fd.get();
    const int data_fd = static_cast<int>(number(data, "data fd"));
    auto r = to ? copy::copy_in(target, path, data_fd) : copy::copy_out(target, path, data_fd);
    if (!r)
        fail_with(r.error());
    return 0;
}
