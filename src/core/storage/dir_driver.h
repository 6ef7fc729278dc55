// The `dir` driver: a pool is a plain directory; volumes are directories, clones and snapshots are full copies
// (base/fs copy_tree), quotas are not supported. It also holds the layout logic every driver shares: the btrfs
// driver derives from it and replaces the four tree primitives below with subvolume ioctls.
#pragma once

#include "core/storage/driver.h"

namespace berth {

class DirDriver : public StorageDriver {
public:
    explicit DirDriver(PoolConfig config);

    Capabilities capabilities() const override;
    Result<> create_pool() override;
    Result<> mount() override;
    Result<> unmount() override;
    Result<> destroy_pool() override;
    Result<PoolUsage> usage() const override;
    const PoolConfig& config() const override { return config_; }

    Result<> create_volume(VolumeKind kind, const std::string& name) override;
    Result<> create_volume_from(VolumeKind kind, const std::string& name,
                                const std::function<Result<>(const std::string& path)>& fill) override;
    Result<> clone_volume(VolumeKind from_kind, const std::string& from, VolumeKind to_kind,
                          const std::string& to) override;
    Result<> delete_volume(VolumeKind kind, const std::string& name) override;
    bool volume_exists(VolumeKind kind, const std::string& name) const override;
    std::string volume_path(VolumeKind kind, const std::string& name) const override;
    Result<VolumeInfo> volume_info(VolumeKind kind, const std::string& name) const override;
    Result<std::vector<std::string>> list_volumes(VolumeKind kind) const override;
    Result<> set_quota(VolumeKind kind, const std::string& name, uint64_t bytes) override;
    Result<> set_read_only(VolumeKind kind, const std::string& name, bool read_only) override;

    Result<> create_snapshot(VolumeKind kind, const std::string& volume, const std::string& snapshot) override;
    Result<std::vector<SnapshotInfo>> list_snapshots(VolumeKind kind, const std::string& volume) const override;
    Result<> restore_snapshot(VolumeKind kind, const std::string& volume, const std::string& snapshot) override;
    Result<> delete_snapshot(VolumeKind kind, const std::string& volume, const std::string& snapshot) override;
    std::string snapshot_path(VolumeKind kind, const std::string& volume,
                              const std::string& snapshot) const override;

protected:
    // Tree primitives: an empty tree at `path`, `to` as a copy of `from` (read-only or writable), and deletion.
    virtual Result<> make_tree(const std::string& path);
    virtual Result<> copy_tree_to(const std::string& from, const std::string& to, bool read_only);
    virtual Result<> delete_tree(const std::string& path);
    virtual bool tree_read_only(const std::string& path) const;
    // delete_tree makes `path` vanish in one step (a btrfs subvolume), so retire() need not move it first (a
    // read-only subvolume cannot be renamed).
    virtual bool deleted_at_once(const std::string&) const { return false; }

    std::string home(VolumeKind kind, const std::string& name) const;  // ROOT/KIND/NAME
    std::string snapshots_dir(VolumeKind kind, const std::string& name) const;
    // A fresh work directory under ROOT/.tmp.
    Result<std::string> work_dir(const std::string& what) const;
    // Make `dir` disappear in one step (rename into .tmp), then delete it with delete_tree.
    Result<> retire(const std::string& path);

    PoolConfig config_;
};

// Names of volumes and snapshots: validate_name plus what a path component must never be.
Result<> check_storage_name(const std::string& name, const std::string& what);

}  // namespace berth
