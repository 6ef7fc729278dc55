#include "core/net/firewall.h"

#include <cstdio>
#include <memory>

#include <nftables/libnftables.h>

namespace berth::net {

namespace {

struct NftCtxDeleter {
    void operator()(nft_ctx* ctx) const { nft_ctx_free(ctx); }
};

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
    std::unique_ptr<nft_ctx, NftCtxDeleter> ctx(nft_ctx_new(NFT_CTX_DEFAULT));
    if (!ctx)
        return fail_errno(ENOMEM, "create an nftables context");
    nft_ctx_buffer_output(ctx.get());
    nft_ctx_buffer_error(ctx.get());
    const std::string rules = firewall_ruleset(networks);
    if (nft_run_cmd_from_buffer(ctx.get(), rules.c_str()) != 0) {
        std::string why = nft_ctx_get_error_buffer(ctx.get());
        while (!why.empty() && why.back() == '\n')
            why.pop_back();
        return fail(ErrorKind::Failed, "update nftables table inet " + std::string(kFirewallTable) + ": " + why);
    }
    return {};
}

}  // namespace berth::net
