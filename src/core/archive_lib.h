// libarchive for berthd, loaded on first use. Only image import, export and import need it, and they run in
// child processes berthd forks for them; linking it would keep it and what it pulls in (libxml2, ICU, nettle,
// libacl, bzip2, zlib: ~1.6 MB resident) mapped in the daemon for its whole life. As systemd does for its
// optional libraries, the library is dlopen()ed and each function looked up once into a sym_ pointer; the types
// and constants still come from the headers, so every call is checked against libarchive's prototypes.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include "base/error.h"

namespace berth {

// Every libarchive function core calls. A new call site adds its function here.
#define BERTH_CORE_ARCHIVE_FUNCTIONS(X) \
    X(archive_entry_clear) \
    X(archive_entry_filetype) \
    X(archive_entry_free) \
    X(archive_entry_gid) \
    X(archive_entry_hardlink) \
    X(archive_entry_linkify) \
    X(archive_entry_linkresolver_free) \
    X(archive_entry_linkresolver_new) \
    X(archive_entry_linkresolver_set_strategy) \
    X(archive_entry_new) \
    X(archive_entry_pathname) \
    X(archive_entry_set_filetype) \
    X(archive_entry_set_gid) \
    X(archive_entry_set_gname) \
    X(archive_entry_set_hardlink) \
    X(archive_entry_set_mtime) \
    X(archive_entry_set_pathname) \
    X(archive_entry_set_perm) \
    X(archive_entry_set_size) \
    X(archive_entry_set_uid) \
    X(archive_entry_set_uname) \
    X(archive_entry_size) \
    X(archive_entry_uid) \
    X(archive_errno) \
    X(archive_error_string) \
    X(archive_format) \
    X(archive_read_data) \
    X(archive_read_data_block) \
    X(archive_read_disk_descend) \
    X(archive_read_disk_new) \
    X(archive_read_disk_open) \
    X(archive_read_disk_set_behavior) \
    X(archive_read_disk_set_symlink_physical) \
    X(archive_read_free) \
    X(archive_read_new) \
    X(archive_read_next_header) \
    X(archive_read_next_header2) \
    X(archive_read_open_fd) \
    X(archive_read_support_filter_bzip2) \
    X(archive_read_support_filter_gzip) \
    X(archive_read_support_filter_lzma) \
    X(archive_read_support_filter_xz) \
    X(archive_read_support_filter_zstd) \
    X(archive_read_support_format_empty) \
    X(archive_read_support_format_gnutar) \
    X(archive_read_support_format_tar) \
    X(archive_write_add_filter_gzip) \
    X(archive_write_add_filter_none) \
    X(archive_write_add_filter_xz) \
    X(archive_write_add_filter_zstd) \
    X(archive_write_close) \
    X(archive_write_data) \
    X(archive_write_data_block) \
    X(archive_write_disk_new) \
    X(archive_write_disk_set_options) \
    X(archive_write_finish_entry) \
    X(archive_write_free) \
    X(archive_write_header) \
    X(archive_write_new) \
    X(archive_write_open_fd) \
    X(archive_write_set_bytes_in_last_block) \
    X(archive_write_set_format_pax_restricted)

#define BERTH_CORE_ARCHIVE_DECLARE(name) extern decltype(&::name) sym_##name;
BERTH_CORE_ARCHIVE_FUNCTIONS(BERTH_CORE_ARCHIVE_DECLARE)
#undef BERTH_CORE_ARCHIVE_DECLARE

// Loads libarchive into this process (once; it stays loaded) and fills every sym_ pointer. Fails with a message
// naming the library and the Debian package when it cannot be loaded or lacks a function. Called by each entry
// point before its first libarchive call.
Result<> dlopen_libarchive();

}  // namespace berth
