#include "core/net/kernel_network_host.h"

#include <fcntl.h>
#include <net/if.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "base/fs.h"
#include "core/net/firewall.h"
#include "core/net/netlink.h"

namespace berth::net {

namespace {

Result<> write_sysctl(const std::string& path, const std::string& value)
{
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd)
        return fail_errno("open " + path);
    if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
        return fail_errno("write " + path);
    return {};
}

// /proc/net/route: destination and mask as little-endian hex words.
void read_ipv4_routes(std::vector<Cidr>& out)
{
    std::ifstream in("/proc/net/route");
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string iface, dest, gateway, flags, refcnt, use, metric, mask;
        if (!(fields >> iface >> dest >> gateway >> flags >> refcnt >> use >> metric >> mask))
            continue;
        const uint32_t d = static_cast<uint32_t>(std::stoul(dest, nullptr, 16));
        const uint32_t m = static_cast<uint32_t>(std::stoul(mask, nullptr, 16));
        Cidr c;
        c.address.family = Family::V4;
        for (int i = 0; i < 4; ++i)
            c.address.bytes[i] = static_cast<uint8_t>(d >> (8 * i));
        c.prefix = static_cast<uint8_t>(__builtin_popcount(m));
        out.push_back(c);
    }
}

// /proc/net/ipv6_route: 32 hex digits of destination, then its prefix length in hex.
void read_ipv6_routes(std::vector<Cidr>& out)
{
    std::ifstream in("/proc/net/ipv6_route");
    std::string dest, len, rest;
    while (in >> dest >> len && std::getline(in, rest)) {
        if (dest.size() != 32)
            continue;
        Cidr c;
        c.address.family = Family::V6;
        for (int i = 0; i < 16; ++i)
            c.address.bytes[i] = static_cast<uint8_t>(std::stoul(dest.substr(2 * i, 2), nullptr, 16));
        c.prefix = static_cast<uint8_t>(std::stoul(len, nullptr, 16));
        const bool link_local = c.address.bytes[0] == 0xfe && (c.address.bytes[1] & 0xc0) == 0x80;
        const bool multicast = c.address.bytes[0] == 0xff;
        if (!link_local && !multicast && c.prefix < 128)
            out.push_back(c);
    }
}

}  // namespace

Result<> KernelNetworkHost::ensure_bridge(const Network& network)
{
    auto nl = BERTH_TRY(Netlink::open());
    auto index = nl.link_index(network.bridge());
    if (!index) {
        if (index.error().code != ENODEV)
            return fail(index.error());
        BERTH_TRY(nl.create_bridge(network.bridge()));
        index = BERTH_TRY(nl.link_index(network.bridge()));
    }
    if (auto gw = network.gateway4())
        BERTH_TRY(nl.add_address(*index, *gw, network.spec.subnet->prefix));
    if (auto gw = network.gateway6())
        BERTH_TRY(nl.add_address(*index, *gw, network.spec.subnet6->prefix));
    BERTH_TRY(nl.set_up(*index));
    return {};
}

Result<> KernelNetworkHost::delete_bridge(const std::string& name) { return delete_link(name); }

Result<> KernelNetworkHost::delete_link(const std::string& ifname)
{
    auto nl = BERTH_TRY(Netlink::open());
    return nl.delete_link(ifname);
}

bool KernelNetworkHost::interface_exists(const std::string& ifname)
{
    return if_nametoindex(ifname.c_str()) != 0;
}

std::vector<Cidr> KernelNetworkHost::host_routes()
{
    std::vector<Cidr> out;
    try {
        read_ipv4_routes(out);
        read_ipv6_routes(out);
    } catch (const std::exception&) {
        // A malformed line (stoul): use what was read.
    }
    return out;
}

Result<> KernelNetworkHost::sync_firewall(const std::vector<const Network*>& networks)
{
    return apply_firewall(networks);
}

Result<> KernelNetworkHost::enable_forwarding()
{
    BERTH_TRY(write_sysctl("/proc/sys/net/ipv4/ip_forward", "1"));
    // Without IPv6 in the kernel the file is missing: IPv4 forwarding is all there is to do.
    if (path_exists("/proc/sys/net/ipv6/conf/all/forwarding"))
        BERTH_TRY(write_sysctl("/proc/sys/net/ipv6/conf/all/forwarding", "1"));
    return {};
}

}  // namespace berth::net
