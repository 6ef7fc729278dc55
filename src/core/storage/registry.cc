// The name -> factory map of storage drivers, with the built-in ones registered on first use.
#include <map>
#include <mutex>

#include "core/storage/btrfs_driver.h"
#include "core/storage/dir_driver.h"
#include "core/storage/driver.h"

namespace berth {

namespace {

std::map<std::string, StorageDriverFactory>& factories()
{
    static std::map<std::string, StorageDriverFactory> map = [] {
        std::map<std::string, StorageDriverFactory> m;
        m["dir"] = [](const PoolConfig& c) -> std::unique_ptr<StorageDriver> { return std::make_unique<DirDriver>(c); };
        m["btrfs"] = [](const PoolConfig& c) -> std::unique_ptr<StorageDriver> {
            return std::make_unique<BtrfsDriver>(c);
        };
        return m;
    }();
    return map;
}

}  // namespace

void register_storage_driver(const std::string& name, StorageDriverFactory factory)
{
    factories()[name] = std::move(factory);
}

std::vector<std::string> storage_driver_names()
{
    std::vector<std::string> names;
    for (const auto& [name, _] : factories())
        names.push_back(name);
    return names;
}

Result<std::unique_ptr<StorageDriver>> make_storage_driver(const PoolConfig& config)
{
    auto it = factories().find(config.driver);
    if (it == factories().end()) {
        std::string known;
        for (const auto& name : storage_driver_names())
            known += (known.empty() ? "" : ", ") + name;
        return fail(ErrorKind::InvalidArgument,
                    "unknown storage driver '" + config.driver + "' (known drivers: " + known + ")");
    }
    return it->second(config);
}

std::string volume_kind_dir(VolumeKind kind)
{
    switch (kind) {
    case VolumeKind::Image: return "images";
    case VolumeKind::Container: return "containers";
    case VolumeKind::Custom: return "custom";
    }
    return "custom";
}

std::string volume_leaf_name(VolumeKind kind)
{
    return kind == VolumeKind::Custom ? "data" : "rootfs";
}

}  // namespace berth
