#include "core/net/netlink.h"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/socket.h>

#include <cstring>
#include <vector>

#include <libmnl/libmnl.h>

namespace berth::net {

void MnlSocketCloser::operator()(mnl_socket* s) const
{
    if (s)
        mnl_socket_close(s);
}

Netlink::Netlink(mnl_socket* socket) : socket_(socket), port_(mnl_socket_get_portid(socket)) {}

Result<Netlink> Netlink::open()
{
    mnl_socket* s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!s)
        return fail_errno("open a netlink socket");
    std::unique_ptr<mnl_socket, MnlSocketCloser> owner(s);
    if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0)
        return fail_errno("bind the netlink socket");
    return Netlink(owner.release());
}

// Sends one request and reads until its ACK (or error).
Result<> Netlink::request(void* header, const std::string& what)
{
    auto* nlh = static_cast<nlmsghdr*>(header);
    nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = seq_++;
    if (mnl_socket_sendto(socket_.get(), nlh, nlh->nlmsg_len) < 0)
        return fail_errno(what);
    std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
    for (;;) {
        const ssize_t n = mnl_socket_recvfrom(socket_.get(), buf.data(), buf.size());
        if (n < 0)
            return fail_errno(what);
        const int r = mnl_cb_run(buf.data(), static_cast<size_t>(n), nlh->nlmsg_seq, port_, nullptr, nullptr);
        if (r < 0)
            return fail_errno(what);
        if (r == MNL_CB_STOP)
            return {};
    }
}

namespace {

struct Message {
    std::vector<char> buf = std::vector<char>(MNL_SOCKET_BUFFER_SIZE);
    nlmsghdr* nlh;
    explicit Message(uint16_t type, uint16_t flags = 0)
    {
        nlh = mnl_nlmsg_put_header(buf.data());
        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = flags;
    }
    template <typename T>
    T* extra()
    {
        return static_cast<T*>(mnl_nlmsg_put_extra_header(nlh, sizeof(T)));
    }
};

}  // namespace

Result<int> Netlink::link_index(const std::string& name)
{
    Message m(RTM_GETLINK);
    auto* ifi = m.extra<ifinfomsg>();
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(m.nlh, IFLA_IFNAME, name.c_str());
    m.nlh->nlmsg_flags = NLM_F_REQUEST;
    m.nlh->nlmsg_seq = seq_++;
    if (mnl_socket_sendto(socket_.get(), m.nlh, m.nlh->nlmsg_len) < 0)
        return fail_errno("look up link " + name);
    std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
    const ssize_t n = mnl_socket_recvfrom(socket_.get(), buf.data(), buf.size());
    if (n < 0)
        return fail_errno("look up link " + name);
    int index = 0;
    auto cb = [](const nlmsghdr* nlh, void* data) -> int {
        auto* info = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
        *static_cast<int*>(data) = info->ifi_index;
        return MNL_CB_OK;
    };
    if (mnl_cb_run(buf.data(), static_cast<size_t>(n), m.nlh->nlmsg_seq, port_, cb, &index) < 0)
        return fail_errno(errno, "look up link " + name);
    if (index <= 0)
        return fail_errno(ENODEV, "look up link " + name);
    return index;
}

Result<> Netlink::create_bridge(const std::string& name)
{
    Message m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    m.extra<ifinfomsg>()->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(m.nlh, IFLA_IFNAME, name.c_str());
    nlattr* info = mnl_attr_nest_start(m.nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(m.nlh, IFLA_INFO_KIND, "bridge");
    mnl_attr_nest_end(m.nlh, info);
    return request(m.nlh, "create bridge " + name);
}

Result<> Netlink::create_veth(const std::string& host, int master_index, const std::string& peer, int peer_netns_fd)
{
    Message m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    m.extra<ifinfomsg>()->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(m.nlh, IFLA_IFNAME, host.c_str());
    if (master_index > 0)
        mnl_attr_put_u32(m.nlh, IFLA_MASTER, static_cast<uint32_t>(master_index));
    nlattr* info = mnl_attr_nest_start(m.nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(m.nlh, IFLA_INFO_KIND, "veth");
    nlattr* data = mnl_attr_nest_start(m.nlh, IFLA_INFO_DATA);
    nlattr* peer_attr = mnl_attr_nest_start(m.nlh, VETH_INFO_PEER);
    // The peer's attributes follow an ifinfomsg of its own.
    auto* peer_ifi = static_cast<ifinfomsg*>(mnl_nlmsg_get_payload_tail(m.nlh));
    std::memset(peer_ifi, 0, sizeof *peer_ifi);
    peer_ifi->ifi_family = AF_UNSPEC;
    m.nlh->nlmsg_len += MNL_ALIGN(sizeof(ifinfomsg));
    mnl_attr_put_strz(m.nlh, IFLA_IFNAME, peer.c_str());
    if (peer_netns_fd >= 0)
        mnl_attr_put_u32(m.nlh, IFLA_NET_NS_FD, static_cast<uint32_t>(peer_netns_fd));
    mnl_attr_nest_end(m.nlh, peer_attr);
    mnl_attr_nest_end(m.nlh, data);
    mnl_attr_nest_end(m.nlh, info);
    return request(m.nlh, "create veth pair " + host + "/" + peer);
}

Result<> Netlink::set_up(int index)
{
    Message m(RTM_NEWLINK);
    auto* ifi = m.extra<ifinfomsg>();
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = index;
    ifi->ifi_flags = IFF_UP;
    ifi->ifi_change = IFF_UP;
    return request(m.nlh, "bring link " + std::to_string(index) + " up");
}

Result<> Netlink::rename(int index, const std::string& name)
{
    Message m(RTM_NEWLINK);
    auto* ifi = m.extra<ifinfomsg>();
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = index;
    mnl_attr_put_strz(m.nlh, IFLA_IFNAME, name.c_str());
    return request(m.nlh, "rename link " + std::to_string(index) + " to " + name);
}

Result<> Netlink::delete_link(const std::string& name)
{
    Message m(RTM_DELLINK);
    m.extra<ifinfomsg>()->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(m.nlh, IFLA_IFNAME, name.c_str());
    auto r = request(m.nlh, "delete link " + name);
    if (!r && (r.error().code == ENODEV || r.error().code == ENOENT))
        return {};
    return r;
}

Result<> Netlink::add_address(int index, const IpAddress& address, uint8_t prefix)
{
    Message m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
    auto* ifa = m.extra<ifaddrmsg>();
    const bool v4 = address.family == Family::V4;
    ifa->ifa_family = v4 ? AF_INET : AF_INET6;
    ifa->ifa_prefixlen = prefix;
    ifa->ifa_index = static_cast<uint32_t>(index);
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    if (!v4)
        ifa->ifa_flags = IFA_F_NODAD;
    const size_t len = v4 ? 4 : 16;
    mnl_attr_put(m.nlh, IFA_LOCAL, len, address.bytes.data());
    mnl_attr_put(m.nlh, IFA_ADDRESS, len, address.bytes.data());
    if (!v4)
        mnl_attr_put_u32(m.nlh, IFA_FLAGS, IFA_F_NODAD);
    auto r = request(m.nlh, "add address " + address.to_string() + "/" + std::to_string(prefix));
    if (!r && r.error().code == EEXIST)
        return {};
    return r;
}

Result<> Netlink::add_default_route(int index, const IpAddress& gateway)
{
    Message m(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
    auto* rtm = m.extra<rtmsg>();
    const bool v4 = gateway.family == Family::V4;
    rtm->rtm_family = v4 ? AF_INET : AF_INET6;
    rtm->rtm_dst_len = 0;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = RTPROT_STATIC;
    rtm->rtm_scope = RT_SCOPE_UNIVERSE;
    rtm->rtm_type = RTN_UNICAST;
    mnl_attr_put(m.nlh, RTA_GATEWAY, v4 ? 4 : 16, gateway.bytes.data());
    mnl_attr_put_u32(m.nlh, RTA_OIF, static_cast<uint32_t>(index));
    auto r = request(m.nlh, "add the default route via " + gateway.to_string());
    if (!r && r.error().code == EEXIST)
        return {};
    return r;
}

}  // namespace berth::net
