// The container's network interfaces, set up by berth-spawn before init runs: for each "net=" field of START a
// veth pair whose host end joins the network's bridge and whose other end is born inside the container's network
// namespace (named eth0, eth1...), with its addresses and default routes; and /etc/resolv.conf written inside the
// root. Also used for NET_ATTACH (hot-plug into a running container). berth-spawn is the only code that setns().
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "core/net/cidr.h"

namespace berth::spawn {

struct NetInterface {
    std::string host;        // host end of the veth pair
    std::string bridge;
    std::string name = "eth0";
    std::optional<net::IpAddress> ipv4, ipv6, gw4, gw6;
    uint8_t prefix4 = 0, prefix6 = 0;
    std::string dns;         // nameserver for resolv.conf (the network's gateway)
    std::string search;      // search domain
};

// "host=vb..,bridge=B,name=eth0,ipv4=A/P,gw4=G,ipv6=A/P,gw6=G,dns=IP,search=D" (core/net/network.h start_field).
Result<NetInterface> parse_net_field(const std::string& field);
Result<std::vector<NetInterface>> parse_net_fields(const std::vector<std::string>& fields);

// Creates and configures one interface for the payload `pid`. Nothing is left behind on failure.
Result<> plug_interface(const NetInterface& iface, pid_t pid);
// Deletes the host end (the kernel removes the container's end with it).
Result<> unplug_interface(const std::string& host_ifname);

// The resolv.conf for these interfaces (empty when none has a nameserver).
std::string resolv_conf_text(const std::vector<NetInterface>& interfaces);
// In the container, after pivot_root: replace /etc/resolv.conf (a symlink, e.g. to systemd-resolved's stub, is
// replaced too: the guest has no resolver of the host's to point at).
Result<> write_resolv_conf(const std::string& text);

}  // namespace berth::spawn
