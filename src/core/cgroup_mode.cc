#include "core/cgroup_mode.h"

#include <linux/magic.h>
#include <sys/statfs.h>

namespace berth {

std::string detect_cgroup_mode(const std::string& root)
{
    struct statfs fs;
    if (statfs(root.c_str(), &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
        return "v2";
    if (statfs((root + "/unified").c_str(), &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
        return "hybrid";
    return "v1";
}

}  // namespace berth
