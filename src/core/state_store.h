// Persistent container definitions: one TOML file per container in STATE_DIR/containers/, written atomically.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "base/fs.h"
#include "core/spec.h"

namespace berth {

class StateStore {
public:
    explicit StateStore(std::string state_dir);

    // Creates STATE_DIR/containers (0700) if needed.
    Result<> init();
    // Every definition. A file that does not parse is reported in `broken` (path + reason) and skipped, so one
    // bad file never hides the others.
    Result<std::vector<ContainerSpec>> load_all(std::vector<std::string>* broken = nullptr) const;
    // The definition of an ephemeral container that removes itself is written without fsync (see
    // durability_of): a power cut ends the container and its volatile root with it.
    Result<> save(const ContainerSpec& spec) const;
    Result<> remove(const std::string& name, Durability durability = Durability::Durable) const;
    std::string path_of(const std::string& name) const;

private:
    std::string dir_;
};

// Volatile for ephemeral auto-remove containers (run --rm): nothing of them may outlive a reboot anyway, and
// their two fsyncs (file and directory) were a large part of run --rm's time on a busy disk.
inline Durability durability_of(const ContainerSpec& spec)
{
    return spec.ephemeral && spec.auto_remove ? Durability::Volatile : Durability::Durable;
}

}  // namespace berth
