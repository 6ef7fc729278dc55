#include "core/image_store.h"


#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include <toml++/toml.h>

#include "base/fs.h"
#include "base/names.h"
#include "base/reverter.h"
#include "core/archive_import.h"
#include "core/busybox_image.h"
#include "core/id_shift.h"

namespace berth {

namespace {

constexpr char kMetadataFile[] = "image.toml";

uint64_t now_usec()
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

bool is_dir(const std::string& path)
{
    struct stat st;
    return lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
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

// Rename `from` onto a fresh empty directory in `tmp` (rename replaces an empty directory), then delete it:
// the object disappears from view in one step, and a crash leaves only .tmp debris for init() to clear.
Result<> retire_and_remove(const std::string& from, const std::string& tmp, const std::string& prefix)
{
    std::string tmpl = tmp + "/" + prefix + "-XXXXXX";
    if (!mkdtemp(tmpl.data()))
        return fail_errno("create work directory in " + tmp);
    if (rename(from.c_str(), tmpl.c_str()) < 0) {
        int saved = errno;
        rmdir(tmpl.c_str());
        return fail_errno(saved, "move " + from + " out of the way");
    }
    return remove_tree(tmpl);
}

}  // namespace

ImageStore::ImageStore(std::string pool_dir) : dir_(std::move(pool_dir)) {}

std::string ImageStore::image_root(const std::string& name) const
{
    return dir_ + "/images/" + name + "/rootfs";
}

std::string ImageStore::container_root(const std::string& container) const
{
    return dir_ + "/containers/" + container + "/rootfs";
}

Result<> ImageStore::init()
{
    for (const char* sub : {"/images", "/containers", "/.tmp"})
        BERTH_TRY(make_dirs(dir_ + sub, 0700));
    const std::string tmp = dir_ + "/.tmp";
    auto leftovers = BERTH_TRY(list_dir(tmp));
    for (const auto& name : leftovers) {
        auto r = remove_tree(tmp + "/" + name);
        if (!r)
            return fail(std::move(r).error().context("clear interrupted operation in " + tmp));
    }
    return {};
}

bool ImageStore::exists(const std::string& name) const
{
    return validate_name(name, "image name").has_value() && is_dir(image_root(name));
}

Result<ImageInfo> ImageStore::get(const std::string& name) const
{
    BERTH_TRY(validate_name(name, "image name"));
    const std::string dir = dir_ + "/images/" + name;
    struct stat st;
    if (!is_dir(dir + "/rootfs") || lstat(dir.c_str(), &st) < 0)
        return fail(ErrorKind::NoSuchImage, "no image named '" + name + "'");
    ImageInfo info;
    info.name = name;
    info.origin = "unknown";
    info.created_at = static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000u + st.st_mtim.tv_nsec / 1000u;
    if (!read_metadata(dir + "/" + kMetadataFile, info))
        info.size = tree_disk_usage(dir + "/rootfs").value_or(0);
    return info;
}

Result<std::vector<ImageInfo>> ImageStore::list() const
{
    std::vector<ImageInfo> images;
    const std::string dir = dir_ + "/images";
    if (!path_exists(dir))
        return images;
    auto names = BERTH_TRY(list_dir(dir));
    for (const auto& name : names) {
        if (!exists(name))
            continue;  // not an image: a stray file or a name we would never have made
        if (auto info = get(name))
            images.push_back(std::move(*info));
    }
    return images;
}

// Build a new image under .tmp with `fill` and rename it into place, so an image is either whole or absent.
Result<ImageInfo> ImageStore::install_image(const std::string& name, const std::string& origin,
                                            const std::function<Result<>(const std::string&)>& fill)
{
    for (const char* sub : {"/images", "/.tmp"})
        BERTH_TRY(make_dirs(dir_ + sub, 0700));
    std::string work = dir_ + "/.tmp/" + origin + "-" + name + "-XXXXXX";
    if (!mkdtemp(work.data()))
        return fail_errno("create work directory for image " + name);
    Reverter revert;
    revert.add([work] { (void)remove_tree(work); });
    const std::string rootfs = work + "/rootfs";
    if (chmod(work.c_str(), 0755) < 0 || mkdir(rootfs.c_str(), 0755) < 0)
        return fail_errno("create " + rootfs);

    BERTH_TRY(fill(rootfs));
    ImageInfo info{name, origin, BERTH_TRY(tree_disk_usage(rootfs)), now_usec()};
    BERTH_TRY(write_file_atomic(work + "/" + kMetadataFile, metadata_text(info)));
    if (rename(work.c_str(), (dir_ + "/images/" + name).c_str()) < 0) {
        if (errno == EEXIST || errno == ENOTEMPTY)
            return fail(ErrorKind::AlreadyExists, "image '" + name + "' already exists");
        return fail_errno("install image " + name);
    }
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
    auto r = retire_and_remove(dir_ + "/images/" + name, dir_ + "/.tmp", "removing-" + name);
    if (!r)
        return fail(std::move(r).error().context("remove image " + name));
    return {};
}

std::vector<std::string> ImageStore::container_root_names() const
{
    auto names = list_dir(dir_ + "/containers");
    return names ? *names : std::vector<std::string>{};
}

bool ImageStore::container_root_exists(const std::string& container) const
{
    return validate_name(container, "container name").has_value() && is_dir(container_root(container));
}

Result<> ImageStore::create_container_root(const std::string& image, const std::string& container)
{
    BERTH_TRY(validate_name(image, "image name"));
    BERTH_TRY(validate_name(container, "container name"));
    if (!exists(image))
        return fail(ErrorKind::NoSuchImage, "no image named '" + image + "'");
    if (container_root_exists(container))
        return fail(ErrorKind::AlreadyExists, "container '" + container + "' already has a root file system");

    Reverter revert;
    // Only root on the host walks into containers/NAME (before the idmapped mount is made), so 0700.
    const std::string home = dir_ + "/containers/" + container;
    if (!path_exists(home)) {
        BERTH_TRY(make_dirs(home, 0700));
        revert.add([home] { rmdir(home.c_str()); });
    }
    BERTH_TRY(make_dirs(dir_ + "/.tmp", 0700));
    std::string work = dir_ + "/.tmp/create-" + container + "-XXXXXX";
    if (!mkdtemp(work.data()))
        return fail_errno("create work directory for container " + container);
    revert.add([work] { (void)remove_tree(work); });

    auto copied = copy_tree(image_root(image), work + "/rootfs");
    if (!copied)
        return fail(std::move(copied).error().context("copy image " + image + " for container " + container));
    if (rename((work + "/rootfs").c_str(), container_root(container).c_str()) < 0) {
        if (errno == EEXIST || errno == ENOTEMPTY)
            return fail(ErrorKind::AlreadyExists, "container '" + container + "' already has a root file system");
        return fail_errno("install root file system of container " + container);
    }
    rmdir(work.c_str());
    revert.success();
    return {};
}

Result<> ImageStore::remove_container_root(const std::string& container)
{
    BERTH_TRY(validate_name(container, "container name"));
    const std::string home = dir_ + "/containers/" + container;
    if (path_exists(container_root(container))) {
        BERTH_TRY(make_dirs(dir_ + "/.tmp", 0700));
        auto r = retire_and_remove(container_root(container), dir_ + "/.tmp", "removing-" + container);
        if (!r)
            return fail(std::move(r).error().context("remove root file system of container " + container));
    }
    rmdir(home.c_str());  // only if empty: anything else kept there is not ours to delete
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
