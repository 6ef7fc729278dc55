// The nftables ruleset of port forwards, as text for libnftables. berth owns the whole table `inet berth_ports`
// and rewrites it in one transaction on every change: no rule handles to track, nothing stale after a crash.
//
// Paths a forwarded connection takes:
//  - from another host or netns: prerouting DNAT to the container (fib daddr type local: only to our own
//    addresses), then the forward hook, where `ct status dnat accept` lets it pass;
//  - from the host itself (127.0.0.1, or any of its addresses): output DNAT. A 127.0.0.0/8 source may only
//    leave through an interface with route_localnet=1 (set on berth's bridges only), and is masqueraded to the
//    bridge address there so the container can answer;
//  - from a container on the same bridge to the host's address (hairpin): masqueraded so replies come back
//    through the host.
// ::1 cannot be DNATed: the kernel never routes an IPv6 loopback source off `lo`, and IPv6 has no route_localnet.
#include <set>

#include "core/net/port_forward.h"

namespace berth {

namespace {

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// One DNAT rule for one address family, or "" when the forward or the container has no address of it.
std::string dnat_rule(const ForwardTarget& t, const PortForward& f, bool ipv6)
{
    const std::string& to = ipv6 ? t.address6 : t.address4;
    if (to.empty())
        return {};
    if (ipv6 ? forward_is_ipv4_only(f) : forward_is_ipv6_only(f))
        return {};
    std::string rule = "    ";
    if (f.host_address.empty())
        rule += ipv6 ? "meta nfproto ipv6 " : "meta nfproto ipv4 ";
    else
        rule += (ipv6 ? "ip6 daddr " : "ip daddr ") + f.host_address + " ";
    const std::string proto(kPortProtocolTable.to_string(f.protocol));
    rule += proto + " dport " + std::to_string(f.host_port);
    rule += ipv6 ? " dnat ip6 to [" + to + "]:" : " dnat ip to " + to + ":";
    rule += std::to_string(f.container_port);
    rule += " comment " + quoted(t.container + " " + format_port_forward(f)) + "\n";
    return rule;
}

}  // namespace

std::string port_forward_ruleset(const std::vector<ForwardTarget>& targets)
{
    const std::string table = "inet " + std::string(kPortForwardTable);
    // "table X" before "delete table X" makes the delete succeed whether or not the table exists.
    std::string out = "table " + table + "\ndelete table " + table + "\n";

    std::string rules;
    std::set<std::string> bridges;
    for (const auto& t : targets) {
        for (const auto& f : t.forwards) {
            std::string r4 = dnat_rule(t, f, false);
            std::string r6 = dnat_rule(t, f, true);
            if (!r4.empty() || !r6.empty())
                bridges.insert(t.bridge);
            rules += r4 + r6;
        }
    }
    if (rules.empty())
        return out;

    out += "table " + table + " {\n";
    out += "  chain prerouting {\n"
           "    type nat hook prerouting priority dstnat; policy accept;\n"
           "    fib daddr type local jump forwards\n"
           "  }\n";
    out += "  chain output {\n"
           "    type nat hook output priority -100; policy accept;\n"
           "    fib daddr type local jump forwards\n"
           "  }\n";
    out += "  chain forwards {\n" + rules + "  }\n";
    out += "  chain postrouting {\n"
           "    type nat hook postrouting priority srcnat; policy accept;\n";
    for (const auto& br : bridges) {
        out += "    oifname " + quoted(br) + " ip saddr 127.0.0.0/8 ct status dnat masquerade\n";
        out += "    iifname " + quoted(br) + " oifname " + quoted(br) + " ct status dnat masquerade\n";
    }
    out += "  }\n";
    out += "  chain forward {\n"
           "    type filter hook forward priority filter; policy accept;\n"
           "    ct status dnat accept\n"
           "  }\n";
    out += "}\n";
    return out;
}

}  // namespace berth
