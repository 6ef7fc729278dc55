#include "core/storage/btrfs_driver.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/reverter.h"
#include "base/size.h"
#include "core/storage/btrfs_ioctl.h"
#include "core/storage/loop_device.h"

namespace berth {

namespace {

std::string parent_dir(const std::string& path)
{
    auto slash = path.rfind('/');
    return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

BtrfsDriver::BtrfsDriver(PoolConfig config) : DirDriver(std::move(config)) {}

Capabilities BtrfsDriver::capabilities() const
{
    return Capabilities{.cow_clone = true, .snapshots = true, .cow_snapshots = true, .quotas = true,
                        .read_only = true};
}

Result<> BtrfsDriver::create_pool()
{
    if (!loop_backed()) {
        if (!btrfs::is_btrfs(config_.source))
            return fail(ErrorKind::InvalidArgument,
                        "source '" + config_.source + "' is not a directory on a btrfs file system "
                        "(give --size SIZE instead to let berth create a loop-backed btrfs pool)");
        return {};
    }
    if (config_.size < kMinimumSize)
        return fail(ErrorKind::InvalidArgument,
                    "a btrfs pool needs at least " + format_size(kMinimumSize) + " (--size)");
    Reverter revert;
    BERTH_TRY(make_dirs(parent_dir(config_.source), 0700));
    BERTH_TRY(loopdev::create_btrfs_image(config_.source, config_.size));
    revert.add([this] { unlink(config_.source.c_str()); });
    BERTH_TRY(make_dirs(config_.root, 0711));
    revert.success();
    return {};
}

Result<> BtrfsDriver::mount()
{
    if (loop_backed()) {
        BERTH_TRY(make_dirs(config_.root, 0711));
        if (!loopdev::is_mount_point(config_.root))
            BERTH_TRY(loopdev::mount_image(config_.source, config_.root, "user_subvol_rm_allowed"));
    }
    if (!btrfs::is_btrfs(config_.root))
        return fail(ErrorKind::Failed, "pool directory " + config_.root + " is not on btrfs");
    return DirDriver::mount();
}

Result<> BtrfsDriver::unmount()
{
    if (loop_backed() && loopdev::is_mount_point(config_.root)) {
        if (umount2(config_.root.c_str(), UMOUNT_NOFOLLOW) < 0) {
            if (errno == EBUSY)
                return fail(ErrorKind::Busy, "pool '" + config_.name + "' is still in use (" + config_.root + ")",
                            errno);
            return fail_errno("unmount " + config_.root);
        }
    }
    return {};
}

Result<> BtrfsDriver::destroy_pool()
{
    if (loop_backed()) {
        BERTH_TRY(unmount());
        if (unlink(config_.source.c_str()) < 0 && errno != ENOENT)
            return fail_errno("remove " + config_.source);
        rmdir(config_.root.c_str());
        return {};
    }
    for (VolumeKind kind : {VolumeKind::Image, VolumeKind::Container, VolumeKind::Custom})
        for (const auto& name : BERTH_TRY(list_volumes(kind)))
            BERTH_TRY(delete_volume(kind, name));
    return DirDriver::destroy_pool();
}

Result<> BtrfsDriver::make_tree(const std::string& path)
{
    auto r = btrfs::create_subvolume(path);
    if (!r && (r.error().code == EDQUOT || r.error().code == ENOSPC))
        return fail(ErrorKind::QuotaExceeded, "pool '" + config_.name + "' is full", r.error().code);
    return r;
}

Result<> BtrfsDriver::copy_tree_to(const std::string& from, const std::string& to, bool read_only)
{
    if (btrfs::is_subvolume(from))
        return btrfs::snapshot(from, to, read_only);
    // Not a subvolume (made by hand or by an older berth): a subvolume filled by copying.
    BERTH_TRY(make_tree(to));
    Reverter revert;
    revert.add([to] { (void)btrfs::delete_subvolume(to); });
    BERTH_TRY(copy_tree_into(from, to));
    if (read_only)
        BERTH_TRY(btrfs::set_read_only(to, true));
    revert.success();
    return {};
}

Result<> BtrfsDriver::delete_tree(const std::string& path)
{
    if (btrfs::is_subvolume(path))
        return btrfs::delete_subvolume(path);
    // A work directory holding a subvolume (an operation interrupted by a crash): remove_tree stops at the
    // subvolume's boundary, so delete the subvolumes first.
    if (auto names = list_dir(path)) {
        for (const auto& name : *names)
            if (btrfs::is_subvolume(path + "/" + name))
                BERTH_TRY(btrfs::delete_subvolume(path + "/" + name));
    }
    return remove_tree(path);
}

bool BtrfsDriver::deleted_at_once(const std::string& path) const
{
    return btrfs::is_subvolume(path);
}

bool BtrfsDriver::tree_read_only(const std::string& path) const
{
    return btrfs::is_subvolume(path) && btrfs::read_only(path).value_or(false);
}

Result<> BtrfsDriver::set_quota(VolumeKind kind, const std::string& name, uint64_t bytes)
{
    if (!volume_exists(kind, name))
        return fail(ErrorKind::NoSuchPool, "no volume '" + name + "' in pool '" + config_.name + "'");
    BERTH_TRY(btrfs::enable_quota(config_.root));
    BERTH_TRY(btrfs::limit_subvolume(volume_path(kind, name), bytes));
    const std::string file = home(kind, name) + "/quota";
    if (bytes == 0) {
        unlink(file.c_str());
        return {};
    }
    return write_file_atomic(file, std::to_string(bytes) + "\n", 0600);
}

Result<> BtrfsDriver::set_read_only(VolumeKind kind, const std::string& name, bool read_only)
{
    if (!volume_exists(kind, name))
        return fail(ErrorKind::NoSuchPool, "no volume '" + name + "' in pool '" + config_.name + "'");
    const std::string path = volume_path(kind, name);
    if (!btrfs::is_subvolume(path))
        return {};
    return btrfs::set_read_only(path, read_only);
}

}  // namespace berth
