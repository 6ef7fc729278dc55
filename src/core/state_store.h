// Persistent container definitions: one TOML file per container in STATE_DIR/containers/, written atomically.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
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
    Result<> save(const ContainerSpec& spec) const;
    Result<> remove(const std::string& name) const;
    std::string path_of(const std::string& name) const;

private:
    std::string dir_;
};

}  // namespace berth
