// The settings of one container run, as berthd sends them in START (see base/spawn_protocol.h). Parsed and checked
// once, then kept for the container's whole life: a reboot starts the payload again from the same StartConfig.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/message.h"
#include "base/unique_fd.h"
#include "spawn/network.h"
#include "spawn/mounts.h"

namespace berth::spawn {

enum class IdmapMode { Mount, Shifted };
enum class RunMode { Boot, Command };

struct StartConfig {
    std::string name;
    std::string hostname;
    std::string rootfs;         // host path of the container's root directory
    std::string runtime_dir;    // host path for supervisor.sock, console.log, exit-status
    uid_t uid_base = 0;
    uid_t uid_size = 0;
    IdmapMode idmap = IdmapMode::Mount;
    RunMode mode = RunMode::Command;
    std::vector<std::string> args;   // command mode: the command; boot mode: empty = find the image's init
    std::vector<std::string> env;    // extra KEY=VALUE pairs
    bool overlay = false;            // rootfs is a shared image: run on a volatile overlay (tmpfs upper) over it
    bool attached = false;           // PID 1's stdio are the three fds below instead of the console
    std::array<UniqueFd, 3> stdio;
    std::vector<NetInterface> networks;   // net= fields: veth pairs set up before init runs (spawn/network.h)
    std::vector<MountEntry> mounts;  // binds and volumes, attached before init runs (spawn/mounts.h)
    std::string notify_socket;       // not from START: the supervisor's notify socket (boot mode), see notify.h
};

// Parse and validate a START message; takes the message's fds.
Result<StartConfig> parse_start(Message&& message);

}  // namespace berth::spawn
