// A container's persistent definition: what berthd writes to STATE_DIR/containers/NAME.toml and reads back.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/enum_table.h"
#include "base/error.h"
#include "core/limits.h"
#include "core/net/port_forward.h"
#include "core/mount_spec.h"

namespace berth {

enum class ContainerMode { Boot, Command };
inline constexpr EnumTable<ContainerMode, 2> kContainerModeTable{{
    {ContainerMode::Boot, "boot"},
    {ContainerMode::Command, "command"},
}};

// How the container's root maps to its id range.
enum class IdMapMode { Idmapped, Shifted };
inline constexpr EnumTable<IdMapMode, 2> kIdMapModeTable{{
    {IdMapMode::Idmapped, "idmapped"},
    {IdMapMode::Shifted, "shifted"},
}};

struct ContainerSpec {
    std::string name;
    std::string image;
    ContainerMode mode = ContainerMode::Boot;
    std::vector<std::string> command;      // command mode: argv of PID 1
    std::vector<std::string> environment;  // KEY=VALUE
    bool auto_remove = false;
    // Runs on a volatile overlay of its image (nothing copied at create; everything written is gone when it stops
    // or reboots). Needs idmapped mounts; the image cannot be removed while such a container exists.
    bool ephemeral = false;
    Limits limits;
    uint32_t idmap_base = 0;  // first host uid/gid
    uint32_t idmap_size = 0;  // 65536
    IdMapMode idmap_mode = IdMapMode::Idmapped;
    uint64_t created_at = 0;   // usec since the epoch
    int32_t last_exit_status = -1;
    std::vector<MountSpec> mounts;  // binds and volumes, mounted at every start ([[mounts]])
    // Autostart (berthctl enable): started when berthd starts, lowest order first, waiting autostart_delay
    // seconds after starting this one before the next.
    bool autostart = false;
    int32_t autostart_order = 0;
    uint32_t autostart_delay = 0;  // seconds
    // Port forwards from the host ("8080:80/tcp" in `ports`), answered while the container has an address.
    std::vector<PortForward> port_forwards;

    // Networks the container is attached to, in order (the first is eth0, then eth1...). Empty: loopback only;
    // also what a definition without the key gets (it was written before containers had networks).
    std::vector<std::string> networks;
    // The storage pool holding the container's root ("" in files written before pools: the built-in pool).
    std::string pool;
    bool operator==(const ContainerSpec&) const = default;
};

// Field checks shared by every way a spec is made (settings from D-Bus, a definition file), InvalidArgument naming
// the offending entry. command: at least one element, a non-empty program, no NUL bytes (exec would cut there).
// environment: every entry KEY=VALUE with KEY a shell variable name ([A-Za-z_][A-Za-z0-9_]*), no NUL bytes.
Result<> validate_command(const std::vector<std::string>& command);
Result<> validate_environment(const std::vector<std::string>& environment);

// TOML in and out. parse_spec checks every field (name, image name, limits, mode/command consistency) and refuses
// unknown keys, so a hand-edited file with a typo is an error, not a silent default.
std::string spec_to_toml(const ContainerSpec& spec);
Result<ContainerSpec> parse_spec(std::string_view toml_text, std::string_view origin);

}  // namespace berth
