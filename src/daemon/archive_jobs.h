// Export and import of containers and volumes (core/export_archive.h). The archive work runs in a child process
// of berthd (like image imports) so the loop never waits for it; data flows through the fd the caller passed
// (berthctl's pipe). The outcome comes back over a report pipe when the child exits; an import's container or
// volume becomes visible only then, and a failed import leaves nothing behind.
#pragma once

#include <functional>
#include <string>

#include "base/error.h"
#include "base/unique_fd.h"
#include "core/event_loop.h"
#include "core/export_archive.h"
#include "core/image_store.h"
#include "core/manager.h"
#include "daemon/child_jobs.h"

namespace berth::daemon {

class Volumes;

class ArchiveJobs {
public:
    using Done = std::function<void(Result<>)>;
    using DonePath = std::function<void(Result<std::string>)>;   // the new object's path

    ArchiveJobs(EventLoop& loop, Manager& manager, ImageStore& images, Volumes& volumes)
        : manager_(manager), images_(images), volumes_(volumes), jobs_(loop, "the archive process")
    {
    }

    // `snapshots`: the root's snapshots too (core/export_archive.h kSnapshotsPrefix); an import recreates them.
    Result<> export_container(const std::string& name, UniqueFd fd, ArchiveFormat format, bool snapshots,
                              Done done);
    // `name` empty: the name the archive records. `pool` empty: the recorded pool if it exists here, else the
    // default pool.
    Result<> import_container(UniqueFd fd, const std::string& name, const std::string& pool, DonePath done);
    Result<> export_volume(const std::string& volume, UniqueFd fd, ArchiveFormat format, Done done);
    // The recorded size limit is applied again unless `ignore_size` (NotSupported on a pool without quotas).
    Result<> import_volume(UniqueFd fd, const std::string& volume, bool ignore_size, DonePath done);

private:
    // Fork `work` (its payload goes to `finish`), one job per container or volume at a time.
    Result<> run(const std::string& key, const ChildJobs::Work& work, ChildJobs::Finish finish);

    Manager& manager_;
    ImageStore& images_;
    Volumes& volumes_;
    ChildJobs jobs_;   // keys "container:NAME" / "volume:POOL/NAME"
    uint64_t unnamed_imports_ = 0;   // keys of imports that take the archive's name, known only in the child
};

}  // namespace berth::daemon
