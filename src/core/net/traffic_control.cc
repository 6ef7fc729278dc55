// Raw rtnetlink through libmnl (as the rest of berth's netlink code): qdiscs, a filter with an action, and ifb
// links in one small code path. Message layouts follow what tc(8) sends.
#include "core/net/traffic_control.h"

#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace berth {

namespace {

struct MnlDeleter {
    void operator()(mnl_socket* s) const { mnl_socket_close(s); }
};
using MnlSocket = std::unique_ptr<mnl_socket, MnlDeleter>;

constexpr uint32_t kRootHandle = 0x00010000;     // 1:
constexpr uint32_t kIngressHandle = 0xffff0000;  // ffff:
// PSCHED ticks are 64 ns (PSCHED_SHIFT 6) on every kernel since 3.x.
constexpr uint64_t kNsPerTick = 64;

uint32_t ticks_for(uint64_t bytes, uint64_t bits_per_second)
{
    const uint64_t ns = bytes * 8 * 1'000'000'000ull / bits_per_second;
    return static_cast<uint32_t>(std::min<uint64_t>(ns / kNsPerTick, UINT32_MAX));
}

tc_ratespec ratespec(uint64_t bits_per_second)
{
    tc_ratespec r{};
    const uint64_t bytes = bits_per_second / 8;
    r.rate = static_cast<uint32_t>(std::min<uint64_t>(bytes, UINT32_MAX));
    r.linklayer = TC_LINKLAYER_ETHERNET;  // no rate table detection: the kernel computes from `rate`
    r.cell_log = 3;
    return r;
}

class Rtnl {
public:
    static Result<Rtnl> open()
    {
        MnlSocket s(mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC));
        if (!s)
            return fail_errno("open an rtnetlink socket");
        if (mnl_socket_bind(s.get(), 0, MNL_SOCKET_AUTOPID) < 0)
            return fail_errno("bind an rtnetlink socket");
        Rtnl r;
        r.sock_ = std::move(s);
        return r;
    }

    // A request with a tcmsg header; `fill` adds the attributes.
    template <typename Fill>
    int request(uint16_t type, uint16_t flags, int ifindex, uint32_t handle, uint32_t parent, uint32_t info,
                Fill fill)
    {
        std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
        nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        nlh->nlmsg_seq = ++seq_;
        auto* tcm = static_cast<tcmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(tcmsg)));
        tcm->tcm_family = AF_UNSPEC;
        tcm->tcm_ifindex = ifindex;
        tcm->tcm_handle = handle;
        tcm->tcm_parent = parent;
        tcm->tcm_info = info;
        fill(nlh);
        return send_and_ack(nlh, buf);
    }

    // A request with an ifinfomsg header (links): ifindex 0 for a new link, `flags` set and changed.
    template <typename Fill>
    int link_request(uint16_t type, uint16_t flags, int ifindex, unsigned ifflags, Fill fill)
    {
        std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
        nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        nlh->nlmsg_seq = ++seq_;
        auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = ifindex;
        ifi->ifi_flags = ifflags;
        ifi->ifi_change = ifflags;
        fill(nlh);
        return send_and_ack(nlh, buf);
    }

private:
    int send_and_ack(nlmsghdr* nlh, std::vector<char>& buf)
    {
        if (mnl_socket_sendto(sock_.get(), nlh, nlh->nlmsg_len) < 0)
            return errno;
        const unsigned portid = mnl_socket_get_portid(sock_.get());
        for (;;) {
            const ssize_t n = mnl_socket_recvfrom(sock_.get(), buf.data(), buf.size());
            if (n < 0)
                return errno;
            const int r = mnl_cb_run(buf.data(), n, seq_, portid, nullptr, nullptr);
            if (r < 0)
                return errno;
            if (r == MNL_CB_STOP)
                return 0;
        }
    }

    MnlSocket sock_;
    unsigned seq_ = static_cast<unsigned>(time(nullptr));
};

Result<> add_tbf(Rtnl& nl, int ifindex, uint64_t bits)
{
    const uint32_t burst = net_rate_burst(bits);
    tc_tbf_qopt q{};
    q.rate = ratespec(bits);
    q.buffer = ticks_for(burst, bits);
    // Queue up to 50 ms of traffic beyond the burst; TCP adapts to the delay instead of seeing drops.
    q.limit = burst + static_cast<uint32_t>(std::min<uint64_t>(bits / 8 / 20, UINT32_MAX / 2));
    const int err = nl.request(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, ifindex, kRootHandle, TC_H_ROOT, 0,
                               [&](nlmsghdr* nlh) {
                                   mnl_attr_put_strz(nlh, TCA_KIND, "tbf");
                                   nlattr* opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
                                   mnl_attr_put(nlh, TCA_TBF_PARMS, sizeof q, &q);
                                   mnl_attr_put_u32(nlh, TCA_TBF_BURST, burst);
                                   if (bits / 8 >= UINT32_MAX)
                                       mnl_attr_put_u64(nlh, TCA_TBF_RATE64, bits / 8);
                                   mnl_attr_nest_end(nlh, opts);
                               });
    if (err)
        return fail_errno(err, "add the tbf qdisc");
    return {};
}

// Traffic from the container arrives on the veth's ingress, where nothing can queue: a u32 match-all filter
// redirects it (mirred) to an ifb device whose egress is shaped by tbf like the other direction. (Plain ingress
// policing needs act_police, which kernels such as this project's CI kernel do not have.)
Result<> add_ifb_shaping(Rtnl& nl, int veth_index, const std::string& ifb, uint64_t bits)
{
    int err = nl.link_request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, IFF_UP, [&](nlmsghdr* nlh) {
        mnl_attr_put_strz(nlh, IFLA_IFNAME, ifb.c_str());
        nlattr* info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "ifb");
        mnl_attr_nest_end(nlh, info);
    });
    if (err)
        return fail_errno(err, "create the ifb device " + ifb);
    const int ifb_index = static_cast<int>(if_nametoindex(ifb.c_str()));
    if (ifb_index == 0)
        return fail_errno("find the ifb device " + ifb);
    BERTH_TRY(add_tbf(nl, ifb_index, bits));
    err = nl.request(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, veth_index, kIngressHandle, TC_H_INGRESS, 0,
                     [](nlmsghdr* nlh) { mnl_attr_put_strz(nlh, TCA_KIND, "ingress"); });
    if (err && err != EEXIST)
        return fail_errno(err, "add the ingress qdisc");
    // A selector with one key of mask 0 and value 0: every packet. (keys[] is a flexible array member.)
    alignas(tc_u32_sel) unsigned char match[sizeof(tc_u32_sel) + sizeof(tc_u32_key)] = {};
    auto* sel = reinterpret_cast<tc_u32_sel*>(match);
    sel->flags = TC_U32_TERMINAL;
    sel->nkeys = 1;
    tc_mirred redirect{};
    redirect.action = TC_ACT_STOLEN;
    redirect.eaction = TCA_EGRESS_REDIR;
    redirect.ifindex = static_cast<uint32_t>(ifb_index);
    const uint32_t info = TC_H_MAKE(1u << 16, htons(ETH_P_ALL));
    err = nl.request(RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, veth_index, 0, kIngressHandle, info,
                     [&](nlmsghdr* nlh) {
                         mnl_attr_put_strz(nlh, TCA_KIND, "u32");
                         nlattr* opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
                         mnl_attr_put(nlh, TCA_U32_SEL, sizeof match, match);
                         nlattr* acts = mnl_attr_nest_start(nlh, TCA_U32_ACT);
                         nlattr* act = mnl_attr_nest_start(nlh, 1);
                         mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
                         nlattr* aopts = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
                         mnl_attr_put(nlh, TCA_MIRRED_PARMS, sizeof redirect, &redirect);
                         mnl_attr_nest_end(nlh, aopts);
                         mnl_attr_nest_end(nlh, act);
                         mnl_attr_nest_end(nlh, acts);
                         mnl_attr_nest_end(nlh, opts);
                     });
    if (err)
        return fail_errno(err, "redirect the veth's ingress to " + ifb);
    return {};
}

// Removing what is not there is fine: ENOENT (no such qdisc or link) and EINVAL (the default qdisc has no
// handle).
Result<> delete_ifb(Rtnl& nl, const std::string& ifb)
{
    const int index = static_cast<int>(if_nametoindex(ifb.c_str()));
    if (index == 0)
        return {};
    const int err = nl.link_request(RTM_DELLINK, 0, index, 0, [](nlmsghdr*) {});
    if (err && err != ENOENT && err != ENODEV)
        return fail_errno(err, "delete the ifb device " + ifb);
    return {};
}

Result<> clear(Rtnl& nl, int ifindex)
{
    for (auto [handle, parent] : {std::pair{0u, TC_H_ROOT}, std::pair{kIngressHandle, TC_H_INGRESS}}) {
        const int err = nl.request(RTM_DELQDISC, 0, ifindex, handle, parent, 0, [](nlmsghdr*) {});
        if (err && err != ENOENT && err != EINVAL)
            return fail_errno(err, "remove the old qdisc");
    }
    return {};
}

}  // namespace

uint32_t net_rate_burst(uint64_t bits_per_second)
{
    return static_cast<uint32_t>(std::clamp<uint64_t>(bits_per_second / 8 / 20, 64 * 1024, 64 * 1024 * 1024));
}

std::string net_rate_ifb_name(const std::string& host_ifname)
{
    // "vb1a2b3c4d" -> "ib1a2b3c4d": same length, so within the 15 bytes of an interface name.
    return "ib" + (host_ifname.size() > 2 ? host_ifname.substr(2) : host_ifname);
}

Result<> apply_net_rate(const std::string& host_ifname, const NetRate& rate)
{
    const std::string what = "set the bandwidth limit on " + host_ifname;
    const std::string ifb = net_rate_ifb_name(host_ifname);
    const int ifindex = static_cast<int>(if_nametoindex(host_ifname.c_str()));
    if (ifindex == 0)
        return fail_errno(what + ": no such interface");
    auto nl = BERTH_TRY(Rtnl::open());
    auto ok = clear(nl, ifindex);
    if (ok)
        ok = delete_ifb(nl, ifb);
    if (ok && rate.to_container)
        ok = add_tbf(nl, ifindex, rate.to_container);
    if (ok && rate.from_container)
        ok = add_ifb_shaping(nl, ifindex, ifb, rate.from_container);
    if (!ok) {
        // nothing half-made: no limit rather than one direction of two
        (void)clear(nl, ifindex);
        (void)delete_ifb(nl, ifb);
        return fail(std::move(ok).error().context(what));
    }
    return {};
}

Result<> remove_net_rate(const std::string& host_ifname)
{
    if (if_nametoindex(net_rate_ifb_name(host_ifname).c_str()) == 0)
        return {};   // no limit from the container was set
    auto nl = BERTH_TRY(Rtnl::open());
    return delete_ifb(nl, net_rate_ifb_name(host_ifname));
}

}  // namespace berth
