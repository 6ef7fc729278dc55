// berthd's own configuration, /etc/berth/berthd.toml. Every key is documented in config/berthd.toml.
#pragma once

#include <cstdint>
#include <string>

#include "base/error.h"
#include "core/limits.h"

namespace berth {

struct DaemonConfig {
    std::string state_dir;    // [paths] state = "/var/lib/berth"
    std::string runtime_dir;  // [paths] runtime = "/run/berth"
    uint32_t idmap_first = 524288;       // [idmap] first = first host id berth may hand out
    uint32_t idmap_count = 65536 * 1000; // [idmap] count = how many host ids berth may hand out
    uint32_t idmap_size = 65536;         // [idmap] size = ids per container
    Limits default_limits;    // [defaults] memory_max = "1G", memory_high, cpus, cpu_weight, tasks_max, io_weight
    std::string default_image = "busybox";  // [defaults] image
    uint32_t stop_timeout_sec = 30;         // [defaults] stop_timeout = seconds PowerOff waits before terminating
    std::string definitions_dir;  // [paths] definitions = declarative container definitions, applied at start
    std::string profiles_dir;     // [paths] profiles = profiles that definitions inherit from
    std::string spawn_path;    // [paths] spawn = path of berth-spawn (default: the built-in libexec path)
    std::string default_pool = "default";  // [storage] default_pool = pool of new containers and images
    std::string busybox_path;  // [images] busybox = static busybox for the built-in image ("" = don't build it)
};

// Built-in defaults (compile-time paths from berth-config.h).
DaemonConfig default_config();
// Parse TOML over the defaults; unknown sections or keys and bad values are errors (InvalidArgument) naming the key.
Result<DaemonConfig> parse_config(std::string_view toml_text, std::string_view origin);
// Read and parse a file; a missing file gives the defaults.
Result<DaemonConfig> load_config(const std::string& path);

}  // namespace berth
