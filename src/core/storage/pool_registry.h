// The storage pools berthd knows: the built-in `dir` pool "default" at STATE_DIR/pools/default (always there; the
// layout of earlier versions) plus the pools made with CreatePool, each defined by STATE_DIR/storage/pools/NAME.toml
// and mounted again at daemon start. Single-threaded, like the Manager.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "core/storage/driver.h"

namespace berth {

class Pools {
public:
    // `default_pool`: the pool new containers and images go to when none is named ([storage] default_pool).
    Pools(std::string state_dir, std::string default_pool = "default");
    ~Pools();

    // Mount the built-in pool and every defined pool. A pool that cannot be mounted is kept but unavailable
    // (get() answers why); the returned warnings say which. Fails only when the default pool is unusable.
    Result<std::vector<std::string>> init();

    // Define, create and mount a new pool; nothing is left behind on failure. `config.root` is filled in:
    // the source directory, or STATE_DIR/pools/NAME (the mount point of a loop image, or a plain dir pool).
    // InvalidArgument for a bad name/driver/source/size, AlreadyExists.
    Result<StorageDriver*> create(PoolConfig config);
    // Unmount and delete a pool. The caller checks that nothing uses it (see Manager). InvalidState for the
    // built-in pool and the default pool.
    Result<> remove(const std::string& name);

    // NoSuchPool, or Failed with the reason a defined pool could not be mounted.
    Result<StorageDriver*> get(const std::string& name) const;
    bool exists(const std::string& name) const;
    std::vector<std::string> names() const;  // sorted, unavailable ones included
    const std::string& default_name() const { return default_name_; }
    StorageDriver& default_pool() const;     // valid after init() succeeded
    static constexpr const char* kBuiltinPool = "default";

    // Unmount every pool (loop-backed pools detach their loop device); used at shutdown and by tests.
    void unmount_all();

private:
    std::string config_dir() const;  // STATE_DIR/storage/pools
    Result<> persist(const PoolConfig& config) const;

    struct Entry {
        std::unique_ptr<StorageDriver> driver;
        std::string error;  // why it is unavailable; "" when mounted
    };
    std::string state_dir_;
    std::string default_name_;
    std::map<std::string, Entry> pools_;
};

// TOML of a pool definition (also what ListPools reports as Source/Size).
std::string pool_config_to_toml(const PoolConfig& config);
Result<PoolConfig> parse_pool_config(std::string_view text, std::string_view origin);

}  // namespace berth
