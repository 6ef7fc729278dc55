#include "core/net/port_forward_nft.h"

#include <nftables/libnftables.h>

#include <cstdio>
#include <memory>


namespace berth {

namespace {

struct NftCtxDeleter {
    void operator()(nft_ctx* ctx) const { nft_ctx_free(ctx); }
};
using NftCtx = std::unique_ptr<nft_ctx, NftCtxDeleter>;

std::string trim(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

}  // namespace

Result<> run_nft_script(const std::string& script)
{
    NftCtx ctx(nft_ctx_new(NFT_CTX_DEFAULT));
    if (!ctx)
        return fail(ErrorKind::Failed, "nftables: cannot create a context");
    // Keep libnftables' messages in memory instead of on berthd's stderr, to put them into the error.
    if (nft_ctx_buffer_output(ctx.get()) != 0 || nft_ctx_buffer_error(ctx.get()) != 0)
        return fail(ErrorKind::Failed, "nftables: cannot buffer output");
    if (nft_run_cmd_from_buffer(ctx.get(), script.c_str()) != 0) {
        const char* err = nft_ctx_get_error_buffer(ctx.get());
        return fail(ErrorKind::Failed, "nftables refused the port forward rules: " + trim(err ? err : "unknown error"));
    }
    return {};
}

Result<> apply_port_forwards(const std::vector<ForwardTarget>& targets)
{
    for (const auto& t : targets) {
        if (t.forwards.empty() || t.bridge.empty() || t.address4.empty())
            continue;
        // A missing bridge (its network is being removed) is not our error; the ruleset simply never matches.
        const std::string path = "/proc/sys/net/ipv4/conf/" + t.bridge + "/route_localnet";
        if (FILE* f = std::fopen(path.c_str(), "we")) {
            std::fputs("1\n", f);
            std::fclose(f);
        }
    }
    return run_nft_script(port_forward_ruleset(targets));
}

}  // namespace berth
