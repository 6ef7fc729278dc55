// libarchive for berthctl, loaded on first use. Only copy-to and copy-from need it, and linking it would make
// every berthctl command pay for loading it and what it pulls in (libxml2, ICU, nettle, ...): ~0.6 ms per run.
// As systemd does for its optional libraries, the library is dlopen()ed and each function looked up once; the
// types and constants still come from the headers, so calls are checked against libarchive's prototypes.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "base/error.h"

namespace berth::ctl {

// Every libarchive function berthctl calls. A new call site adds its function here.
#define BERTH_ARCHIVE_FUNCTIONS(X)                                                                                 \
    X(archive_error_string)                                                                                        \
    X(archive_read_new)                                                                                            \
    X(archive_read_free)                                                                                           \
    X(archive_read_support_format_tar)                                                                             \
    X(archive_read_open_fd)                                                                                        \
    X(archive_read_next_header)                                                                                    \
    X(archive_read_next_header2)                                                                                   \
    X(archive_read_data_block)                                                                                     \
    X(archive_read_disk_new)                                                                                       \
    X(archive_read_disk_set_symlink_hybrid)                                                                        \
    X(archive_read_disk_set_behavior)                                                                              \
    X(archive_read_disk_open)                                                                                      \
    X(archive_read_disk_can_descend)                                                                               \
    X(archive_read_disk_descend)                                                                                   \
    X(archive_write_new)                                                                                           \
    X(archive_write_free)                                                                                          \
    X(archive_write_set_format_pax_restricted)                                                                     \
    X(archive_write_set_bytes_in_last_block)                                                                       \
    X(archive_write_open_fd)                                                                                       \
    X(archive_write_header)                                                                                        \
    X(archive_write_data)                                                                                          \
    X(archive_write_close)                                                                                         \
    X(archive_write_disk_new)                                                                                      \
    X(archive_write_disk_set_options)                                                                              \
    X(archive_write_data_block)                                                                                    \
    X(archive_write_finish_entry)                                                                                  \
    X(archive_entry_new)                                                                                           \
    X(archive_entry_free)                                                                                          \
    X(archive_entry_clear)                                                                                         \
    X(archive_entry_pathname)                                                                                      \
    X(archive_entry_set_pathname)                                                                                  \
    X(archive_entry_filetype)                                                                                      \
    X(archive_entry_size)

// Pointers to the functions above, named like them.
struct ArchiveLib {
#define BERTH_ARCHIVE_MEMBER(name) decltype(&::name) name = nullptr;
    BERTH_ARCHIVE_FUNCTIONS(BERTH_ARCHIVE_MEMBER)
#undef BERTH_ARCHIVE_MEMBER
};

// Loads libarchive (once per process; it stays loaded). Fails with a message naming the library and the
// Debian package when it cannot be loaded or lacks a function.
Result<const ArchiveLib*> load_archive_lib();

// The library loaded by an earlier successful load_archive_lib(), e.g. for deleters of its handles.
const ArchiveLib& archive_lib();

}  // namespace berth::ctl
