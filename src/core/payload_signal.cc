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

Result<std::string> payload_cgroup_dir(pid_t leader, const std::string& cgroup_root)
{
    auto text = BERTH_TRY(read_file("/proc/" + std::to_string(leader) + "/cgroup"));
    std::string unified, named;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("0::", 0) == 0)
            unified = line.substr(3);
        else if (line.find(":name=systemd:") != std::string::npos)
            named = line.substr(line.find(":name=systemd:") + 14);
    }
    if (!unified.empty() && is_cgroup2(cgroup_root))
        return cgroup_root + unified;
    if (!unified.empty() && is_cgroup2(cgroup_root + "/unified"))
        return cgroup_root + "/unified" + unified;
    if (!named.empty())
        return cgroup_root + "/systemd" + named;
    return fail(ErrorKind::Failed, "cannot find the cgroup of process " + std::to_string(leader));
}

Result<> signal_payload(pid_t leader, int signal, const std::string& cgroup_root)
{
    const std::string dir = BERTH_TRY(payload_cgroup_dir(leader, cgroup_root));
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
