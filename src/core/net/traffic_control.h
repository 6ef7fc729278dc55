// Per-container bandwidth limits by tc, on the host end of the container's veth, through rtnetlink (libmnl):
// traffic toward the container is shaped by a tbf root qdisc on the veth (queued, TCP slows down smoothly);
// traffic from the container, which arrives on the veth's ingress where nothing can queue, is redirected by a u32
// filter with a mirred action to an ifb device ("ib" + the veth's suffix) shaped by tbf the same way. Everything
// lives on the host side, out of the container's reach.
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
// Deletes the ifb device of a veth that went away (the veth's own qdiscs went with it).
Result<> remove_net_rate(const std::string& host_ifname);
// "vb1a2b3c4d" -> "ib1a2b3c4d"
std::string net_rate_ifb_name(const std::string& host_ifname);

}  // namespace berth
