// The container's cgroups below its scope. berthd puts berth-spawn into berth-NAME.scope (Delegate=yes); cgroup v2
// allows processes only in leaves, so the scope gets two children: `supervisor` (berth-spawn) and `payload` (the
// container), in every mounted hierarchy where the scope exists (v1 controllers, name=systemd and v2 alike).
// When berth-spawn does not run in such a scope (tests, manual runs), the set is empty and every call is a no-op.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"

namespace berth::spawn {

class CgroupSet {
public:
    // Find the scope, create supervisor/ and payload/ in each hierarchy, move this process into supervisor/ and
    // enable the v2 controllers for the children (best effort).
    // payload/ (and the files a guest's init writes there) are handed to the container's root, uid_base on the
    // host, so a guest's systemd can manage its own cgroup tree.
    static Result<CgroupSet> setup(const std::string& container_name, uid_t uid_base);

    bool empty() const { return scopes_.empty(); }
    // Move pid into payload/ everywhere.
    Result<> attach_payload(pid_t pid) const;
    // payload/cgroup.procs of every hierarchy, for children that join by writing "0" themselves.
    const std::vector<std::string>& payload_procs() const { return payload_procs_; }
    // The cgroup2 payload directory (O_PATH), for clone3(CLONE_INTO_CGROUP); -1 without a cgroup2 scope.
    int unified_payload_fd() const { return unified_payload_.get(); }
    // payload/cgroup.procs of the hierarchies a child born in unified_payload_fd() must still join (v1 ones).
    const std::vector<std::string>& v1_payload_procs() const { return v1_payload_procs_; }
    // Move pid into payload/ in the v1 hierarchies only (it was born in the cgroup2 one).
    Result<> attach_payload_v1(pid_t pid) const;
    // SIGKILL whatever is left in payload/ (cgroup.kill on v2, else each listed pid).
    void kill_payload() const;
    // Best-effort teardown: kill the payload, move back into the scope, remove both children.
    void remove();

private:
    struct Scope {
        std::string dir;   // the scope's directory in one hierarchy
        bool unified = false;
    };
    std::vector<Scope> scopes_;
    std::vector<std::string> payload_procs_;
    std::vector<std::string> v1_payload_procs_;
    UniqueFd unified_payload_;
};

}  // namespace berth::spawn
