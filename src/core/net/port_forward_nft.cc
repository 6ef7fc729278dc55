#include "core/net/port_forward_nft.h"

#include "core/net/nft_child.h"

#include <cstdio>
#include <memory>


namespace berth {

Result<> run_nft_script(const std::string& script)
{
    if (auto r = net::run_nftables(script); !r)
        return fail(ErrorKind::Failed, "nftables refused the port forward rules: " + r.error().message);
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
    // berth owns the whole table, so the same script again would change nothing. Every create and remove of a
    // container on a network changes leases and lands here, nearly always with the same (often empty) set of
    // forwards: skip libnftables then (its netlink socket alone costs several ms to close). Kept per process: a
    // restarted berthd applies the table once.
    static std::string applied;
    const std::string script = port_forward_ruleset(targets);
    if (script == applied)
        return {};
    applied.clear();   // a failed run leaves the table unknown: the next call applies it again
    BERTH_TRY(run_nft_script(script));
    applied = script;
    return {};
}

}  // namespace berth
