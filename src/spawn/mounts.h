// Host directories and volumes mounted into a container: at start (before init runs) and live (MOUNT/UMOUNT
// requests on supervisor.sock). The source becomes a detached tree in the host's mount namespace
// (open_tree(OPEN_TREE_CLONE|AT_RECURSIVE)), idmapped into the container's user namespace when asked and made
// read-only there, so the container cannot lift either; it is then attached at a target resolved INSIDE the
// container's root (openat2 RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS): a symlink in the container can never aim a
// mount at the host.
//
// Protocol fields (START and MOUNT carry them; a START may carry several, zipped by position):
//   mount=OPTIONS mount_target=PATH mount_source=HOSTPATH     OPTIONS: "rw" or a comma list of ro, idmap, mkdir
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "base/message.h"
#include "base/unique_fd.h"

namespace berth::spawn {

struct MountEntry {
    std::string source;   // absolute host path (directory or file)
    std::string target;   // absolute path inside the container
    bool read_only = false;
    bool idmap = false;   // the container's root sees the source's uid 0 as its own root
    bool mkdir = false;   // create the target (and missing parents) inside the container
};

// The mount= fields of a message, checked: absolute paths, no ".." component, no NUL.
Result<std::vector<MountEntry>> parse_mount_fields(const Message& message);
Result<> validate_mount(const MountEntry& entry);

// Host side: the source as a detached mount tree, idmapped with userns_fd (when entry.idmap) and read-only.
Result<UniqueFd> prepare_mount_tree(const MountEntry& entry, int userns_fd);

// Inside the container's mount namespace (as its root): attach `tree` at entry.target resolved in root_fd.
Result<> attach_mount_tree(int root_fd, const MountEntry& entry, int tree);

// The payload child, after pivot_root: one "MNT" message per entry on `sock`, each with its tree, attached in order.
Result<> receive_and_attach_mounts(int sock, const std::vector<MountEntry>& entries);

// Live: a helper joins the user and mount namespaces of the running payload and attaches or detaches there.
// Both wait for the helper (milliseconds).
Result<> mount_into_running(const MountEntry& entry, pid_t leader, int leader_pidfd);
Result<> unmount_from_running(const std::string& target, int leader_pidfd);

}  // namespace berth::spawn
