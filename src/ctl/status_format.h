// The human-readable block `berthctl status NAME` prints, built from the container's properties. Bus-free: the
// verb fills ContainerStatus from org.freedesktop.DBus.Properties.GetAll and this file only formats.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace berth::ctl {

struct ContainerStatus {
    std::string name;
    std::string state;
    std::string image;
    std::string mode;                  // "boot" or "command"
    std::vector<std::string> command;
    bool auto_remove = false;
    bool ephemeral = false;
    std::string unit;
    uint32_t leader = 0;
    uint32_t idmap_base = 0;
    uint32_t idmap_size = 0;
    std::string idmap_mode;
    uint64_t created_at = 0;           // usec since the epoch
    uint64_t started_at = 0;
    int32_t exit_status = -1;
    std::string stop_reason;           // poweroff|reboot|exit:N|signal:N|killed|timeout
    std::string guest_state;           // the guest's systemd: running, degraded, ...
    std::string guest_status;          // its last STATUS= text
    std::string os_name;               // os-release PRETTY_NAME
    std::string pool;                  // storage pool of the root
    uint64_t disk = 0;                 // root disk limit in bytes, 0 = none
    bool autostart = false;
    int32_t autostart_order = 0;
    uint32_t autostart_delay = 0;      // seconds
    uint64_t memory_max = UINT64_MAX;
    uint64_t memory_high = UINT64_MAX;
    double cpus = 0;
    uint64_t cpu_weight = 0;
    uint64_t tasks_max = UINT64_MAX;
    uint64_t io_weight = 0;
    uint64_t net_rate_in = 0;          // bits/s, 0 = none
    uint64_t net_rate_out = 0;
    std::vector<std::string> port_forwards;   // "8080:80/tcp"
    std::vector<std::string> addresses;       // "berth0 eth0 10.139.0.2 fd00::2", one per network
    std::vector<std::string> mounts;          // "/srv <- volume default/data (ro)", one per bind or volume
    uint64_t memory_current = 0;
    uint64_t cpu_usage_nsec = 0;
    uint64_t tasks_current = 0;
};

// The whole block, one "Label: value" line per field, labels right-aligned as machinectl does. `now_usec` is the
// current time, used for "since ... (5min ago)".
std::string format_status(const ContainerStatus& s, uint64_t now_usec);

// Helpers, exposed for tests.
std::string format_timestamp(uint64_t usec);                  // local time "Tue 2024-05-07 12:34:56 CEST"
std::string format_age(uint64_t then_usec, uint64_t now_usec); // "5min ago", "2h 3min ago", "3 days ago"
std::string format_cpu_time(uint64_t nsec);                    // "1.234s", "2min 3.5s", "1h 2min"
std::string quote_command(const std::vector<std::string>& argv); // words, quoted with '...' when needed

}  // namespace berth::ctl
