// Custom volumes: persistent data kept in a storage pool (ROOT/custom/NAME/data), named "POOL/NAME", stored
// unshifted (owned by 0.. on disk) and mounted idmapped into each container they are attached to. Which
// containers use a volume is read from their definitions (Manager::volume_users), not stored twice.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "core/storage/driver.h"

namespace berth {

class Pools;

struct VolumeRef {
    std::string pool;
    std::string name;
    std::string full() const { return pool + "/" + name; }
};

struct VolumeStatus {
    VolumeRef ref;
    std::string path;      // host path of the data
    uint64_t used = 0;     // bytes
    uint64_t size = 0;     // quota in bytes, 0 = none
};

// "POOL/NAME" with both valid names; InvalidArgument otherwise.
Result<VolumeRef> parse_volume_ref(const std::string& text);

class VolumeStore {
public:
    explicit VolumeStore(Pools& pools) : pools_(pools) {}

    // An empty volume (root-owned 0755), limited to `size` bytes when non-zero (NotSupported where the pool's
    // driver has no quotas: nothing is left behind). AlreadyExists, NoSuchPool.
    Result<VolumeStatus> create(const VolumeRef& ref, uint64_t size);
    // A new volume filled by `fill(path)` (an import), then limited to `size` bytes when non-zero; whole or
    // absent. NotSupported (checked before `fill` runs) for a size on a pool without quotas.
    Result<VolumeStatus> create_from(const VolumeRef& ref, const std::function<Result<>(const std::string&)>& fill,
                                     uint64_t size = 0);
    // The caller checks that no container uses it.
    Result<> remove(const VolumeRef& ref);
    Result<VolumeStatus> status(const VolumeRef& ref) const;
    // Every volume of every available pool, sorted by pool, then name.
    std::vector<VolumeStatus> list() const;
    // The host path of an existing volume's data (for mounting); "no such volume" is InvalidArgument.
    Result<std::string> path(const std::string& volume) const;

private:
    Result<StorageDriver*> pool(const VolumeRef& ref) const;
    Pools& pools_;
};

}  // namespace berth
