#include "core/net/firewall.h"

#include "core/net/nft_child.h"

namespace berth::net {

namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

std::string firewall_ruleset(const std::vector<const Network*>& networks)
{
    const std::string table = std::string("inet ") + kFirewallTable;
    // "add table" first so that "delete table" never fails on a first run.
    std::string out = "add table " + table + "\ndelete table " + table + "\n";
    if (networks.empty())
        return out;
    out += "table " + table + " {\n";
    out += "  chain forward {\n    type filter hook forward priority filter; policy accept;\n";
    for (const Network* n : networks) {
        out += "    iifname " + quoted(n->bridge()) + " accept\n";
        out += "    oifname " + quoted(n->bridge()) + " ct state established,related accept\n";
    }
    out += "  }\n";
    out += "  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n";
    for (const Network* n : networks) {
        if (!n->spec.nat)
            continue;
        if (n->spec.subnet)
            out += "    ip saddr " + n->spec.subnet->to_string() + " oifname != " + quoted(n->bridge()) +
                   " masquerade\n";
        if (n->spec.subnet6)
            out += "    ip6 saddr " + n->spec.subnet6->to_string() + " oifname != " + quoted(n->bridge()) +
                   " masquerade\n";
    }
    out += "  }\n}\n";
    return out;
}

Result<> apply_firewall(const std::vector<const Network*>& networks)
{
    if (auto r = run_nftables(firewall_ruleset(networks)); !r)
        return fail(ErrorKind::Failed, "update nftables table inet " + std::string(kFirewallTable) + ": " +
                                           r.error().message);
    return {};
}

}  // namespace berth::net
