// Port forwards of a container: "[HOSTADDR:]HOSTPORT:PORT[/tcp|/udp]" parsed, checked and printed, and the
// nftables ruleset that implements every forward of every container (port_forward_rules.cc). Transport-free and
// kernel-free, so both are unit-tested.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/enum_table.h"
#include "base/error.h"

namespace berth {

enum class PortProtocol { Tcp, Udp };
inline constexpr EnumTable<PortProtocol, 2> kPortProtocolTable{{
    {PortProtocol::Tcp, "tcp"},
    {PortProtocol::Udp, "udp"},
}};

struct PortForward {
    // The host address the forward answers on, in canonical text form ("192.0.2.1", "2001:db8::1"); empty for
    // every local address of the host (IPv4 and IPv6, loopback included).
    std::string host_address;
    uint16_t host_port = 0;       // 1..65535
    uint16_t container_port = 0;  // 1..65535
    PortProtocol protocol = PortProtocol::Tcp;

    bool operator==(const PortForward&) const = default;
};

// "8080:80", "8080:80/udp", "127.0.0.1:8080:80/tcp", "[::1]:8080:80". InvalidArgument saying what is wrong.
Result<PortForward> parse_port_forward(std::string_view text);
// The canonical form parse_port_forward reads back: "8080:80/tcp", "[::1]:8080:80/tcp".
std::string format_port_forward(const PortForward& forward);
// "HOSTPORT[/PROTO]" as `port remove` takes it (tcp when no protocol is given).
Result<std::pair<uint16_t, PortProtocol>> parse_port_key(std::string_view text);

// Whether two forwards claim the same host socket: same protocol and port, and addresses that overlap (equal, or
// one of them is "every address").
bool forwards_clash(const PortForward& a, const PortForward& b);
// Whether the host address is IPv6 (false for "" and IPv4).
bool forward_is_ipv6_only(const PortForward& forward);
bool forward_is_ipv4_only(const PortForward& forward);

// Everything the rules of one container need: its forwards and where its eth0 is.
struct ForwardTarget {
    std::string container;
    std::string bridge;        // the host bridge the container's veth is on
    std::string address4;      // the container's IPv4 address, empty if none
    std::string address6;      // the container's IPv6 address, empty if none
    std::vector<PortForward> forwards;
};

inline constexpr std::string_view kPortForwardTable = "berth_ports";  // table inet berth_ports

// The nft script that replaces berth's port forward table with one holding exactly `targets`' forwards: DNAT in
// prerouting (from other hosts) and output (from the host itself, 127.0.0.1 included), masquerade of loopback
// sources on berth's bridges only, and accept in forward for DNATed connections. When no target has a forward,
// the script only deletes the table. Atomic: libnftables runs it as one transaction.
std::string port_forward_ruleset(const std::vector<ForwardTarget>& targets);

}  // namespace berth
