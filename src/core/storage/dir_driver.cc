#include "core/storage/dir_driver.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdio>

#include "base/fs.h"
#include "base/names.h"
#include "base/reverter.h"

namespace berth {

namespace {

bool is_dir(const std::string& path)
{
    struct stat st;
    return lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

uint64_t birth_usec(const std::string& path)
{
    struct statx stx;
    if (statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BTIME | STATX_CTIME, &stx) < 0)
        return 0;
    const auto& t = (stx.stx_mask & STATX_BTIME) ? stx.stx_btime : stx.stx_ctime;
    return static_cast<uint64_t>(t.tv_sec) * 1000000u + t.tv_nsec / 1000u;
}

}  // namespace

Result<> check_storage_name(const std::string& name, const std::string& what)
{
    return validate_name(name, what);  // already refuses '/', "..", leading '.', and over-long names
}

DirDriver::DirDriver(PoolConfig config) : config_(std::move(config)) {}

Capabilities DirDriver::capabilities() const
{
    return Capabilities{.cow_clone = false, .snapshots = true, .cow_snapshots = false, .quotas = false,
                        .read_only = false};
}

Result<> DirDriver::create_pool()
{
    if (!config_.source.empty()) {
        if (!is_dir(config_.source))
            return fail(ErrorKind::InvalidArgument, "source '" + config_.source + "' is not a directory");
        return {};
    }
    return make_dirs(config_.root, 0711);
}

Result<> DirDriver::mount()
{
    if (!is_dir(config_.root))
        return fail(ErrorKind::Failed, "pool directory " + config_.root + " is missing", ENOENT);
    for (const char* sub : {"/images", "/containers", "/custom", "/snapshots", "/.tmp"})
        BERTH_TRY(make_dirs(config_.root + sub, 0700));
    const std::string tmp = config_.root + "/.tmp";
    for (const auto& name : BERTH_TRY(list_dir(tmp))) {
        auto r = delete_tree(tmp + "/" + name);
        if (!r)
            return fail(std::move(r).error().context("clear interrupted operation in " + tmp));
    }
    return {};
}

Result<> DirDriver::unmount() { return {}; }

Result<> DirDriver::destroy_pool()
{
    // Only what berth made: the whole directory when berth chose it, else the layout inside the source.
    if (config_.source.empty())
        return remove_tree(config_.root);
    for (const char* sub : {"/images", "/containers", "/custom", "/snapshots", "/.tmp"})
        BERTH_TRY(remove_tree(config_.root + sub));
    return {};
}

Result<PoolUsage> DirDriver::usage() const
{
    struct statvfs st;
    if (statvfs(config_.root.c_str(), &st) < 0)
        return fail_errno("statvfs " + config_.root);
    PoolUsage u;
    u.total = static_cast<uint64_t>(st.f_blocks) * st.f_frsize;
    u.free = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
    u.used = u.total - static_cast<uint64_t>(st.f_bfree) * st.f_frsize;
    return u;
}

std::string DirDriver::home(VolumeKind kind, const std::string& name) const
{
    return config_.root + "/" + volume_kind_dir(kind) + "/" + name;
}

std::string DirDriver::volume_path(VolumeKind kind, const std::string& name) const
{
    return home(kind, name) + "/" + volume_leaf_name(kind);
}

std::string DirDriver::snapshots_dir(VolumeKind kind, const std::string& name) const
{
    return config_.root + "/snapshots/" + volume_kind_dir(kind) + "/" + name;
}

std::string DirDriver::snapshot_path(VolumeKind kind, const std::string& volume, const std::string& snapshot) const
{
    return snapshots_dir(kind, volume) + "/" + snapshot;
}

Result<std::string> DirDriver::work_dir(const std::string& what) const
{
    BERTH_TRY(make_dirs(config_.root + "/.tmp", 0700));
    std::string work = config_.root + "/.tmp/" + what + "-XXXXXX";
    if (!mkdtemp(work.data()))
        return fail_errno("create work directory in " + config_.root + "/.tmp");
    return work;
}

Result<> DirDriver::retire(const std::string& path)
{
    if (deleted_at_once(path))
        return delete_tree(path);
    std::string work = BERTH_TRY(work_dir("removing"));
    const std::string target = work + "/tree";
    if (rename(path.c_str(), target.c_str()) < 0) {
        int saved = errno;
        rmdir(work.c_str());
        if (saved == ENOENT)
            return {};
        return fail_errno(saved, "move " + path + " out of the way");
    }
    BERTH_TRY(delete_tree(target));
    rmdir(work.c_str());
    return {};
}

Result<> DirDriver::make_tree(const std::string& path)
{
    if (mkdir(path.c_str(), 0755) < 0)
        return fail_errno("create " + path);
    return {};
}

Result<> DirDriver::copy_tree_to(const std::string& from, const std::string& to, bool)
{
    return copy_tree(from, to);
}

Result<> DirDriver::delete_tree(const std::string& path) { return remove_tree(path); }

bool DirDriver::tree_read_only(const std::string&) const { return false; }

bool DirDriver::volume_exists(VolumeKind kind, const std::string& name) const
{
    return check_storage_name(name, "volume name").has_value() && is_dir(volume_path(kind, name));
}

Result<> DirDriver::create_volume(VolumeKind kind, const std::string& name)
{
    return create_volume_from(kind, name, [](const std::string&) -> Result<> { return {}; });
}

Result<> DirDriver::create_volume_from(VolumeKind kind, const std::string& name,
                                       const std::function<Result<>(const std::string& path)>& fill)
{
    BERTH_TRY(check_storage_name(name, "volume name"));
    if (volume_exists(kind, name))
        return fail(ErrorKind::AlreadyExists, std::string(kVolumeKindTable.to_string(kind)) + std::string(" volume '") + name +
                                                  "' already exists in pool '" + config_.name + "'");
    Reverter revert;
    // Only root on the host walks into KIND/NAME (before an idmapped mount is made), so 0700.
    const std::string dir = home(kind, name);
    if (!is_dir(dir)) {
        BERTH_TRY(make_dirs(dir, 0700));
        revert.add([dir] { rmdir(dir.c_str()); });
    }
    std::string work = BERTH_TRY(work_dir("create-" + name));
    revert.add([this, work] {
        (void)delete_tree(work + "/tree");
        rmdir(work.c_str());
    });
    const std::string tree = work + "/tree";
    BERTH_TRY(make_tree(tree));
    BERTH_TRY(fill(tree));
    if (rename(tree.c_str(), volume_path(kind, name).c_str()) < 0) {
        if (errno == EEXIST || errno == ENOTEMPTY)
            return fail(ErrorKind::AlreadyExists, "volume '" + name + "' already exists");
        return fail_errno("install volume " + name);
    }
    rmdir(work.c_str());
    revert.success();
    return {};
}

Result<> DirDriver::clone_volume(VolumeKind from_kind, const std::string& from, VolumeKind to_kind,
                                 const std::string& to)
{
    BERTH_TRY(check_storage_name(from, "volume name"));
    BERTH_TRY(check_storage_name(to, "volume name"));
    if (!volume_exists(from_kind, from))
        return fail(ErrorKind::NoSuchPool, std::string(kVolumeKindTable.to_string(from_kind)) + " volume '" + from +
                                               "' not found in pool '" + config_.name + "'");
    if (volume_exists(to_kind, to))
        return fail(ErrorKind::AlreadyExists, std::string(kVolumeKindTable.to_string(to_kind)) + " volume '" + to +
                                                  "' already exists in pool '" + config_.name + "'");
    Reverter revert;
    const std::string dir = home(to_kind, to);
    if (!is_dir(dir)) {
        BERTH_TRY(make_dirs(dir, 0700));
        revert.add([dir] { rmdir(dir.c_str()); });
    }
    std::string work = BERTH_TRY(work_dir("clone-" + to));
    revert.add([this, work] {
        (void)delete_tree(work + "/tree");
        rmdir(work.c_str());
    });
    const std::string tree = work + "/tree";
    auto copied = copy_tree_to(volume_path(from_kind, from), tree, false);
    if (!copied)
        return fail(std::move(copied).error().context("copy volume " + from + " to " + to));
    if (rename(tree.c_str(), volume_path(to_kind, to).c_str()) < 0)
        return fail_errno("install volume " + to);
    rmdir(work.c_str());
    revert.success();
    return {};
}

Result<> DirDriver::delete_volume(VolumeKind kind, const std::string& name)
{
    BERTH_TRY(check_storage_name(name, "volume name"));
    const std::string snaps = snapshots_dir(kind, name);
    if (is_dir(snaps)) {
        for (const auto& snap : BERTH_TRY(list_dir(snaps)))
            BERTH_TRY(retire(snaps + "/" + snap));
        rmdir(snaps.c_str());
    }
    if (is_dir(volume_path(kind, name))) {
        auto r = retire(volume_path(kind, name));
        if (!r)
            return fail(std::move(r).error().context("remove volume " + name));
    }
    unlink((home(kind, name) + "/quota").c_str());
    rmdir(home(kind, name).c_str());  // only if empty: anything else kept there is not ours to delete
    return {};
}

Result<VolumeInfo> DirDriver::volume_info(VolumeKind kind, const std::string& name) const
{
    if (!volume_exists(kind, name))
        return fail(ErrorKind::NoSuchPool, "no " + std::string(kVolumeKindTable.to_string(kind)) + " volume '" +
                                               name + "' in pool '" + config_.name + "'");
    VolumeInfo info;
    info.kind = kind;
    info.name = name;
    info.used = tree_disk_usage(volume_path(kind, name)).value_or(0);
    if (auto q = read_file(home(kind, name) + "/quota"))
        info.quota = std::strtoull(q->c_str(), nullptr, 10);
    info.read_only = tree_read_only(volume_path(kind, name));
    return info;
}

Result<std::vector<std::string>> DirDriver::list_volumes(VolumeKind kind) const
{
    std::vector<std::string> out;
    const std::string dir = config_.root + "/" + volume_kind_dir(kind);
    if (!is_dir(dir))
        return out;
    for (const auto& name : BERTH_TRY(list_dir(dir)))
        if (volume_exists(kind, name))
            out.push_back(name);
    return out;
}

Result<> DirDriver::set_quota(VolumeKind, const std::string&, uint64_t bytes)
{
    if (bytes == 0)
        return {};
    return fail(ErrorKind::NotSupported,
                "pool '" + config_.name + "' uses the dir driver, which cannot limit disk use; use a btrfs pool "
                "(berthctl pool create NAME --driver btrfs --size SIZE) for --disk and volume sizes");
}

Result<> DirDriver::set_read_only(VolumeKind kind, const std::string& name, bool)
{
    if (!volume_exists(kind, name))
        return fail(ErrorKind::NoSuchPool, "no volume '" + name + "' in pool '" + config_.name + "'");
    return {};  // plain directories: images are protected by never being handed out writable
}

Result<> DirDriver::create_snapshot(VolumeKind kind, const std::string& volume, const std::string& snapshot)
{
    BERTH_TRY(check_storage_name(snapshot, "snapshot name"));
    if (!volume_exists(kind, volume))
        return fail(ErrorKind::NoSuchPool, "no volume '" + volume + "' in pool '" + config_.name + "'");
    const std::string target = snapshot_path(kind, volume, snapshot);
    if (path_exists(target))
        return fail(ErrorKind::AlreadyExists, "snapshot '" + snapshot + "' of '" + volume + "' already exists");
    Reverter revert;
    const std::string snaps = snapshots_dir(kind, volume);
    if (!is_dir(snaps)) {
        BERTH_TRY(make_dirs(snaps, 0700));
        revert.add([snaps] { rmdir(snaps.c_str()); });
    }
    if (capabilities().cow_snapshots) {
        // One ioctl makes the whole read-only snapshot in place (and a read-only subvolume cannot be renamed).
        auto made = copy_tree_to(volume_path(kind, volume), target, true);
        if (!made)
            return fail(std::move(made).error().context("snapshot " + volume));
        revert.success();
        return {};
    }
    std::string work = BERTH_TRY(work_dir("snapshot-" + snapshot));
    revert.add([this, work] {
        (void)delete_tree(work + "/tree");
        rmdir(work.c_str());
    });
    auto copied = copy_tree_to(volume_path(kind, volume), work + "/tree", true);
    if (!copied)
        return fail(std::move(copied).error().context("snapshot " + volume));
    if (rename((work + "/tree").c_str(), target.c_str()) < 0)
        return fail_errno("install snapshot " + snapshot);
    rmdir(work.c_str());
    revert.success();
    return {};
}

Result<std::vector<SnapshotInfo>> DirDriver::list_snapshots(VolumeKind kind, const std::string& volume) const
{
    std::vector<SnapshotInfo> out;
    const std::string snaps = snapshots_dir(kind, volume);
    if (!is_dir(snaps))
        return out;
    for (const auto& name : BERTH_TRY(list_dir(snaps)))
        out.push_back(SnapshotInfo{name, birth_usec(snaps + "/" + name)});
    return out;
}

Result<> DirDriver::restore_snapshot(VolumeKind kind, const std::string& volume, const std::string& snapshot)
{
    BERTH_TRY(check_storage_name(snapshot, "snapshot name"));
    const std::string snap = snapshot_path(kind, volume, snapshot);
    if (!is_dir(snap))
        return fail(ErrorKind::NoSuchPool, "no snapshot '" + snapshot + "' of '" + volume + "'");
    if (!volume_exists(kind, volume))
        return fail(ErrorKind::NoSuchPool, "no volume '" + volume + "' in pool '" + config_.name + "'");
    std::string work = BERTH_TRY(work_dir("restore-" + volume));
    Reverter revert;
    revert.add([this, work] {
        (void)delete_tree(work + "/tree");
        rmdir(work.c_str());
    });
    const std::string tree = work + "/tree";
    auto copied = copy_tree_to(snap, tree, false);
    if (!copied)
        return fail(std::move(copied).error().context("restore snapshot " + snapshot));
    // Swap in one step: the volume is the old tree or the restored one, never half of each.
    if (renameat2(AT_FDCWD, tree.c_str(), AT_FDCWD, volume_path(kind, volume).c_str(), RENAME_EXCHANGE) < 0)
        return fail_errno("swap restored tree into " + volume);
    // The reverter now deletes the old tree.
    return {};
}

Result<> DirDriver::delete_snapshot(VolumeKind kind, const std::string& volume, const std::string& snapshot)
{
    BERTH_TRY(check_storage_name(snapshot, "snapshot name"));
    const std::string snap = snapshot_path(kind, volume, snapshot);
    if (!is_dir(snap))
        return fail(ErrorKind::NoSuchPool, "no snapshot '" + snapshot + "' of '" + volume + "'");
    BERTH_TRY(retire(snap));
    rmdir(snapshots_dir(kind, volume).c_str());
    return {};
}

}  // namespace berth
