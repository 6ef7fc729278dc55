// The export archive of a container or volume (berthctl export / volume export), written and read with
// libarchive (pax tar; zstd, gzip, xz or no compression). Layout:
//   berth/definition.toml   (container: the spec, as berth.container(5))  or  berth/volume.toml (volume)
//   rootfs/...              (container root)                               or  data/...
// The header file comes first, so an import knows what it reads before any data. Owners are numeric and as the
// container sees them (a shifted root is unshifted on the way out); modes, times, xattrs, ACLs and hard links are
// kept; nothing is followed across mount points.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/enum_table.h"
#include "base/error.h"

struct archive;  // libarchive

namespace berth {

enum class ArchiveFormat { Tar, TarGz, TarXz, TarZstd };
inline constexpr EnumTable<ArchiveFormat, 4> kArchiveFormatTable{{
    {ArchiveFormat::Tar, "tar"},
    {ArchiveFormat::TarGz, "tar.gz"},
    {ArchiveFormat::TarXz, "tar.xz"},
    {ArchiveFormat::TarZstd, "tar.zst"},
}};
// InvalidArgument naming the known formats.
Result<ArchiveFormat> parse_archive_format(std::string_view text);

inline constexpr const char* kDefinitionEntry = "berth/definition.toml";
inline constexpr const char* kVolumeEntry = "berth/volume.toml";
inline constexpr const char* kRootfsPrefix = "rootfs";
inline constexpr const char* kDataPrefix = "data";
// With --snapshots: snapshots/SNAP/... per snapshot, after rootfs/, and the header starts with this comment
// line naming them oldest first ("# berth snapshots: a b"), so an import knows before reading any data.
inline constexpr const char* kSnapshotsPrefix = "snapshots";
inline constexpr const char* kSnapshotsLine = "# berth snapshots:";

struct ExportSource {
    std::string header_name;   // kDefinitionEntry or kVolumeEntry
    std::string header;        // its text
    std::string tree;          // host path of the tree
    std::string prefix;        // kRootfsPrefix or kDataPrefix
    uint32_t shift_base = 0;   // owners in [shift_base, shift_base + shift_size) are written minus shift_base
    uint32_t shift_size = 0;   // 0: owners as they are
    std::vector<std::pair<std::string, std::string>> more;   // (prefix, host path) trees written after `tree`
};

// Write the archive to fd (a pipe or file). Failed with errno (EPIPE when the reader went away).
Result<> write_export_archive(int fd, ArchiveFormat format, const ExportSource& source);

// On a reader from open_tar_reader (core/archive_import.h): the first entry must be `header_name`; returns its
// text. The caller then extracts the rest with extract_open_archive(in, dest, prefix).
Result<std::string> read_export_header(::archive* in, const std::string& header_name);

}  // namespace berth
