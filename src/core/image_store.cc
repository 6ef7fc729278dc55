#include "core/image_store.h"


#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include <toml++/toml.h>

#include "base/fs.h"
#include "base/names.h"
#include "base/reverter.h"
#include "core/archive_import.h"
#include "core/busybox_image.h"
#include "core/id_shift.h"
#include "core/storage/dir_driver.h"
#include "core/storage/pool_registry.h"

namespace berth {

namespace {

constexpr char kMetadataFile[] = "image.toml";

uint64_t now_usec()
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

std::string parent_of(const std::string& path)
{
    return path.substr(0, path.rfind('/'));
}

std::string toml_quote(const std::string& s)
{
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (static_cast<unsigned char>(c) >= 0x20)
            out += c;
    }
    return out + "\"";
}

std::string metadata_text(const ImageInfo& info)
{
    return "# berth image metadata (written by berthd)\n"
           "origin = " + toml_quote(info.origin) + "\n"
           "created_at = " + std::to_string(info.created_at) + "  # usec since the epoch\n"
           "size = " + std::to_string(info.size) + "  # bytes on disk\n";
}

// Fill what image.toml says into `info`; a missing, unreadable or broken file leaves the defaults (the image is
// still listed), and each field is taken only if it has the right type.
bool read_metadata(const std::string& path, ImageInfo& info)
{
    auto text = read_file(path);
    if (!text)
        return false;
    try {
        toml::table table = toml::parse(*text, path);
        if (auto origin = table["origin"].value<std::string>())
            info.origin = *origin;
        if (auto created = table["created_at"].value<int64_t>(); created && *created >= 0)
            info.created_at = static_cast<uint64_t>(*created);
        auto size = table["size"].value<int64_t>();
        if (size && *size >= 0) {
            info.size = static_cast<uint64_t>(*size);
            return true;
        }
    } catch (const std::exception&) {
    }
    return false;
}

}  // namespace

ImageStore::ImageStore(std::string pool_dir)
    : own_(std::make_unique<DirDriver>(PoolConfig{"default", "dir", "", 0, std::move(pool_dir), 0}))
{
}

ImageStore::ImageStore(Pools& pools) : pools_(&pools) {}

ImageStore::~ImageStore() = default;

StorageDriver& ImageStore::home() const
{
    return pools_ ? pools_->default_pool() : *own_;
}

std::string ImageStore::default_pool_name() const
{
    return pools_ ? pools_->default_name() : own_->config().name;
}

Result<StorageDriver*> ImageStore::pool(const std::string& name) const
{
    if (name.empty() || name == default_pool_name())
        return &home();
    if (!pools_)
        return fail(ErrorKind::NoSuchPool, "no storage pool named '" + name + "'");
    return pools_->get(name);
}

std::vector<StorageDriver*> ImageStore::all_pools() const
{
    std::vector<StorageDriver*> out{&home()};
    if (pools_)
        for (const auto& name : pools_->names())
            if (auto p = pools_->get(name); p && *p != &home())
                out.push_back(*p);
    return out;
}

StorageDriver* ImageStore::image_pool(const std::string& name) const
{
    for (StorageDriver* p : all_pools())
        if (p->volume_exists(VolumeKind::Image, name))
            return p;
    return nullptr;
}

std::vector<std::string> ImageStore::image_pools(const std::string& name) const
{
    std::vector<std::string> out;
    for (StorageDriver* p : all_pools())
        if (p->volume_exists(VolumeKind::Image, name)) {
            auto meta = read_file(parent_of(p->volume_path(VolumeKind::Image, name)) + "/" + kMetadataFile);
            if (!meta || meta->find("cached = true") == std::string::npos)
                out.push_back(p->config().name);
        }
    return out;
}

std::string ImageStore::image_root(const std::string& name) const
{
    StorageDriver* p = image_pool(name);
    return (p ? *p : home()).volume_path(VolumeKind::Image, name);
}

std::string ImageStore::container_root(const std::string& container) const
{
    auto p = container_pool(container);
    return (p ? **p : home()).volume_path(VolumeKind::Container, container);
}

Result<StorageDriver*> ImageStore::container_pool(const std::string& container) const
{
    for (StorageDriver* p : all_pools())
        if (p->volume_exists(VolumeKind::Container, container))
            return p;
    return fail(ErrorKind::NoSuchContainer, "container '" + container + "' has no root file system");
}

Result<> ImageStore::init()
{
    if (own_) {
        BERTH_TRY(make_dirs(own_->config().root, 0711));
        return own_->mount();
    }
    return {};
}

bool ImageStore::exists(const std::string& name) const
{
    return validate_name(name, "image name").has_value() && image_pool(name) != nullptr;
}

Result<ImageInfo> ImageStore::get(const std::string& name) const
{
    BERTH_TRY(validate_name(name, "image name"));
    StorageDriver* p = image_pool(name);
    if (!p)
        return fail(ErrorKind::NoSuchImage, "no image named '" + name + "'");
    const std::string rootfs = p->volume_path(VolumeKind::Image, name);
    const std::string dir = parent_of(rootfs);
    struct stat st;
    if (lstat(dir.c_str(), &st) < 0)
        return fail(ErrorKind::NoSuchImage, "no image named '" + name + "'");
    ImageInfo info;
    info.name = name;
    info.origin = "unknown";
    info.created_at = static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000u + st.st_mtim.tv_nsec / 1000u;
    if (!read_metadata(dir + "/" + kMetadataFile, info))
        info.size = tree_disk_usage(rootfs).value_or(0);
    return info;
}

Result<std::vector<ImageInfo>> ImageStore::list() const
{
    std::vector<ImageInfo> images;
    std::vector<std::string> seen;
    for (StorageDriver* p : all_pools()) {
        auto names = p->list_volumes(VolumeKind::Image);
        if (!names)
            continue;
        for (const auto& name : *names) {
            if (!validate_name(name, "image name") || std::find(seen.begin(), seen.end(), name) != seen.end())
                continue;
            seen.push_back(name);
            if (auto info = get(name))
                images.push_back(std::move(*info));
        }
    }
    std::sort(images.begin(), images.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return images;
}

// Build a new image volume with `fill` in the default pool; it is whole or absent, then read-only.
Result<ImageInfo> ImageStore::install_image(const std::string& name, const std::string& origin,
                                            const std::function<Result<>(const std::string&)>& fill)
{
    BERTH_TRY(validate_name(name, "image name"));
    if (exists(name))
        return fail(ErrorKind::AlreadyExists, "image '" + name + "' already exists");
    StorageDriver& pool = home();
    ImageInfo info{name, origin, 0, now_usec()};
    BERTH_TRY(pool.create_volume_from(VolumeKind::Image, name, [&](const std::string& rootfs) -> Result<> {
        if (chmod(rootfs.c_str(), 0755) < 0)
            return fail_errno("chmod " + rootfs);
        BERTH_TRY(fill(rootfs));
        info.size = BERTH_TRY(tree_disk_usage(rootfs));
        return {};
    }));
    Reverter revert;
    revert.add([&pool, name] { (void)pool.delete_volume(VolumeKind::Image, name); });
    const std::string dir = parent_of(pool.volume_path(VolumeKind::Image, name));
    BERTH_TRY(write_file_atomic(dir + "/" + kMetadataFile, metadata_text(info)));
    revert.add([dir] { unlink((dir + "/" + kMetadataFile).c_str()); });
    BERTH_TRY(pool.set_read_only(VolumeKind::Image, name, true));
    revert.success();
    return info;
}

Result<> ImageStore::ensure_busybox_image(const std::string& busybox_path, const std::string& name)
{
    BERTH_TRY(validate_name(name, "image name"));
    if (exists(name))
        return {};  // the fast path taken at every daemon start
    auto installed = install_image(name, "builtin", [&](const std::string& rootfs) -> Result<> {
        auto built = build_busybox_tree(busybox_path, rootfs);
        if (!built)
            return fail(std::move(built).error().context("build image " + name));
        return {};
    });
    if (!installed && installed.error().kind == ErrorKind::AlreadyExists)
        return {};  // made concurrently: same content, keep theirs
    if (!installed)
        return fail(std::move(installed).error());
    return {};
}

Result<ImageInfo> ImageStore::import_tarball(int fd, const std::string& name)
{
    BERTH_TRY(validate_name(name, "image name"));
    if (exists(name))
        return fail(ErrorKind::AlreadyExists, "image '" + name + "' already exists");
    return install_image(name, "import", [&](const std::string& rootfs) -> Result<> {
        auto extracted = extract_tarball(fd, rootfs);
        if (!extracted)
            return fail(std::move(extracted).error().context("import image " + name));
        return {};
    });
}

Result<> ImageStore::remove_image(const std::string& name)
{
    BERTH_TRY(validate_name(name, "image name"));
    if (!exists(name))
        return fail(ErrorKind::NoSuchImage, "no image named '" + name + "'");
    for (StorageDriver* p : all_pools()) {
        if (!p->volume_exists(VolumeKind::Image, name))
            continue;
        const std::string dir = parent_of(p->volume_path(VolumeKind::Image, name));
        auto r = p->delete_volume(VolumeKind::Image, name);
        if (!r)
            return fail(std::move(r).error().context("remove image " + name));
        unlink((dir + "/" + kMetadataFile).c_str());
        rmdir(dir.c_str());
    }
    return {};
}

std::vector<std::string> ImageStore::container_root_names() const
{
    std::vector<std::string> out;
    for (StorageDriver* p : all_pools())
        if (auto names = p->list_volumes(VolumeKind::Container))
            out.insert(out.end(), names->begin(), names->end());
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

bool ImageStore::container_root_exists(const std::string& container) const
{
    return validate_name(container, "container name").has_value() && container_pool(container).has_value();
}

// A cached copy of an image that lives in another pool, marked so that removing this pool does not count it.
Result<> ImageStore::copy_image_into(const std::string& image, StorageDriver& target)
{
    StorageDriver* source = image_pool(image);
    if (!source)
        return fail(ErrorKind::NoSuchImage, "no image named '" + image + "'");
    const std::string from = source->volume_path(VolumeKind::Image, image);
    BERTH_TRY(target.create_volume_from(VolumeKind::Image, image, [&](const std::string& path) -> Result<> {
        return copy_tree_into(from, path);
    }));
    Reverter revert;
    revert.add([&target, image] { (void)target.delete_volume(VolumeKind::Image, image); });
    ImageInfo info = BERTH_TRY(get(image));
    const std::string dir = parent_of(target.volume_path(VolumeKind::Image, image));
    BERTH_TRY(write_file_atomic(dir + "/" + kMetadataFile,
                                metadata_text(info) + "cached = true  # a copy of the image kept in pool '" +
                                    source->config().name + "'\n"));
    revert.add([dir] { unlink((dir + "/" + kMetadataFile).c_str()); });
    BERTH_TRY(target.set_read_only(VolumeKind::Image, image, true));
    revert.success();
    return {};
}

Result<> ImageStore::create_container_root(const std::string& image, const std::string& container,
                                           const std::string& pool_name)
{
    BERTH_TRY(validate_name(image, "image name"));
    BERTH_TRY(validate_name(container, "container name"));
    if (!exists(image))
        return fail(ErrorKind::NoSuchImage, "no image named '" + image + "'");
    if (container_root_exists(container))
        return fail(ErrorKind::AlreadyExists, "container '" + container + "' already has a root file system");
    StorageDriver* target = BERTH_TRY(pool(pool_name));
    if (!target->volume_exists(VolumeKind::Image, image)) {
        auto copied = copy_image_into(image, *target);
        if (!copied)
            return fail(std::move(copied).error().context("copy image " + image + " into pool " +
                                                          target->config().name));
    }
    auto cloned = target->clone_volume(VolumeKind::Image, image, VolumeKind::Container, container);
    if (!cloned)
        return fail(std::move(cloned).error().context("copy image " + image + " for container " + container));
    return {};
}

Result<> ImageStore::remove_container_root(const std::string& container)
{
    BERTH_TRY(validate_name(container, "container name"));
    for (StorageDriver* p : all_pools()) {
        if (!p->volume_exists(VolumeKind::Container, container))
            continue;
        auto r = p->delete_volume(VolumeKind::Container, container);
        if (!r)
            return fail(std::move(r).error().context("remove root file system of container " + container));
    }
    return {};
}

Result<> ImageStore::check_container_pool(const std::string& pool_name, uint64_t disk) const
{
    StorageDriver* p = BERTH_TRY(pool(pool_name));
    if (disk && !p->capabilities().quotas)
        return fail(ErrorKind::NotSupported,
                    "--disk needs a pool with quotas: pool '" + p->config().name + "' uses the " +
                        p->config().driver + " driver, which cannot limit disk use (use a btrfs pool: "
                        "berthctl pool create NAME --driver btrfs --size SIZE, then create --pool NAME)");
    return {};
}

Result<> ImageStore::set_container_quota(const std::string& container, uint64_t bytes)
{
    StorageDriver* p = BERTH_TRY(container_pool(container));
    auto r = p->set_quota(VolumeKind::Container, container, bytes);
    if (!r)
        return fail(std::move(r).error().context("disk limit of container " + container));
    return {};
}

Result<> ImageStore::shift_container_root(const std::string& container, uint32_t base, uint32_t size)
{
    BERTH_TRY(validate_name(container, "container name"));
    if (!container_root_exists(container))
        return fail(ErrorKind::NoSuchContainer, "container '" + container + "' has no root file system");
    return shift_tree_ids(container_root(container), base, size);
}

}  // namespace berth
