#include "daemon/archive_jobs.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/names.h"
#include "base/reverter.h"
#include "core/archive_import.h"
#include "core/spec.h"
#include "core/volume_store.h"
#include "daemon/container_object.h"
#include "daemon/volume_object.h"

namespace berth::daemon {

namespace {

std::string volume_header(const VolumeStatus& v)
{
    return "# berth volume export\npool = \"" + v.ref.pool + "\"\nname = \"" + v.ref.name + "\"\nsize = " +
           std::to_string(v.size) + "\n";
}

// The "size = N" line of a volume header (0: none or unreadable, as an archive from before sizes were recorded).
uint64_t recorded_size(const std::string& header)
{
    const auto at = header.find("\nsize = ");
    if (at == std::string::npos)
        return 0;
    return std::strtoull(header.c_str() + at + 8, nullptr, 10);
}

// The snapshot names of a container header's first line (core/export_archive.h kSnapshotsLine), oldest first.
std::vector<std::string> recorded_snapshots(const std::string& header)
{
    std::vector<std::string> names;
    const std::string prefix = std::string(kSnapshotsLine) + " ";
    if (header.rfind(prefix, 0) != 0)
        return names;
    std::string line = header.substr(prefix.size(), header.find('\n') - prefix.size());
    size_t at = 0;
    while (at < line.size()) {
        size_t end = line.find(' ', at);
        if (end == std::string::npos)
            end = line.size();
        if (end > at)
            names.push_back(line.substr(at, end - at));
        at = end + 1;
    }
    return names;
}

// Empty the volume at `path` (its root directory stays).
Result<> clear_tree(const std::string& path)
{
    for (const auto& entry : BERTH_TRY(list_dir(path)))
        BERTH_TRY(remove_tree(path + "/" + entry));
    return {};
}

// Recreate container `name`'s root with its snapshots from `staged` (an extracted archive: rootfs/ and
// snapshots/SNAP/): each snapshot's tree is copied in and snapshotted, oldest first, then the root. Whole or
// absent: on failure the root and its snapshots are deleted.
Result<> build_with_snapshots(StorageDriver& driver, const std::string& name, const std::string& staged,
                              const std::vector<std::string>& snapshots)
{
    Reverter revert;
    bool created = false;
    auto fill_from = [&](const std::string& tree) -> Result<> {
        if (!created) {
            BERTH_TRY(driver.create_volume_from(VolumeKind::Container, name, [&](const std::string& path) {
                return copy_tree_into(tree, path);
            }));
            created = true;
            revert.add([&driver, name] { (void)driver.delete_volume(VolumeKind::Container, name); });
            return {};
        }
        const std::string path = driver.volume_path(VolumeKind::Container, name);
        BERTH_TRY(clear_tree(path));
        return copy_tree_into(tree, path);
    };
    for (const auto& snap : snapshots) {
        BERTH_TRY(validate_name(snap, "snapshot name"));
        BERTH_TRY(fill_from(staged + "/" + kSnapshotsPrefix + "/" + snap));
        BERTH_TRY(driver.create_snapshot(VolumeKind::Container, name, snap));
    }
    BERTH_TRY(fill_from(staged + "/" + kRootfsPrefix));
    revert.success();
    return {};
}

// Where an imported error of the disk (full pool, quota) should say so plainly.
Error classify(Error e)
{
    if (e.code == ENOSPC || e.code == EDQUOT)
        e.kind = ErrorKind::QuotaExceeded;
    return e;
}

}  // namespace

Result<> ArchiveJobs::run(const std::string& key, const ChildJobs::Work& work, ChildJobs::Finish finish)
{
    if (jobs_.running(key))
        return fail(ErrorKind::Busy, key.substr(key.find(':') + 1) + " is being exported or imported right now");
    return jobs_.run(
        key,
        [&work]() {
            signal(SIGPIPE, SIG_IGN);   // a reader that went away fails the write instead of killing the job
            return work();
        },
        std::move(finish));
}

Result<> ArchiveJobs::export_container(const std::string& name, UniqueFd fd, ArchiveFormat format, bool snapshots,
                                       Done done)
{
    if (!fd)
        return fail(ErrorKind::InvalidArgument, "no file descriptor to write the archive to");
    ExportSource source;
    source.header_name = kDefinitionEntry;
    source.header = BERTH_TRY(manager_.export_header(name));
    source.tree = images_.container_root(name);
    source.prefix = kRootfsPrefix;
    const Container* c = manager_.find(name);
    if (c && c->spec.idmap_mode == IdMapMode::Shifted) {
        source.shift_base = c->spec.idmap_base;
        source.shift_size = c->spec.idmap_size;
    }
    if (snapshots) {
        StorageDriver* driver = BERTH_TRY(images_.container_pool(name));
        std::string line = kSnapshotsLine;
        for (const auto& snap : BERTH_TRY(manager_.list_snapshots(name))) {   // oldest first
            line += " " + snap.name;
            source.more.emplace_back(std::string(kSnapshotsPrefix) + "/" + snap.name,
                                     driver->snapshot_path(VolumeKind::Container, name, snap.name));
        }
        source.header = line + "\n" + source.header;
    }
    auto shared_fd = std::make_shared<UniqueFd>(std::move(fd));
    BERTH_TRY(run(
        "container:" + name,
        [shared_fd, source, format]() -> Result<std::string> {
            BERTH_TRY(write_export_archive(shared_fd->get(), format, source));
            return std::string();
        },
        [done](Result<std::string> r) { done(r ? Result<>() : Result<>(fail(r.error()))); }));
    shared_fd->reset();   // the child holds the write end now: the reader sees EOF when it is done
    return {};
}

Result<> ArchiveJobs::import_container(UniqueFd fd, const std::string& name, const std::string& pool_name,
                                       DonePath done)
{
    if (!fd)
        return fail(ErrorKind::InvalidArgument, "no file descriptor to read the archive from");
    if (!name.empty()) {
        BERTH_TRY(validate_name(name, "container name"));
        if (manager_.find(name))
            return fail(ErrorKind::AlreadyExists, "a container named '" + name + "' already exists");
    }
    if (!pool_name.empty())
        BERTH_TRY(images_.pool(pool_name));   // NoSuchPool before any data is read
    auto shared_fd = std::make_shared<UniqueFd>(std::move(fd));
    const std::string key = "container:" + (name.empty() ? "(import " + std::to_string(++unnamed_imports_) + ")" : name);
    BERTH_TRY(run(
        key,
        [this, shared_fd, name, pool_name]() -> Result<std::string> {
            auto in = BERTH_TRY(open_tar_reader(shared_fd->get()));
            const std::string header = BERTH_TRY(read_export_header(in.get(), kDefinitionEntry));
            auto spec = BERTH_TRY(parse_spec(header, "the archive's berth/definition.toml"));
            if (!name.empty())
                spec.name = name;
            if (!pool_name.empty())
                spec.pool = pool_name;
            if (manager_.find(spec.name) || images_.container_root_exists(spec.name))
                return fail(ErrorKind::AlreadyExists, "a container named '" + spec.name +
                                                          "' already exists; give the import another name");
            auto pool = images_.pool(spec.pool);
            if (!pool) {
                spec.pool.clear();
                pool = images_.pool("");
            }
            StorageDriver* driver = BERTH_TRY(std::move(pool));
            const auto snapshots = recorded_snapshots(header);
            if (!snapshots.empty()) {
                // Stage the whole archive in a scratch volume of the pool, then rebuild root and snapshots.
                const std::string staging = spec.name + ".import";
                (void)driver->delete_volume(VolumeKind::Container, staging);
                auto staged = driver->create_volume_from(VolumeKind::Container, staging,
                                                         [&](const std::string& path) -> Result<> {
                                                             BERTH_TRY(extract_open_archive(in.get(), path));
                                                             return {};
                                                         });
                Result<> built = staged ? build_with_snapshots(*driver, spec.name,
                                                               driver->volume_path(VolumeKind::Container, staging),
                                                               snapshots)
                                        : Result<>(fail(staged.error()));
                (void)driver->delete_volume(VolumeKind::Container, staging);
                BERTH_TRY(built.map_error(classify));
                return spec_to_toml(spec);
            }
            BERTH_TRY(driver
                          ->create_volume_from(VolumeKind::Container, spec.name,
                                               [&](const std::string& path) -> Result<> {
                                                   BERTH_TRY(extract_open_archive(in.get(), path, kRootfsPrefix));
                                                   return {};
                                               })
                          .map_error(classify));
            return spec_to_toml(spec);
        },
        [this, done](Result<std::string> r) {
            if (!r)
                return done(fail(r.error().context("import container")));
            auto spec = parse_spec(*r, "imported definition");
            if (!spec)
                return done(fail(spec.error()));
            const std::string imported = spec->name;
            if (auto adopted = manager_.adopt_imported(std::move(*spec)); !adopted) {
                (void)images_.remove_container_root(imported);
                return done(fail(adopted.error().context("import container " + imported)));
            }
            done(container_object_path(imported));
        }));
    shared_fd->reset();
    return {};
}

Result<> ArchiveJobs::export_volume(const std::string& volume, UniqueFd fd, ArchiveFormat format, Done done)
{
    if (!fd)
        return fail(ErrorKind::InvalidArgument, "no file descriptor to write the archive to");
    auto ref = BERTH_TRY(parse_volume_ref(volume));
    auto status = BERTH_TRY(volumes_.store().status(ref));
    ExportSource source{kVolumeEntry, volume_header(status), status.path, kDataPrefix, 0, 0};
    auto shared_fd = std::make_shared<UniqueFd>(std::move(fd));
    BERTH_TRY(run(
        "volume:" + ref.full(),
        [shared_fd, source, format]() -> Result<std::string> {
            BERTH_TRY(write_export_archive(shared_fd->get(), format, source));
            return std::string();
        },
        [done](Result<std::string> r) { done(r ? Result<>() : Result<>(fail(r.error()))); }));
    shared_fd->reset();
    return {};
}

Result<> ArchiveJobs::import_volume(UniqueFd fd, const std::string& volume, bool ignore_size, DonePath done)
{
    if (!fd)
        return fail(ErrorKind::InvalidArgument, "no file descriptor to read the archive from");
    auto ref = BERTH_TRY(parse_volume_ref(volume));
    if (volumes_.store().status(ref))
        return fail(ErrorKind::AlreadyExists, "volume " + ref.full() + " already exists");
    auto shared_fd = std::make_shared<UniqueFd>(std::move(fd));
    BERTH_TRY(run(
        "volume:" + ref.full(),
        [this, shared_fd, ref, ignore_size]() -> Result<std::string> {
            auto in = BERTH_TRY(open_tar_reader(shared_fd->get()));
            const std::string header = BERTH_TRY(read_export_header(in.get(), kVolumeEntry));
            const uint64_t size = ignore_size ? 0 : recorded_size(header);
            BERTH_TRY(volumes_.store()
                          .create_from(
                              ref,
                              [&](const std::string& path) -> Result<> {
                                  BERTH_TRY(extract_open_archive(in.get(), path, kDataPrefix));
                                  return {};
                              },
                              size)
                          .map_error(classify));
            return std::string();
        },
        [this, ref, done](Result<std::string> r) {
            if (!r)
                return done(fail(r.error().context("import volume " + ref.full())));
            volumes_.added(ref);
            done(volume_object_path(ref));
        }));
    shared_fd->reset();
    return {};
}

}  // namespace berth::daemon
