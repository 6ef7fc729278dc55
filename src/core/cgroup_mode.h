// How the host mounts cgroups: "v2" (unified), "hybrid" (v1 controllers + cgroup2 at unified/), or "v1".
#pragma once

#include <string>

namespace berth {

std::string detect_cgroup_mode(const std::string& root = "/sys/fs/cgroup");

}  // namespace berth
