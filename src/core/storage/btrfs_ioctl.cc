#include "core/storage/btrfs_ioctl.h"

#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cstring>

#include "base/unique_fd.h"

namespace berth::btrfs {

namespace {

constexpr uint64_t kFirstFreeObjectId = 256;  // BTRFS_FIRST_FREE_OBJECTID: the root inode of every subvolume

std::string parent_of(const std::string& path)
{
    auto slash = path.rfind('/');
    return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

std::string leaf_of(const std::string& path)
{
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

Result<UniqueFd> open_path(const std::string& path, int flags = O_RDONLY | O_DIRECTORY)
{
    UniqueFd fd(open(path.c_str(), flags | O_CLOEXEC | O_NOFOLLOW));
    if (!fd)
        return fail_errno("open " + path);
    return fd;
}

Result<> copy_name(char* dst, size_t size, const std::string& name)
{
    if (name.empty() || name.size() >= size)
        return fail(ErrorKind::InvalidArgument, "subvolume name '" + name + "' is empty or too long");
    std::memcpy(dst, name.c_str(), name.size() + 1);
    return {};
}

}  // namespace

bool is_btrfs(const std::string& path)
{
    struct statfs st;
    return statfs(path.c_str(), &st) == 0 && st.f_type == BTRFS_SUPER_MAGIC;
}

bool is_subvolume(const std::string& path)
{
    struct stat st;
    return lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_ino == kFirstFreeObjectId &&
           is_btrfs(path);
}

Result<> create_subvolume(const std::string& path)
{
    auto parent = BERTH_TRY(open_path(parent_of(path)));
    struct btrfs_ioctl_vol_args args {};
    BERTH_TRY(copy_name(args.name, sizeof(args.name), leaf_of(path)));
    if (ioctl(parent.get(), BTRFS_IOC_SUBVOL_CREATE, &args) < 0)
        return fail_errno("create btrfs subvolume " + path);
    return {};
}

Result<> snapshot(const std::string& from, const std::string& to, bool read_only)
{
    auto source = BERTH_TRY(open_path(from));
    auto parent = BERTH_TRY(open_path(parent_of(to)));
    struct btrfs_ioctl_vol_args_v2 args {};
    args.fd = source.get();
    args.flags = read_only ? BTRFS_SUBVOL_RDONLY : 0;
    BERTH_TRY(copy_name(args.name, sizeof(args.name), leaf_of(to)));
    if (ioctl(parent.get(), BTRFS_IOC_SNAP_CREATE_V2, &args) < 0) {
        int saved = errno;
        if (saved == EDQUOT || saved == ENOSPC)
            return fail(ErrorKind::QuotaExceeded, "snapshot " + from + ": the pool is full", saved);
        return fail_errno(saved, "snapshot btrfs subvolume " + from + " to " + to);
    }
    return {};
}

Result<> delete_subvolume(const std::string& path)
{
    auto parent = BERTH_TRY(open_path(parent_of(path)));
    struct btrfs_ioctl_vol_args args {};
    BERTH_TRY(copy_name(args.name, sizeof(args.name), leaf_of(path)));
    if (ioctl(parent.get(), BTRFS_IOC_SNAP_DESTROY, &args) < 0)
        return fail_errno("delete btrfs subvolume " + path);
    return {};
}

Result<> set_read_only(const std::string& path, bool read_only)
{
    auto fd = BERTH_TRY(open_path(path));
    uint64_t flags = 0;
    if (ioctl(fd.get(), BTRFS_IOC_SUBVOL_GETFLAGS, &flags) < 0)
        return fail_errno("read flags of subvolume " + path);
    flags = read_only ? (flags | BTRFS_SUBVOL_RDONLY) : (flags & ~static_cast<uint64_t>(BTRFS_SUBVOL_RDONLY));
    if (ioctl(fd.get(), BTRFS_IOC_SUBVOL_SETFLAGS, &flags) < 0)
        return fail_errno("set flags of subvolume " + path);
    return {};
}

Result<bool> read_only(const std::string& path)
{
    auto fd = BERTH_TRY(open_path(path));
    uint64_t flags = 0;
    if (ioctl(fd.get(), BTRFS_IOC_SUBVOL_GETFLAGS, &flags) < 0)
        return fail_errno("read flags of subvolume " + path);
    return (flags & BTRFS_SUBVOL_RDONLY) != 0;
}

Result<> enable_quota(const std::string& path)
{
    auto fd = BERTH_TRY(open_path(path));
    struct btrfs_ioctl_quota_ctl_args args {};
    args.cmd = BTRFS_QUOTA_CTL_ENABLE;
    if (ioctl(fd.get(), BTRFS_IOC_QUOTA_CTL, &args) < 0 && errno != EEXIST)
        return fail_errno("enable btrfs quotas on " + path);
    return {};
}

Result<> limit_subvolume(const std::string& path, uint64_t bytes)
{
    auto fd = BERTH_TRY(open_path(path));
    struct btrfs_ioctl_qgroup_limit_args args {};
    args.qgroupid = 0;  // the subvolume the fd is in
    args.lim.flags = BTRFS_QGROUP_LIMIT_MAX_RFER;
    args.lim.max_rfer = bytes == 0 ? static_cast<uint64_t>(-1) : bytes;
    if (ioctl(fd.get(), BTRFS_IOC_QGROUP_LIMIT, &args) < 0)
        return fail_errno("limit btrfs qgroup of " + path);
    return {};
}

}  // namespace berth::btrfs
