// Networks: the model (a managed bridge with an IPv4 and/or IPv6 subnet, NAT, a DNS domain), address leases of
// containers (persisted in STATE_DIR/networks/NAME.toml, stable across restarts, released when the container is
// removed), and the NetworkManager that keeps bridges, nftables and leases in step.
//
// Hooks for the network services (dnsmasq, port forwards, tc): implement NetworkObserver and add it with
// NetworkManager::add_observer. The manager calls
//   network_added / network_removed   after the bridge (and its gateway addresses) exists / before it is deleted,
//   leases_changed                    after a lease was taken or released (dnsmasq hosts, D-Bus properties),
//   interface_up                      when a container's veth is up: after start (and after a reboot of the
//                                     guest, which gets a new veth) and after a hot-plug attach,
//   interface_down                    when it went away (stop, detach), before the lease may be released.
// All calls happen in berthd's single-threaded loop; observers must not call back into create/remove.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/fs.h"
#include "core/net/cidr.h"

namespace berth::net {

inline constexpr const char* kDefaultNetworkName = "berth0";
inline constexpr const char* kDefaultDomain = "berth";
// Network names double as bridge names: kernel interface names have at most 15 bytes.
inline constexpr size_t kMaxNetworkNameLength = 15;

struct NetworkSpec {
    std::string name;                 // also the bridge's interface name
    std::optional<Cidr> subnet;       // IPv4; the gateway (the bridge's address) is its first host
    std::optional<Cidr> subnet6;      // IPv6; the gateway is its first host (::1)
    bool nat = true;                  // masquerade traffic leaving the bridge for other interfaces
    std::string domain = kDefaultDomain;
    uint64_t created_at = 0;          // usec since the epoch

    bool operator==(const NetworkSpec&) const = default;
};

// A container's place on a network. `index` is the host number inside both subnets (gateway = 1), so the IPv4
// and IPv6 addresses of a container end alike (10.0.3.7 and fd..::7).
struct Lease {
    std::string container;
    uint32_t index = 0;
    std::optional<IpAddress> ipv4;
    std::optional<IpAddress> ipv6;
    std::string host_ifname;          // host end of the veth pair, on the bridge ("vb" + 8 hex digits)
    std::string ifname = "eth0";      // the interface inside the container

    bool operator==(const Lease&) const = default;
};

struct Network {
    NetworkSpec spec;
    std::map<std::string, Lease> leases;  // by container name

    const std::string& name() const { return spec.name; }
    const std::string& bridge() const { return spec.name; }
    std::optional<IpAddress> gateway4() const;
    std::optional<IpAddress> gateway6() const;
};

// What `network create` asks for. Missing subnets are chosen: a free private IPv4 /24 that overlaps no route of
// the host and no other network; a random ULA /64. no_ipv6 leaves the network IPv4-only.
struct NetworkRequest {
    std::string name;
    std::optional<Cidr> subnet;
    std::optional<Cidr> subnet6;
    bool no_ipv6 = false;
    bool nat = true;
};

class NetworkObserver {
public:
    virtual ~NetworkObserver() = default;
    virtual void network_added(const Network&) {}
    virtual void network_removed(const std::string& /*name*/) {}
    virtual void leases_changed(const Network&) {}
    virtual void interface_up(const Network&, const Lease&, pid_t /*leader*/) {}
    virtual void interface_down(const Network&, const Lease&) {}
};

// The kernel side: bridges, addresses, forwarding and nftables. The real one uses netlink (libmnl) and
// libnftables; unit tests use a fake that records calls and creates no links.
class NetworkHost {
public:
    virtual ~NetworkHost() = default;
    // Bridge present and up with the gateway addresses; creates what is missing (idempotent).
    virtual Result<> ensure_bridge(const Network& network) = 0;
    virtual Result<> delete_bridge(const std::string& name) = 0;
    virtual Result<> delete_link(const std::string& ifname) = 0;   // no error when it does not exist
    virtual bool interface_exists(const std::string& ifname) = 0;
    // Destination subnets of the host's routes (to pick a default subnet that collides with none).
    virtual std::vector<Cidr> host_routes() = 0;
    // Replace berth's nftables table(s) with rules for exactly these networks (none: the table is deleted).
    virtual Result<> sync_firewall(const std::vector<const Network*>& networks) = 0;
    // net.ipv4.ip_forward=1 and net.ipv6.conf.all.forwarding=1 (in berthd's network namespace).
    virtual Result<> enable_forwarding() = 0;
};

class NetworkManager {
public:
    // state_dir: STATE_DIR (files go to STATE_DIR/networks/).
    NetworkManager(std::string state_dir, NetworkHost& host);
    ~NetworkManager();

    // Loads every network, creates the default network if missing, and (re)creates bridges and nftables rules
    // (after a host reboot they are gone). Returns warnings for the log.
    Result<std::vector<std::string>> init();

    Result<const Network*> create(const NetworkRequest& request);
    // InvalidState while a container holds a lease on it; the default network is refused.
    Result<> remove(const std::string& name);

    const Network* find(const std::string& name) const;
    std::vector<const Network*> list() const;  // sorted by name
    std::string default_network() const { return kDefaultNetworkName; }

    // Leases. acquire is idempotent (the existing lease is returned); QuotaExceeded when the subnet is full.
    // Durability::Volatile (a run --rm container's lease) writes the network's file without fsync: its readers
    // still see the old or the new file, and a power cut ends such a container anyway.
    Result<Lease> acquire(const std::string& container, const std::string& network,
                          const std::string& ifname = "eth0", Durability durability = Durability::Durable);
    Result<> release(const std::string& container, const std::string& network);
    void release_all(const std::string& container);
    const Lease* lease(const std::string& container, const std::string& network) const;
    // The host-side veth name of a container on a network (the same for every start).
    static std::string host_veth_name(const std::string& container, const std::string& network);

    // Interface events, from the container manager.
    void interface_up(const std::string& container, const std::string& network, pid_t leader);
    void interface_down(const std::string& container, const std::string& network);

    void add_observer(NetworkObserver* observer);
    void remove_observer(NetworkObserver* observer);

private:
    Result<> save(const Network& network, Durability durability = Durability::Durable) const;
    Result<Network*> lookup(const std::string& name);
    Result<Cidr> pick_subnet4(const std::vector<Cidr>& taken) const;
    Result<> check_overlaps(const NetworkSpec& spec, const std::vector<Cidr>& host_routes) const;
    std::vector<const Network*> all() const;

    std::string dir_;
    NetworkHost& host_;
    std::map<std::string, std::unique_ptr<Network>> networks_;
    std::vector<NetworkObserver*> observers_;
};

// One interface of a container as berth-spawn gets it in START ("net=" field, see base/spawn_protocol.h).
std::string start_field(const Network& network, const Lease& lease);

}  // namespace berth::net
