// IPv4/IPv6 addresses and subnets (CIDR): parsing, printing, overlap, and the n-th host of a subnet. Pure values,
// no system calls; the IPAM of networks is built on them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

namespace berth::net {

enum class Family { V4, V6 };

// An address of either family, bytes in network order (V4 uses the first 4).
struct IpAddress {
    Family family = Family::V4;
    std::array<uint8_t, 16> bytes{};

    bool operator==(const IpAddress&) const = default;
    std::string to_string() const;
    static Result<IpAddress> parse(std::string_view text);   // "10.0.0.1" or "fd00::1"
};

// A subnet: address with the host bits cleared, and the prefix length.
struct Cidr {
    IpAddress address;
    uint8_t prefix = 0;

    bool operator==(const Cidr&) const = default;
    std::string to_string() const;   // "10.0.0.0/24"
    // "10.0.0.0/24", "fd00:1::/64". Host bits set ("10.0.0.1/24") are refused: say what you mean.
    static Result<Cidr> parse(std::string_view text);

    Family family() const { return address.family; }
    bool contains(const IpAddress& a) const;
    bool overlaps(const Cidr& other) const;
    // Address number `index` inside the subnet (0 = the network address). nullopt when out of range.
    std::optional<IpAddress> host(uint64_t index) const;
    // Usable host indexes are 1..host_count() (IPv4: without network and broadcast address; capped at 2^32-2).
    uint64_t host_count() const;
};

// Checks that the subnet can serve a network: IPv4 prefix 8..30, IPv6 prefix 48..120 (so a gateway and at least
// one container fit), not loopback, link-local, multicast or the unspecified address. InvalidArgument otherwise.
Result<> validate_network_subnet(const Cidr& subnet);

}  // namespace berth::net
