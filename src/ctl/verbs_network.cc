// Network verbs: network create, list, status, remove, attach, detach.
#include <algorithm>
#include <cstdio>
#include <tuple>

#include "ctl/bus.h"
#include "ctl/errors.h"
#include "ctl/output.h"
#include "ctl/verbs.h"

namespace berth::ctl {

namespace {

constexpr const char* kNetworkInterface = "org.berth1.Network";
const OptionSpec kJsonOption = {"json", 0, false, false, "", "print JSON instead of text"};

using LeaseRow = sdbus::Struct<std::string, std::string, std::string, std::string, std::string>;

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

Result<int> do_network_create(const Invocation& inv)
{
    std::map<std::string, sdbus::Variant> settings;
    if (auto subnet = inv.args.value("subnet"))
        settings["Subnet"] = sdbus::Variant(*subnet);
    if (auto subnet6 = inv.args.value("subnet6"))
        settings["Subnet6"] = sdbus::Variant(*subnet6);
    if (inv.args.has("nat") && inv.args.has("no-nat"))
        return fail(ErrorKind::InvalidArgument, "--nat and --no-nat exclude each other");
    if (inv.args.has("no-nat"))
        settings["Nat"] = sdbus::Variant(false);
    auto bus = BERTH_TRY(Bus::connect());
    BERTH_TRY(bus_call([&] { return bus.manager().CreateNetwork(inv.args.positionals[0], settings); }));
    return 0;
}

Result<int> do_network_list(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    auto networks = BERTH_TRY(bus_call([&] { return bus.manager().ListNetworks(); }));
    if (inv.args.has("json")) {
        Json out = Json::array();
        for (const auto& n : networks) {
            Json obj = Json::object();
            obj.set("name", std::get<0>(n)).set("bridge", std::get<1>(n)).set("subnet", std::get<2>(n));
            obj.set("subnet6", std::get<3>(n)).set("nat", std::get<4>(n)).set("containers", std::get<5>(n));
            obj.set("object", std::string(std::get<6>(n)));
            out.push(std::move(obj));
        }
        std::printf("%s\n", out.dump().c_str());
        return 0;
    }
    Table table({"NAME", "SUBNET", "SUBNET6", "NAT", "CONTAINERS"});
    for (const auto& n : networks)
        table.add_row({std::get<0>(n), or_dash(std::get<2>(n)), or_dash(std::get<3>(n)), std::get<4>(n) ? "yes" : "no",
                       std::to_string(std::get<5>(n))});
    std::printf("%s\n%zu network%s listed.\n", table.render().c_str(), table.size(), table.size() == 1 ? "" : "s");
    return 0;
}

Result<std::map<std::string, sdbus::Variant>> network_properties(Bus& bus, const std::string& name)
{
    const sdbus::ObjectPath path = BERTH_TRY(bus_call([&] { return bus.manager().GetNetwork(name); }));
    return bus_call([&] {
        auto proxy = sdbus::createProxy(bus.connection(), kBusName, path);
        std::map<std::string, sdbus::Variant> props;
        proxy->callMethod("GetAll")
            .onInterface("org.freedesktop.DBus.Properties")
            .withArguments(std::string(kNetworkInterface))
            .storeResultsTo(props);
        return props;
    });
}

template <typename T>
T get_or(const std::map<std::string, sdbus::Variant>& props, const std::string& key, T fallback)
{
    auto it = props.find(key);
    if (it == props.end())
        return fallback;
    try {
        return it->second.get<T>();
    } catch (const sdbus::Error&) {
        return fallback;
    }
}

Result<int> do_network_status(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    const auto props = BERTH_TRY(network_properties(bus, inv.args.positionals[0]));
    const auto leases = get_or<std::vector<LeaseRow>>(props, "Leases", {});
    if (inv.args.has("json")) {
        Json out = Json::object();
        for (const char* key : {"Name", "Bridge", "Subnet", "Subnet6", "Gateway", "Gateway6", "Domain"})
            out.set(key, get_or<std::string>(props, key, ""));
        out.set("Nat", get_or<bool>(props, "Nat", false)).set("Default", get_or<bool>(props, "Default", false));
        out.set("CreatedAt", get_or<uint64_t>(props, "CreatedAt", 0));
        Json rows = Json::array();
        for (const auto& l : leases) {
            Json obj = Json::object();
            obj.set("container", std::get<0>(l)).set("ipv4", std::get<1>(l)).set("ipv6", std::get<2>(l));
            obj.set("ifname", std::get<3>(l)).set("host_ifname", std::get<4>(l));
            rows.push(std::move(obj));
        }
        out.set("Leases", std::move(rows));
        std::printf("%s\n", out.dump().c_str());
        return 0;
    }
    auto line = [](const char* label, const std::string& value) { std::printf("%10s: %s\n", label, value.c_str()); };
    std::printf("%s%s\n", get_or<std::string>(props, "Name", "").c_str(),
                get_or<bool>(props, "Default", false) ? " (default network)" : "");
    line("Bridge", get_or<std::string>(props, "Bridge", ""));
    line("IPv4", or_dash(get_or<std::string>(props, "Subnet", "")) + ", gateway " +
                     or_dash(get_or<std::string>(props, "Gateway", "")));
    line("IPv6", or_dash(get_or<std::string>(props, "Subnet6", "")) + ", gateway " +
                     or_dash(get_or<std::string>(props, "Gateway6", "")));
    line("NAT", get_or<bool>(props, "Nat", false) ? "yes (masquerade)" : "no");
    line("Domain", get_or<std::string>(props, "Domain", ""));
    line("Leases", std::to_string(leases.size()));
    if (!leases.empty()) {
        Table table({"CONTAINER", "IPV4", "IPV6", "IFACE", "HOST IFACE"});
        for (const auto& l : leases)
            table.add_row({std::get<0>(l), or_dash(std::get<1>(l)), or_dash(std::get<2>(l)), std::get<3>(l),
                           std::get<4>(l)});
        std::printf("\n%s\n", table.render().c_str());
    }
    return 0;
}

Result<int> do_network_remove(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    int status = 0;
    for (const auto& name : inv.args.positionals) {
        auto r = bus_call([&] { bus.manager().RemoveNetwork(name); });
        if (!r)
            status = report_error(r.error(), inv.verb.name);
    }
    return status;
}

Result<int> do_network_attach(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    BERTH_TRY(bus_call([&] { bus.manager().AttachNetwork(inv.args.positionals[0], inv.args.positionals[1]); }));
    return 0;
}

Result<int> do_network_detach(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    BERTH_TRY(bus_call([&] { bus.manager().DetachNetwork(inv.args.positionals[0], inv.args.positionals[1]); }));
    return 0;
}

}  // namespace

std::vector<Verb> network_verbs()
{
    return {
        {"network create", {}, "NAME [--subnet CIDR] [--subnet6 CIDR|none] [--nat|--no-nat]", 1, 1, std::nullopt,
         {{"subnet", 0, true, false, "CIDR", "IPv4 subnet, e.g. 10.10.0.0/24 (default: a free private /24)"},
          {"subnet6", 0, true, false, "CIDR", "IPv6 subnet, e.g. fd00:1::/64 (default: a random ULA /64; none: IPv4 only)"},
          {"nat", 0, false, false, "", "masquerade outbound traffic (the default)"},
          {"no-nat", 0, false, false, "", "route the subnets without NAT"}},
         do_network_create, "Create a network (a managed bridge)",
         "Creates network NAME: a bridge of the same name (at most 15 characters) with the first address of\n"
         "each subnet as the containers' gateway, forwarding enabled, and rules in berth's nftables table\n"
         "'inet berth' (forward accepts for the bridge, masquerade unless --no-nat). Subnets must not overlap\n"
         "another network or a route of the host; a name used by any host interface is refused."},
        {"network list", {"ls"}, "[--json]", 0, 0, std::nullopt, {kJsonOption}, do_network_list, "List networks",
         "Lists networks: NAME SUBNET SUBNET6 NAT CONTAINERS (containers holding a lease). --json prints an\n"
         "array of objects with name, bridge, subnet, subnet6, nat, containers and object."},
        {"network status", {}, "NAME [--json]", 1, 1, std::nullopt, {kJsonOption}, do_network_status,
         "Show a network and the addresses in use",
         "Shows the bridge, subnets, gateways, NAT and DNS domain of network NAME, and one line per container\n"
         "holding a lease: its addresses, its interface inside and the host end of its veth pair."},
        {"network remove", {"rm"}, "NAME...", 1, kAnyNumber, std::nullopt, {}, do_network_remove,
         "Remove networks",
         "Removes each network NAME with its bridge and nftables rules. Refused while containers use it\n"
         "(remove them, or detach them with 'berthctl network detach'), and for the default network berth0."},
        {"network attach", {}, "CONTAINER NETWORK", 2, 2, std::nullopt, {}, do_network_attach,
         "Attach a container to a network (also while it runs)",
         "Gives CONTAINER an address on NETWORK and an interface for it (eth1, eth2...: the next free one). A\n"
         "running container gets the interface at once; either way it is kept for later starts."},
        {"network detach", {}, "CONTAINER NETWORK", 2, 2, std::nullopt, {}, do_network_detach,
         "Detach a container from a network (also while it runs)",
         "Removes CONTAINER's interface on NETWORK (at once when it runs) and releases its address there."},
    };
}

}  // namespace berth::ctl
