#include "core/net/dnsmasq.h"

namespace berth::net {

namespace {

// Dotted netmask of an IPv4 prefix length.
std::string netmask4(uint8_t prefix)
{
    const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
    return std::to_string(mask >> 24) + "." + std::to_string((mask >> 16) & 255) + "." +
           std::to_string((mask >> 8) & 255) + "." + std::to_string(mask & 255);
}

}  // namespace

std::string dnsmasq_dir(const std::string& runtime_dir, const std::string& network)
{
    return runtime_dir + "/dnsmasq/" + network;
}

std::string dnsmasq_unit(const std::string& network) { return "berth-dnsmasq-" + network + ".service"; }

std::string dnsmasq_config(const Network& network, const std::string& dir)
{
    const std::string& domain = network.spec.domain;
    std::string out;
    out += "# dnsmasq for berth network " + network.name() + ", written by berthd (rewritten at every start).\n";
    out += "# Only the bridge's own addresses: never the host's other interfaces.\n";
    out += "interface=" + network.bridge() + "\n";
    out += "bind-interfaces\n";
    out += "except-interface=lo\n";
    if (auto gw = network.gateway4())
        out += "listen-address=" + gw->to_string() + "\n";
    if (auto gw = network.gateway6())
        out += "listen-address=" + gw->to_string() + "\n";
    out += "# No pid file and no /etc/hosts: systemd tracks the process, containers are named from our own file.\n";
    out += "pid-file=\n";
    out += "no-hosts\n";
    out += "addn-hosts=" + dir + "/hosts\n";
    out += "# Container names: answered here, never forwarded upstream.\n";
    out += "domain=" + domain + "\n";
    out += "local=/" + domain + "/\n";
    out += "domain-needed\n";
    out += "# Other names go to the host's resolvers (/etc/resolv.conf, re-read when it changes).\n";
    out += "log-facility=-\n";
    if (network.spec.subnet && network.gateway4()) {
        const Cidr& s = *network.spec.subnet;
        out += "# DHCP for guests that ask: each gets its lease's address (by host name); nothing else.\n";
        out += "dhcp-range=" + s.address.to_string() + ",static," + netmask4(s.prefix) + ",1h\n";
        out += "dhcp-hostsfile=" + dir + "/dhcp-hosts\n";
        out += "dhcp-leasefile=" + dir + "/leases\n";
        out += "dhcp-authoritative\n";
        out += "dhcp-option=option:domain-search," + domain + "\n";
        out += "quiet-dhcp\n";
    }
    return out;
}

std::string dnsmasq_hosts(const Network& network)
{
    std::string out;
    const std::string& domain = network.spec.domain;
    for (const auto& [name, lease] : network.leases) {   // std::map: sorted by name
        for (const auto& address : {lease.ipv4, lease.ipv6}) {
            if (address)
                out += address->to_string() + " " + name + "." + domain + " " + name + "\n";
        }
    }
    return out;
}

std::string dnsmasq_dhcp_hosts(const Network& network)
{
    std::string out;
    for (const auto& [name, lease] : network.leases) {
        if (lease.ipv4)
            out += name + "," + lease.ipv4->to_string() + "\n";
    }
    return out;
}

std::vector<std::string> dnsmasq_argv(const std::string& dir)
{
    return {kDnsmasqPath, "--keep-in-foreground", "--conf-file=" + dir + "/dnsmasq.conf"};
}

}  // namespace berth::net
