// The files of one dnsmasq per network: its configuration (DNS and DHCP on the bridge's addresses only), the hosts
// file that names containers NAME.DOMAIN, and the DHCP host file that gives a guest asking for an address the
// one its lease holds. Pure text generation, unit-tested; dns_service.cc writes them and runs dnsmasq.
#pragma once

#include <string>
#include <vector>

#include "core/net/network.h"

namespace berth::net {

inline constexpr const char* kDnsmasqPath = "/usr/sbin/dnsmasq";

// The directory of a network's dnsmasq files: RUNTIME_DIR/dnsmasq/NAME.
std::string dnsmasq_dir(const std::string& runtime_dir, const std::string& network);
// The transient systemd service running it: berth-dnsmasq-NAME.service.
std::string dnsmasq_unit(const std::string& network);

// dnsmasq.conf for `network`, whose other files live in `dir`. Listens only on the bridge's gateway addresses
// (bind-interfaces), answers NAME.DOMAIN from the hosts file and never forwards DOMAIN upstream, forwards other
// names to the host's resolvers (/etc/resolv.conf), and serves DHCPv4 in "static" mode: a guest that asks gets the
// address of its lease, found by the host name it sends (the container's name), and nothing else is handed out.
std::string dnsmasq_config(const Network& network, const std::string& dir);
// "ADDRESS NAME.DOMAIN NAME" for each address of each lease, sorted by container name.
std::string dnsmasq_hosts(const Network& network);
// "NAME,ADDRESS" for each lease with an IPv4 address (dhcp-hostsfile format: matched by the client's host name).
std::string dnsmasq_dhcp_hosts(const Network& network);
// dnsmasq's command line: in the foreground (systemd supervises it), this configuration only.
std::vector<std::string> dnsmasq_argv(const std::string& dir);

}  // namespace berth::net
