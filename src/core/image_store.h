// The directory pool (STATE_DIR/pools/default): read-only images stored unshifted, and one root per container,
// a copy of its image. Later pool drivers (btrfs) replace the copy with a CoW clone behind the same calls.
//
// Layout:  POOL/images/NAME/rootfs/    POOL/images/NAME/image.toml (origin, created_at, size)
//          POOL/containers/NAME/rootfs/
//          POOL/.tmp/                  work dirs of unfinished operations; emptied by init()
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/error.h"

namespace berth {

struct ImageInfo {
    std::string name;
    std::string origin;   // "builtin" or "import"
    uint64_t size = 0;    // bytes on disk
    uint64_t created_at = 0;  // usec since the epoch
};

class ImageStore {
public:
    explicit ImageStore(std::string pool_dir);

    // Create the layout and remove what an interrupted operation left in .tmp.
    Result<> init();

    Result<std::vector<ImageInfo>> list() const;
    Result<ImageInfo> get(const std::string& name) const;  // NoSuchImage when missing
    bool exists(const std::string& name) const;
    std::string image_root(const std::string& name) const;

    // Build the image "busybox" from a static busybox binary if it does not exist yet: directory skeleton,
    // the binary and a symlink per applet, /etc/os-release, passwd, group, inittab, hostname, resolv.conf.
    Result<> ensure_busybox_image(const std::string& busybox_path, const std::string& name = "busybox");

    // Extract a root file system tarball (plain, gz, xz, zstd; detected from content) read from `fd` into a new
    // image `name`, atomically: extracted under .tmp, then renamed. Owners, modes, times and xattrs are kept;
    // absolute paths, ".." and links out of the tree are refused; device nodes are skipped. A corrupt or
    // truncated archive gives InvalidArgument and leaves nothing behind. AlreadyExists if `name` exists.
    // Blocking: the daemon runs it in a child process.
    Result<ImageInfo> import_tarball(int fd, const std::string& name);
    Result<> remove_image(const std::string& name);

    // A container's root: a copy of the image made under .tmp and renamed into place (nothing half-made).
    Result<> create_container_root(const std::string& image, const std::string& container);
    std::string container_root(const std::string& container) const;
    bool container_root_exists(const std::string& container) const;
    // Names of the containers that have a root in this pool.
    std::vector<std::string> container_root_names() const;
    Result<> remove_container_root(const std::string& container);
    // One-time shift where idmapped mounts are refused: add `base` to the uid and gid of every file (lchown).
    // `size` is the container's id range; see core/id_shift.h for ids beyond it, setuid bits and capabilities.
    Result<> shift_container_root(const std::string& container, uint32_t base, uint32_t size = 65536);

private:
    Result<ImageInfo> install_image(const std::string& name, const std::string& origin,
                                    const std::function<Result<>(const std::string&)>& fill);
    std::string dir_;
};

}  // namespace berth
