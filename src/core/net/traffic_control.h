// Per-container bandwidth limits by tc, on the host end of the container's veth, through rtnetlink (libmnl):
// traffic toward the container is shaped by a tbf root qdisc (queued, TCP slows down smoothly); traffic from the
// container is policed on the veth's ingress (a matchall filter with a police action dropping the excess), since
// a host interface's ingress cannot queue. Both live on the host side, out of the container's reach.
#pragma once

#include <cstdint>
#include <string>

#include "base/error.h"

namespace berth {

struct NetRate {
    uint64_t to_container = 0;    // bits/s, 0 = no limit (the container's download)
    uint64_t from_container = 0;  // bits/s, 0 = no limit (the container's upload)
    bool operator==(const NetRate&) const = default;
};

// The burst (bytes) both directions allow: 50 ms worth of the rate, at least 64 KiB so one GSO packet fits.
uint32_t net_rate_burst(uint64_t bits_per_second);

// Replaces whatever berth set on `host_ifname` with `rate` (removing both when the rate is zero).
// Fails with the interface's name when it does not exist.
Result<> apply_net_rate(const std::string& host_ifname, const NetRate& rate);

}  // namespace berth
