// Safe extraction of a root file system tarball with libarchive (never the tar program).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/error.h"

struct archive;  // libarchive

namespace berth {

struct ExtractStats {
    uint64_t entries = 0;          // every entry read, skipped ones included
    uint64_t devices_skipped = 0;  // char/block nodes (and sockets): the container gets its own /dev
};

// Extract the tar archive read from `fd` (plain, gzip, bzip2, xz, lzma or zstd, detected from content) into
// `rootfs`, an existing empty directory. Owners (numeric, never looked up by name), modes, times, xattrs and ACLs
// are kept. A leading "./" is stripped; entries with absolute paths or ".." (names or hard link targets) and
// entries that would be written through a symlink are refused with InvalidArgument; device nodes are skipped.
// A corrupt, truncated or non-tar input, and an archive without entries, give InvalidArgument. On error the caller
// removes `rootfs` (whatever was extracted so far is left in it).
//
// Only tar is accepted: libarchive's other readers include mtree, whose entries may name files on the host.
// The process's working directory is changed during the call (libarchive's path checks are relative to it) and
// restored before return; the daemon runs this in a child process.
Result<ExtractStats> extract_tarball(int fd, const std::string& rootfs);

// The pieces of extract_tarball for formats that carry more than a tree (export archives, core/export_archive.h):
// a tar reader on fd with the filters above, and the extraction loop on a reader whose first entries the caller
// has consumed already. With `prefix` ("rootfs"), only entries below PREFIX/ are extracted (the prefix removed);
// any other entry is refused.
using ArchiveReadHandle = std::unique_ptr<::archive, int (*)(::archive*)>;
Result<ArchiveReadHandle> open_tar_reader(int fd);
Result<ExtractStats> extract_open_archive(::archive* in, const std::string& rootfs,
                                          const std::string& prefix = {});

}  // namespace berth
