// Route netlink through libmnl: links (bridge, veth pair), addresses, routes. Used by berthd (bridges) and by
// berth-spawn (veth pairs and the container's eth0), so it depends on base and libmnl only, and berth-spawn
// compiles this one file in (it never links core). Every request waits for the kernel's ACK; errors carry errno.
#pragma once

#include <memory>
#include <string>

#include "base/error.h"
#include "core/net/cidr.h"

struct mnl_socket;

namespace berth::net {

struct MnlSocketCloser {
    void operator()(mnl_socket* s) const;
};

class Netlink {
public:
    // A NETLINK_ROUTE socket in the calling thread's current network namespace (it stays bound to that namespace).
    static Result<Netlink> open();

    // ENODEV when there is no such link.
    Result<int> link_index(const std::string& name);
    Result<> create_bridge(const std::string& name);
    // A veth pair: `host` in this namespace, enslaved to bridge `master_index` (0: none); `peer` created directly
    // in the network namespace `peer_netns_fd` (-1: this one).
    Result<> create_veth(const std::string& host, int master_index, const std::string& peer, int peer_netns_fd);
    Result<> set_up(int index);
    Result<> rename(int index, const std::string& name);
    // ENODEV is not an error: the link is gone either way.
    Result<> delete_link(const std::string& name);
    // EEXIST is not an error. IPv6 addresses are added without duplicate address detection (usable at once).
    Result<> add_address(int index, const IpAddress& address, uint8_t prefix);
    Result<> add_default_route(int index, const IpAddress& gateway);

private:
    explicit Netlink(mnl_socket* socket);
    Result<> request(void* header, const std::string& what);

    std::unique_ptr<mnl_socket, MnlSocketCloser> socket_;
    unsigned port_ = 0;
    unsigned seq_ = 1;
};

}  // namespace berth::net
