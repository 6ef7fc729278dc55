#include <sys/random.h>
#include <time.h>

#include <algorithm>

#include "base/fs.h"
#include "base/names.h"
#include "base/reverter.h"
#include "core/net/network.h"
#include "core/net/network_store.h"

namespace berth::net {

namespace {

constexpr uint32_t kFirstContainerIndex = 2;     // 1 is the gateway (the bridge)
constexpr uint64_t kMaxIpv6OnlyHosts = 65534;    // an IPv6-only /64 would otherwise be "endless"

uint64_t now_usec()
{
    struct timespec ts = {};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

Result<> validate_network_name(const std::string& name)
{
    BERTH_TRY(validate_name(name, "network name"));
    if (name.size() > kMaxNetworkNameLength)
        return fail(ErrorKind::InvalidArgument, "network name '" + name + "' is longer than " +
                                                    std::to_string(kMaxNetworkNameLength) +
                                                    " bytes (it is also the bridge's interface name)");
    return {};
}

Cidr random_ula()
{
    // fd00::/8 + 40 random bits of global ID + subnet 0 (RFC 4193).
    IpAddress a;
    a.family = Family::V6;
    a.bytes[0] = 0xfd;
    if (getrandom(&a.bytes[1], 5, 0) != 5) {
        const uint64_t t = now_usec();
        for (int i = 0; i < 5; ++i)
            a.bytes[1 + i] = static_cast<uint8_t>(t >> (8 * i));
    }
    return Cidr{a, 64};
}

uint64_t max_index(const NetworkSpec& spec)
{
    if (spec.subnet)
        return spec.subnet->host_count();   // the last one is the broadcast address's neighbour
    return std::min(spec.subnet6->host_count(), kMaxIpv6OnlyHosts);
}

}  // namespace

std::optional<IpAddress> Network::gateway4() const
{
    return spec.subnet ? spec.subnet->host(1) : std::nullopt;
}

std::optional<IpAddress> Network::gateway6() const
{
    return spec.subnet6 ? spec.subnet6->host(1) : std::nullopt;
}

NetworkManager::NetworkManager(std::string state_dir, NetworkHost& host)
    : dir_(std::move(state_dir) + "/networks"), host_(host)
{
}

NetworkManager::~NetworkManager() = default;

std::string NetworkManager::host_veth_name(const std::string& container, const std::string& network)
{
    // FNV-1a: stable across runs and builds, so a restarted berthd finds the veth of a running container.
    uint32_t hash = 2166136261u;
    auto mix = [&](std::string_view s) {
        for (unsigned char c : s) {
            hash ^= c;
            hash *= 16777619u;
        }
    };
    mix(container);
    mix(std::string_view("\0", 1));
    mix(network);
    char buf[16];
    snprintf(buf, sizeof buf, "vb%08x", hash);
    return buf;
}

Result<std::vector<std::string>> NetworkManager::init()
{
    std::vector<std::string> warnings;
    BERTH_TRY(make_dirs(dir_, 0700));
    for (const auto& file : BERTH_TRY(list_dir(dir_))) {
        if (!file.ends_with(".toml"))
            continue;
        const std::string path = dir_ + "/" + file;
        auto text = read_file(path);
        auto network = text ? parse_network(*text, path) : tl::unexpected(text.error());
        if (!network) {
            warnings.push_back("network file skipped: " + network.error().describe());
            continue;
        }
        auto name = network->spec.name;
        networks_.emplace(name, std::make_unique<Network>(std::move(*network)));
    }
    if (auto r = host_.enable_forwarding(); !r)
        warnings.push_back("cannot enable IP forwarding: " + r.error().describe());
    for (const auto& [name, network] : networks_)
        if (auto r = host_.ensure_bridge(*network); !r)
            warnings.push_back("network " + name + ": " + r.error().describe());
    if (!networks_.count(kDefaultNetworkName)) {
        if (auto r = create(NetworkRequest{.name = kDefaultNetworkName}); !r)
            warnings.push_back("cannot create the default network " + std::string(kDefaultNetworkName) + ": " +
                               r.error().describe());
    } else if (auto r = host_.sync_firewall(all()); !r) {
        warnings.push_back("nftables: " + r.error().describe());
    }
    return warnings;
}

std::vector<const Network*> NetworkManager::all() const
{
    std::vector<const Network*> out;
    for (const auto& [name, network] : networks_)
        out.push_back(network.get());
    return out;
}

std::vector<const Network*> NetworkManager::list() const { return all(); }

const Network* NetworkManager::find(const std::string& name) const
{
    auto it = networks_.find(name);
    return it == networks_.end() ? nullptr : it->second.get();
}

Result<Network*> NetworkManager::lookup(const std::string& name)
{
    BERTH_TRY(validate_name(name, "network name"));
    auto it = networks_.find(name);
    if (it == networks_.end())
        return fail(ErrorKind::InvalidArgument, "no network named '" + name + "' (see 'berthctl network list')",
                    ENOENT);
    return it->second.get();
}

Result<> NetworkManager::save(const Network& network, Durability durability) const
{
    return write_file_atomic(dir_ + "/" + network.name() + ".toml", network_to_toml(network), 0600, durability);
}

Result<Cidr> NetworkManager::pick_subnet4(const std::vector<Cidr>& taken) const
{
    // Private /24s rarely used by other tools (docker: 172.17+, podman: 10.88, libvirt: 192.168.122).
    for (uint8_t first : {uint8_t{10}, uint8_t{172}}) {
        for (unsigned third = 0; third < 256; ++third) {
            IpAddress a;
            a.bytes[0] = first;
            a.bytes[1] = first == 10 ? 139 : 29;
            a.bytes[2] = static_cast<uint8_t>(third);
            const Cidr candidate{a, 24};
            // The default route (prefix 0) overlaps everything and says nothing about addresses in use.
            bool free = std::none_of(taken.begin(), taken.end(),
                                     [&](const Cidr& c) { return c.prefix > 0 && c.overlaps(candidate); });
            for (const auto& [name, n] : networks_)
                free = free && !(n->spec.subnet && n->spec.subnet->overlaps(candidate));
            if (free)
                return candidate;
        }
    }
    return fail(ErrorKind::QuotaExceeded, "no free private IPv4 /24 left; give --subnet");
}

Result<> NetworkManager::check_overlaps(const NetworkSpec& spec, const std::vector<Cidr>& host_routes) const
{
    for (const auto* subnet : {&spec.subnet, &spec.subnet6}) {
        if (!*subnet)
            continue;
        for (const auto& [name, n] : networks_)
            for (const auto* other : {&n->spec.subnet, &n->spec.subnet6})
                if (*other && (*other)->overlaps(**subnet))
                    return fail(ErrorKind::InvalidArgument, "subnet " + (*subnet)->to_string() +
                                                                " overlaps the subnet " + (*other)->to_string() +
                                                                " of network " + name);
        for (const auto& route : host_routes)
            if (route.prefix > 0 && route.overlaps(**subnet))
                return fail(ErrorKind::InvalidArgument, "subnet " + (*subnet)->to_string() +
                                                            " overlaps the host's route to " + route.to_string());
    }
    return {};
}

Result<const Network*> NetworkManager::create(const NetworkRequest& request)
{
    BERTH_TRY(validate_network_name(request.name));
    if (networks_.count(request.name))
        return fail(ErrorKind::AlreadyExists, "network '" + request.name + "' already exists");
    if (host_.interface_exists(request.name))
        return fail(ErrorKind::AlreadyExists, "the host already has a network interface named '" + request.name +
                                                  "'; choose another network name");
    for (const auto* subnet : {&request.subnet, &request.subnet6})
        if (*subnet)
            BERTH_TRY(validate_network_subnet(**subnet));
    if (request.subnet && request.subnet->family() != Family::V4)
        return fail(ErrorKind::InvalidArgument, "--subnet takes an IPv4 subnet; use --subnet6 for IPv6");
    if (request.subnet6 && request.subnet6->family() != Family::V6)
        return fail(ErrorKind::InvalidArgument, "--subnet6 takes an IPv6 subnet; use --subnet for IPv4");

    const std::vector<Cidr> routes = host_.host_routes();
    auto network = std::make_unique<Network>();
    NetworkSpec& spec = network->spec;
    spec.name = request.name;
    spec.nat = request.nat;
    spec.created_at = now_usec();
    spec.subnet = request.subnet ? *request.subnet : BERTH_TRY(pick_subnet4(routes));
    if (request.subnet6)
        spec.subnet6 = request.subnet6;
    else if (!request.no_ipv6)
        spec.subnet6 = random_ula();
    BERTH_TRY(check_overlaps(spec, routes));

    Reverter revert;
    BERTH_TRY(host_.ensure_bridge(*network));
    revert.add([this, name = spec.name] { (void)host_.delete_bridge(name); });
    BERTH_TRY(save(*network));
    revert.add([this, name = spec.name] { (void)remove_tree(dir_ + "/" + name + ".toml"); });
    Network* raw = network.get();
    networks_.emplace(spec.name, std::move(network));
    revert.add([this, name = raw->name()] {
        networks_.erase(name);
        (void)host_.sync_firewall(all());
    });
    BERTH_TRY(host_.sync_firewall(all()));
    BERTH_TRY(host_.enable_forwarding());
    revert.success();
    for (auto* o : observers_)
        o->network_added(*raw);
    return raw;
}

Result<> NetworkManager::remove(const std::string& name)
{
    Network* network = BERTH_TRY(lookup(name));
    if (name == kDefaultNetworkName)
        return fail(ErrorKind::InvalidState, "'" + name + "' is the default network; it cannot be removed");
    if (!network->leases.empty()) {
        std::string users;
        for (const auto& [container, lease] : network->leases)
            users += (users.empty() ? "" : ", ") + container;
        return fail(ErrorKind::InvalidState, "network '" + name + "' is used by container(s) " + users +
                                                 "; remove them or detach them first");
    }
    for (auto* o : observers_)
        o->network_removed(name);
    auto owned = std::move(networks_.at(name));
    networks_.erase(name);
    if (auto r = host_.sync_firewall(all()); !r) {
        networks_.emplace(name, std::move(owned));
        return fail(r.error().context("remove network " + name));
    }
    BERTH_TRY(remove_tree(dir_ + "/" + name + ".toml"));
    BERTH_TRY(host_.delete_bridge(name));
    return {};
}

Result<Lease> NetworkManager::acquire(const std::string& container, const std::string& network_name,
                                      const std::string& ifname, Durability durability)
{
    Network* network = BERTH_TRY(lookup(network_name));
    if (auto it = network->leases.find(container); it != network->leases.end())
        return it->second;
    std::vector<bool> used(max_index(network->spec) + 1, false);
    for (const auto& [name, lease] : network->leases)
        if (lease.index < used.size())
            used[lease.index] = true;
    uint32_t index = 0;
    for (uint64_t i = kFirstContainerIndex; i < used.size(); ++i)
        if (!used[i]) {
            index = static_cast<uint32_t>(i);
            break;
        }
    if (index == 0)
        return fail(ErrorKind::QuotaExceeded, "network '" + network_name + "' has no free address left (" +
                                                  std::to_string(network->leases.size()) + " in use)");
    Lease lease;
    lease.container = container;
    lease.index = index;
    if (network->spec.subnet)
        lease.ipv4 = network->spec.subnet->host(index);
    if (network->spec.subnet6)
        lease.ipv6 = network->spec.subnet6->host(index);
    lease.host_ifname = host_veth_name(container, network_name);
    lease.ifname = ifname;
    network->leases.emplace(container, lease);
    if (auto r = save(*network, durability); !r) {
        network->leases.erase(container);
        return fail(r.error().context("save the lease of " + container + " on network " + network_name));
    }
    for (auto* o : observers_)
        o->leases_changed(*network);
    return lease;
}

Result<> NetworkManager::release(const std::string& container, const std::string& network_name)
{
    Network* network = BERTH_TRY(lookup(network_name));
    auto it = network->leases.find(container);
    if (it == network->leases.end())
        return {};
    Lease old = it->second;
    network->leases.erase(it);
    if (auto r = save(*network); !r) {
        network->leases.emplace(container, old);
        return fail(r.error().context("release the lease of " + container));
    }
    for (auto* o : observers_)
        o->leases_changed(*network);
    return {};
}

void NetworkManager::release_all(const std::string& container)
{
    for (const auto& [name, network] : networks_)
        if (network->leases.count(container))
            if (auto r = release(container, name); !r)
                fprintf(stderr, "berthd: %s\n", r.error().describe().c_str());
}

const Lease* NetworkManager::lease(const std::string& container, const std::string& network) const
{
    const Network* n = find(network);
    if (!n)
        return nullptr;
    auto it = n->leases.find(container);
    return it == n->leases.end() ? nullptr : &it->second;
}

void NetworkManager::interface_up(const std::string& container, const std::string& network, pid_t leader)
{
    const Network* n = find(network);
    const Lease* l = lease(container, network);
    if (n && l)
        for (auto* o : observers_)
            o->interface_up(*n, *l, leader);
}

void NetworkManager::interface_down(const std::string& container, const std::string& network)
{
    const Network* n = find(network);
    const Lease* l = lease(container, network);
    if (n && l)
        for (auto* o : observers_)
            o->interface_down(*n, *l);
}

void NetworkManager::add_observer(NetworkObserver* observer) { observers_.push_back(observer); }

void NetworkManager::remove_observer(NetworkObserver* observer)
{
    observers_.erase(std::remove(observers_.begin(), observers_.end(), observer), observers_.end());
}

std::string start_field(const Network& network, const Lease& lease)
{
    std::string out = "host=" + lease.host_ifname + ",bridge=" + network.bridge() + ",name=" + lease.ifname;
    if (lease.ipv4)
        out += ",ipv4=" + lease.ipv4->to_string() + "/" + std::to_string(network.spec.subnet->prefix) +
               ",gw4=" + network.gateway4()->to_string();
    if (lease.ipv6)
        out += ",ipv6=" + lease.ipv6->to_string() + "/" + std::to_string(network.spec.subnet6->prefix) +
               ",gw6=" + network.gateway6()->to_string();
    // The gateway runs the network's DNS server (dnsmasq, see core/net/dns*).
    auto dns = network.gateway4() ? network.gateway4() : network.gateway6();
    if (dns)
        out += ",dns=" + dns->to_string() + ",search=" + network.spec.domain;
    return out;
}

}  // namespace berth::net
