#include "core/payload_signal.h"

#include <linux/magic.h>
#include <signal.h>
#include <sys/statfs.h>

#include <set>
#include <sstream>

#include "base/fs.h"

namespace berth {

namespace {

bool is_cgroup2(const std::string& path)
{
    struct statfs fs;
    return statfs(path.c_str(), &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

void collect_pids(const std::string& dir, std::set<pid_t>& pids)
{
    if (auto procs = read_file(dir + "/cgroup.procs")) {
        std::istringstream in(*procs);
        pid_t pid;
        while (in >> pid)
            pids.insert(pid);
    }
    if (auto children = list_dir(dir))
        for (const auto& name : *children)
            if (path_exists(dir + "/" + name + "/cgroup.procs"))
                collect_pids(dir + "/" + name, pids);
}

}  // namespace

std::string unit_payload_cgroup_dir(const std::string& unit, const std::string& cgroup_root)
{
    const std::string tail = "/machine.slice/" + unit + "/payload";
    if (is_cgroup2(cgroup_root))
        return cgroup_root + tail;
    if (is_cgroup2(cgroup_root + "/unified"))
        return cgroup_root + "/unified" + tail;
    return cgroup_root + "/systemd" + tail;
}

Result<> signal_cgroup_tree(const std::string& dir, int signal)
{
    std::set<pid_t> signalled;
    for (int pass = 0; pass < 16; ++pass) {
        std::set<pid_t> pids;
        collect_pids(dir, pids);
        bool fresh = false;
        for (pid_t pid : pids) {
            if (signalled.insert(pid).second) {
                fresh = true;
                ::kill(pid, signal);
            }
        }
        if (!fresh)
            break;
    }
    if (signalled.empty())
        return fail(ErrorKind::InvalidState, "the container has no processes left to signal");
    return {};
}

}  // namespace berth
