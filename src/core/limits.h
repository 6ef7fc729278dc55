// Resource limits of a container, applied as properties of its transient scope.
#pragma once

#include <cstdint>
#include <string>

#include "base/error.h"
#include "base/size.h"

namespace berth {

struct Limits {
    uint64_t memory_max = kUnlimited;   // bytes; kUnlimited = none
    uint64_t memory_high = kUnlimited;  // bytes; kUnlimited = none
    double cpus = 0;                    // CPUs worth of time, 0 = no quota; CPUQuotaPerSecUSec = cpus * 1e6
    uint64_t cpu_weight = 0;            // 1..10000, 0 = systemd's default
    uint64_t tasks_max = kUnlimited;    // kUnlimited = none
    uint64_t io_weight = 0;             // 1..10000, 0 = systemd's default
    // Bandwidth by tc on the host end of the container's veth (not a systemd property): bits/s, 0 = none.
    uint64_t net_rate_in = 0;           // toward the container (its download)
    uint64_t net_rate_out = 0;          // from the container (its upload)
    // Disk use of the container's root volume, by the pool's quota (btrfs qgroup; not a systemd property):
    // bytes, 0 = none. A dir pool refuses it (NotSupported).
    uint64_t disk = 0;

    bool operator==(const Limits&) const = default;
};

// Checks ranges: memory at least 4 MiB (or unlimited), cpus in [0, 1024], weights 0 or 1..10000, tasks_max >= 1.
Result<> validate_limits(const Limits& limits);

}  // namespace berth
