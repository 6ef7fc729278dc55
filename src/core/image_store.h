// Images and container roots, kept as volumes of the storage pools (core/storage): read-only images stored
// unshifted, and one root per container, a CoW clone of its image on btrfs and a copy on dir. Images are
// installed into the default pool and copied into another pool the first time a container there needs them
// (as Incus does); those cached copies go away with the image.
//
// Layout per pool:  POOL/images/NAME/rootfs/    POOL/images/NAME/image.toml (origin, created_at, size)
//                   POOL/containers/NAME/rootfs/
//                   POOL/.tmp/                  work dirs of unfinished operations; emptied by init()
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "core/storage/driver.h"

namespace berth {

class Pools;

struct ImageInfo {
    std::string name;
    std::string origin;   // "builtin" or "import"
    uint64_t size = 0;    // bytes on disk
    uint64_t created_at = 0;  // usec since the epoch
};

class ImageStore {
public:
    // A single dir pool at `pool_dir` (unit tests, tools).
    explicit ImageStore(std::string pool_dir);
    // The daemon's pools (initialized by Pools::init); images live in the default pool.
    explicit ImageStore(Pools& pools);
    ~ImageStore();

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

    // A container's root in `pool` ("" = the default pool): a clone of the image made under .tmp and renamed
    // into place (nothing half-made); the image is copied into `pool` first when it is not there yet.
    Result<> create_container_root(const std::string& image, const std::string& container,
                                   const std::string& pool = "");
    std::string container_root(const std::string& container) const;
    bool container_root_exists(const std::string& container) const;
    // Names of the containers that have a root in some pool.
    std::vector<std::string> container_root_names() const;
    // The pool holding the container's root (NoSuchContainer when none does).
    Result<StorageDriver*> container_pool(const std::string& container) const;
    // A pool by name ("" = the default pool); NoSuchPool.
    Result<StorageDriver*> pool(const std::string& name) const;
    std::string default_pool_name() const;
    Pools* pools() const { return pools_; }
    // NoSuchPool, or NotSupported when `disk` (bytes, 0 = none) is asked of a pool without quotas.
    Result<> check_container_pool(const std::string& pool, uint64_t disk) const;
    // Limit the container root's disk use (0 = none) by its pool's quota; NotSupported on dir.
    Result<> set_container_quota(const std::string& container, uint64_t bytes);
    // Pools that hold an image of this name as its only copy (not a cache of one kept elsewhere).
    std::vector<std::string> image_pools(const std::string& name) const;
    Result<> remove_container_root(const std::string& container);
    // One-time shift where idmapped mounts are refused: add `base` to the uid and gid of every file (lchown).
    // `size` is the container's id range; see core/id_shift.h for ids beyond it, setuid bits and capabilities.
    Result<> shift_container_root(const std::string& container, uint32_t base, uint32_t size = 65536);

    // Install a new image atomically: `fill` builds the tree in an empty directory under .tmp, which is renamed
    // into place only when it succeeded (nothing half-made). `origin` is shown by ListImages ("debian" for
    // `image build debian`). AlreadyExists if `name` exists.
    Result<ImageInfo> install_image(const std::string& name, const std::string& origin,
                                    const std::function<Result<>(const std::string&)>& fill);

private:
    std::vector<StorageDriver*> all_pools() const;  // the default pool first
    StorageDriver* image_pool(const std::string& name) const;  // where the image is read from, or nullptr
    StorageDriver& home() const;                               // where images are installed
    Result<> copy_image_into(const std::string& image, StorageDriver& target);

    std::unique_ptr<StorageDriver> own_;  // the single-directory form
    Pools* pools_ = nullptr;
};

}  // namespace berth
