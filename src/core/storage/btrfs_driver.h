// The `btrfs` driver: volumes and snapshots are subvolumes (O(1) CoW clones and snapshots), images read-only
// subvolumes, quotas by qgroups. A pool is an existing btrfs directory (--source) or a loop image berth creates,
// formats and mounts itself (--size), mounted again at every daemon start.
#pragma once

#include "core/storage/dir_driver.h"

namespace berth {

class BtrfsDriver final : public DirDriver {
public:
    explicit BtrfsDriver(PoolConfig config);

    Capabilities capabilities() const override;
    Result<> create_pool() override;
    Result<> mount() override;
    Result<> unmount() override;
    Result<> destroy_pool() override;
    Result<> set_quota(VolumeKind kind, const std::string& name, uint64_t bytes) override;
    Result<> set_read_only(VolumeKind kind, const std::string& name, bool read_only) override;

    static constexpr uint64_t kMinimumSize = 128ull << 20;  // what mkfs.btrfs accepts for a single device

protected:
    Result<> make_tree(const std::string& path) override;
    Result<> copy_tree_to(const std::string& from, const std::string& to, bool read_only) override;
    Result<> delete_tree(const std::string& path) override;
    bool tree_read_only(const std::string& path) const override;
    bool deleted_at_once(const std::string& path) const override;

private:
    bool loop_backed() const { return config_.size > 0; }
};

}  // namespace berth
