// The storage driver interface, split by role as Incus does: a pool (mount, usage, capabilities), its volumes
// (create, clone, quota, ...) and their snapshots. A driver implements all three for one kind of storage (dir,
// btrfs); callers only see these interfaces and the registry below, so adding a driver touches no caller.
//
// Layout inside a pool's root (the same for every driver; on btrfs each volume and snapshot is a subvolume):
//   ROOT/images/NAME/rootfs            image volumes (read-only, unshifted)
//   ROOT/containers/NAME/rootfs        container roots
//   ROOT/custom/NAME/data              custom volumes
//   ROOT/snapshots/KIND/NAME/SNAP      read-only snapshots of a volume
//   ROOT/.tmp/                         work dirs of unfinished operations; emptied at mount
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/enum_table.h"
#include "base/error.h"

namespace berth {

enum class VolumeKind { Image, Container, Custom };
inline constexpr EnumTable<VolumeKind, 3> kVolumeKindTable{{
    {VolumeKind::Image, "image"},
    {VolumeKind::Container, "container"},
    {VolumeKind::Custom, "custom"},
}};

// What a driver can do; callers decide from this, never from the driver's name.
struct Capabilities {
    bool cow_clone = false;     // clone_volume is O(1) in the volume's size
    bool snapshots = true;      // snapshot ops work (on dir: full copies)
    bool cow_snapshots = false; // a snapshot costs O(1)
    bool quotas = false;        // set_quota is enforced
    bool read_only = false;     // set_read_only is enforced by the file system (not just by mode bits)
};

struct PoolUsage {
    uint64_t total = 0;  // bytes of the file system (or the loop image) holding the pool
    uint64_t used = 0;
    uint64_t free = 0;
};

// How a pool is defined; persisted by Pools as STATE_DIR/storage/pools/NAME.toml.
struct PoolConfig {
    std::string name;
    std::string driver;   // "dir", "btrfs", ...
    std::string source;   // directory or (loop-backed btrfs) image file; "" = managed by berth
    uint64_t size = 0;    // loop image size in bytes; 0 = not loop-backed
    std::string root;     // where the pool's tree is (the mount point for loop-backed pools)
    uint64_t created_at = 0;

    bool operator==(const PoolConfig&) const = default;
};

struct VolumeInfo {
    VolumeKind kind = VolumeKind::Custom;
    std::string name;
    uint64_t used = 0;   // bytes
    uint64_t quota = 0;  // 0 = none
    bool read_only = false;
};

struct SnapshotInfo {
    std::string name;
    uint64_t created_at = 0;  // usec since the epoch
};

// The pool role: bring the pool's storage up and down, and report it.
class PoolDriver {
public:
    virtual ~PoolDriver() = default;
    virtual Capabilities capabilities() const = 0;
    // First-time setup (format a loop image, check the source); Failed/InvalidArgument leave nothing behind.
    virtual Result<> create_pool() = 0;
    // Make the pool's root usable (attach + mount a loop image; check a source dir), create the layout and clear
    // .tmp. Idempotent: called at every daemon start.
    virtual Result<> mount() = 0;
    // Undo mount() (nothing to do for plain directories). Containers must not run on the pool.
    virtual Result<> unmount() = 0;
    // Delete every volume and what create_pool made (berth-managed directories, loop images), unmounting as
    // needed. Called on a mounted pool that nothing uses any more.
    virtual Result<> destroy_pool() = 0;
    virtual Result<PoolUsage> usage() const = 0;
    virtual const PoolConfig& config() const = 0;
};

// The volume role. Names are validated by the callers (validate_name); drivers still refuse '/' and "..".
class VolumeOps {
public:
    virtual ~VolumeOps() = default;
    // An empty volume (mode 0755 root). AlreadyExists if present.
    virtual Result<> create_volume(VolumeKind kind, const std::string& name) = 0;
    // Fill a new volume with `fill(path)` and only then make it visible: whole or absent.
    virtual Result<> create_volume_from(VolumeKind kind, const std::string& name,
                                        const std::function<Result<>(const std::string& path)>& fill) = 0;
    // `to` becomes a copy of `from` (same pool): a CoW snapshot where capabilities().cow_clone, else copy_tree.
    // The new volume is writable whatever `from` was.
    virtual Result<> clone_volume(VolumeKind from_kind, const std::string& from, VolumeKind to_kind,
                                  const std::string& to) = 0;
    // Delete the volume and its snapshots. A missing volume is fine.
    virtual Result<> delete_volume(VolumeKind kind, const std::string& name) = 0;
    virtual bool volume_exists(VolumeKind kind, const std::string& name) const = 0;
    // Where the volume's tree is (ROOT/images/NAME/rootfs ...); valid while the pool is mounted.
    virtual std::string volume_path(VolumeKind kind, const std::string& name) const = 0;
    virtual Result<VolumeInfo> volume_info(VolumeKind kind, const std::string& name) const = 0;
    virtual Result<std::vector<std::string>> list_volumes(VolumeKind kind) const = 0;
    // Limit the volume's disk use to `bytes` (0 removes the limit). NotSupported where !capabilities().quotas.
    virtual Result<> set_quota(VolumeKind kind, const std::string& name, uint64_t bytes) = 0;
    virtual Result<> set_read_only(VolumeKind kind, const std::string& name, bool read_only) = 0;
};

// The snapshot role: read-only point-in-time copies of a volume, kept with it.
class SnapshotOps {
public:
    virtual ~SnapshotOps() = default;
    virtual Result<> create_snapshot(VolumeKind kind, const std::string& volume, const std::string& snapshot) = 0;
    virtual Result<std::vector<SnapshotInfo>> list_snapshots(VolumeKind kind, const std::string& volume) const = 0;
    // The volume's content becomes the snapshot's (the snapshot stays). The volume must not be in use.
    virtual Result<> restore_snapshot(VolumeKind kind, const std::string& volume, const std::string& snapshot) = 0;
    virtual Result<> delete_snapshot(VolumeKind kind, const std::string& volume, const std::string& snapshot) = 0;
    // Where a snapshot's tree is (for copying a container with its snapshots).
    virtual std::string snapshot_path(VolumeKind kind, const std::string& volume,
                                      const std::string& snapshot) const = 0;
};

// One driver instance per pool.
class StorageDriver : public PoolDriver, public VolumeOps, public SnapshotOps {};

// Registry: driver name -> factory. The built-in drivers (dir, btrfs) register themselves on first use of the
// registry; tests add fakes with register_storage_driver.
using StorageDriverFactory = std::function<std::unique_ptr<StorageDriver>(const PoolConfig& config)>;
void register_storage_driver(const std::string& name, StorageDriverFactory factory);
std::vector<std::string> storage_driver_names();
// InvalidArgument naming the known drivers when `config.driver` is unknown.
Result<std::unique_ptr<StorageDriver>> make_storage_driver(const PoolConfig& config);

// Directory names of the layout above.
std::string volume_kind_dir(VolumeKind kind);    // "images", "containers", "custom"
std::string volume_leaf_name(VolumeKind kind);   // "rootfs" or "data"

}  // namespace berth
