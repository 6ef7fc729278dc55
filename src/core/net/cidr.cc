#include "core/net/cidr.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace berth::net {

namespace {

size_t width(Family f) { return f == Family::V4 ? 4 : 16; }
unsigned max_prefix(Family f) { return f == Family::V4 ? 32 : 128; }

IpAddress masked(IpAddress a, unsigned prefix)
{
    for (unsigned i = prefix; i < max_prefix(a.family); ++i)
        a.bytes[i / 8] &= static_cast<uint8_t>(~(1u << (7 - i % 8)));
    return a;
}

tl::unexpected<Error> invalid(std::string message) { return fail(ErrorKind::InvalidArgument, std::move(message)); }

}  // namespace

std::string IpAddress::to_string() const
{
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(family == Family::V4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
    return buf;
}

Result<IpAddress> IpAddress::parse(std::string_view text)
{
    const std::string s(text);
    IpAddress a;
    if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
        a.family = Family::V4;
        return a;
    }
    if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
        a.family = Family::V6;
        return a;
    }
    return invalid("'" + s + "' is not an IPv4 or IPv6 address");
}

std::string Cidr::to_string() const { return address.to_string() + "/" + std::to_string(prefix); }

Result<Cidr> Cidr::parse(std::string_view text)
{
    const auto slash = text.find('/');
    if (slash == std::string_view::npos)
        return invalid("'" + std::string(text) + "' is not a subnet in CIDR notation (e.g. 10.0.3.0/24 or fd00:1::/64)");
    auto address = IpAddress::parse(text.substr(0, slash));
    if (!address)
        return invalid("'" + std::string(text) + "': " + address.error().message);
    const std::string_view len = text.substr(slash + 1);
    unsigned prefix = 0;
    auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), prefix);
    if (len.empty() || ec != std::errc() || end != len.data() + len.size() || prefix > max_prefix(address->family))
        return invalid("'" + std::string(text) + "': the prefix length must be 0.." +
                       std::to_string(max_prefix(address->family)));
    Cidr cidr{*address, static_cast<uint8_t>(prefix)};
    if (masked(*address, prefix) != *address)
        return invalid("'" + std::string(text) + "' has host bits set; did you mean " +
                       Cidr{masked(*address, prefix), cidr.prefix}.to_string() + "?");
    return cidr;
}

bool Cidr::contains(const IpAddress& a) const
{
    return a.family == family() && masked(a, prefix) == address;
}

bool Cidr::overlaps(const Cidr& other) const
{
    if (other.family() != family())
        return false;
    const unsigned shorter = std::min(prefix, other.prefix);
    return masked(address, shorter) == masked(other.address, shorter);
}

std::optional<IpAddress> Cidr::host(uint64_t index) const
{
    const unsigned host_bits = max_prefix(family()) - prefix;
    if (host_bits < 64 && index >= (uint64_t{1} << host_bits))
        return std::nullopt;
    IpAddress a = address;
    // Add index to the address, from the last byte up (host bits are zero, so no carry reaches the prefix).
    uint64_t rest = index;
    for (int i = static_cast<int>(width(family())) - 1; i >= 0 && rest; --i) {
        const unsigned sum = a.bytes[i] + (rest & 0xff);
        a.bytes[i] = static_cast<uint8_t>(sum);
        rest = (rest >> 8) + (sum >> 8);
    }
    return a;
}

uint64_t Cidr::host_count() const
{
    const unsigned host_bits = max_prefix(family()) - prefix;
    const uint64_t cap = (uint64_t{1} << 32) - 2;
    if (host_bits >= 33)
        return cap;
    const uint64_t size = uint64_t{1} << host_bits;
    // IPv4 loses the network and broadcast address; IPv6 only the subnet-router anycast address (index 0).
    if (family() == Family::V4)
        return size >= 2 ? size - 2 : 0;
    return std::min(size - 1, cap);
}

Result<> validate_network_subnet(const Cidr& subnet)
{
    const auto& b = subnet.address.bytes;
    const std::string text = subnet.to_string();
    if (subnet.family() == Family::V4) {
        if (subnet.prefix < 8 || subnet.prefix > 30)
            return invalid("subnet " + text + ": an IPv4 network needs a prefix length of 8 to 30");
        if (b[0] == 0 || b[0] == 127 || b[0] >= 224 || (b[0] == 169 && b[1] == 254))
            return invalid("subnet " + text + " is reserved (unspecified, loopback, link-local or multicast)");
    } else {
        if (subnet.prefix < 48 || subnet.prefix > 120)
            return invalid("subnet " + text + ": an IPv6 network needs a prefix length of 48 to 120");
        const bool unspecified_or_loopback = b[0] == 0 && b[1] == 0;
        if (unspecified_or_loopback || b[0] == 0xff || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80))
            return invalid("subnet " + text + " is reserved (unspecified, loopback, link-local or multicast)");
    }
    return {};
}

}  // namespace berth::net
