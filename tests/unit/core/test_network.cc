// CIDR parsing, IPAM, leases and their persistence, the nftables ruleset text. A fake NetworkHost records what the
// manager asked of the kernel; no link is created.
#include <boost/test/unit_test.hpp>

#include <set>

#include "core/net/cidr.h"
#include "core/net/firewall.h"
#include "core/net/network.h"
#include "core/net/network_store.h"
#include "temp_dir.h"

using namespace berth;
using namespace berth::net;

namespace {

struct FakeHost : NetworkHost {
    std::set<std::string> bridges;
    std::set<std::string> host_interfaces = {"lo", "eth0"};
    std::vector<Cidr> routes;
    size_t firewall_syncs = 0;
    size_t last_firewall_networks = 0;
    bool fail_firewall = false;

    Result<> ensure_bridge(const Network& n) override
    {
        bridges.insert(n.bridge());
        return {};
    }
    Result<> delete_bridge(const std::string& name) override
    {
        bridges.erase(name);
        return {};
    }
    Result<> delete_link(const std::string&) override { return {}; }
    bool interface_exists(const std::string& name) override
    {
        return host_interfaces.count(name) || bridges.count(name);
    }
    std::vector<Cidr> host_routes() override { return routes; }
    Result<> sync_firewall(const std::vector<const Network*>& networks) override
    {
        ++firewall_syncs;
        if (fail_firewall)
            return fail(ErrorKind::Failed, "nft refused");
        last_firewall_networks = networks.size();
        return {};
    }
    Result<> enable_forwarding() override { return {}; }
};

Cidr cidr(const char* text) { return Cidr::parse(text).value(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(network)

BOOST_AUTO_TEST_CASE(cidr_parse_and_print)
{
    BOOST_TEST(cidr("10.1.2.0/24").to_string() == "10.1.2.0/24");
    BOOST_TEST(cidr("fd00:1::/64").to_string() == "fd00:1::/64");
    BOOST_TEST(!Cidr::parse("10.1.2.0"));
    BOOST_TEST(!Cidr::parse("10.1.2.300/24"));
    BOOST_TEST(!Cidr::parse("10.1.2.0/33"));
    BOOST_TEST(!Cidr::parse("10.1.2.0/"));
    BOOST_TEST(!Cidr::parse("fd00::/129"));
    auto host_bits = Cidr::parse("10.1.2.1/24");
    BOOST_TEST_REQUIRE(!host_bits);
    BOOST_TEST(host_bits.error().message.find("10.1.2.0/24") != std::string::npos);
    BOOST_TEST((host_bits.error().kind == ErrorKind::InvalidArgument));
}

BOOST_AUTO_TEST_CASE(cidr_overlap_and_hosts)
{
    BOOST_TEST(cidr("10.0.0.0/8").overlaps(cidr("10.1.2.0/24")));
    BOOST_TEST(cidr("10.1.2.0/24").overlaps(cidr("10.0.0.0/8")));
    BOOST_TEST(!cidr("10.1.2.0/24").overlaps(cidr("10.1.3.0/24")));
    BOOST_TEST(!cidr("10.1.2.0/24").overlaps(cidr("fd00::/64")));
    BOOST_TEST(cidr("10.1.2.0/24").host(1)->to_string() == "10.1.2.1");
    BOOST_TEST(cidr("10.1.2.0/23").host(300)->to_string() == "10.1.3.44");
    BOOST_TEST(!cidr("10.1.2.0/24").host(256));
    BOOST_TEST(cidr("fd00:1::/64").host(7)->to_string() == "fd00:1::7");
    BOOST_TEST(cidr("fd00:1::/64").host(0x1234)->to_string() == "fd00:1::1234");
    BOOST_TEST(cidr("10.1.2.0/24").host_count() == 254u);
    BOOST_TEST(cidr("10.1.2.0/30").host_count() == 2u);
    BOOST_TEST(cidr("10.1.2.0/24").contains(IpAddress::parse("10.1.2.77").value()));
    BOOST_TEST(!cidr("10.1.2.0/24").contains(IpAddress::parse("10.1.3.1").value()));
}

BOOST_AUTO_TEST_CASE(subnet_validation)
{
    BOOST_TEST(validate_network_subnet(cidr("10.1.2.0/24")).has_value());
    BOOST_TEST(!validate_network_subnet(cidr("10.1.2.0/31")));
    BOOST_TEST(!validate_network_subnet(cidr("127.0.0.0/8")));
    BOOST_TEST(!validate_network_subnet(cidr("169.254.0.0/16")));
    BOOST_TEST(!validate_network_subnet(cidr("224.0.0.0/24")));
    BOOST_TEST(validate_network_subnet(cidr("fd00:1::/64")).has_value());
    BOOST_TEST(!validate_network_subnet(cidr("fe80::/64")));
    BOOST_TEST(!validate_network_subnet(cidr("fd00::/32")));
}

BOOST_AUTO_TEST_CASE(default_network_avoids_host_routes)
{
    testing::TempDir dir;
    FakeHost host;
    host.routes = {cidr("0.0.0.0/0"), cidr("10.139.0.0/24"), cidr("10.139.1.0/25")};
    NetworkManager networks(dir.path, host);
    auto warnings = networks.init();
    BOOST_TEST_REQUIRE(warnings.has_value());
    for (const auto& w : *warnings) BOOST_TEST_MESSAGE(w);
    BOOST_TEST(warnings->empty());
    const Network* n = networks.find("berth0");
    BOOST_TEST_REQUIRE(n != nullptr);
    BOOST_TEST(n->spec.subnet->to_string() == "10.139.2.0/24");
    BOOST_TEST_REQUIRE(n->spec.subnet6.has_value());
    BOOST_TEST(n->spec.subnet6->address.bytes[0] == 0xfd);
    BOOST_TEST(n->gateway4()->to_string() == "10.139.2.1");
    BOOST_TEST(host.bridges.count("berth0") == 1u);
    BOOST_TEST(host.last_firewall_networks == 1u);
}

BOOST_AUTO_TEST_CASE(leases_are_stable_persisted_and_released)
{
    testing::TempDir dir;
    FakeHost host;
    {
        NetworkManager networks(dir.path, host);
        BOOST_TEST_REQUIRE(networks.init().has_value());
        BOOST_TEST_REQUIRE(networks.create({.name = "lab", .subnet = cidr("10.5.0.0/24"),
                                            .subnet6 = cidr("fd00:5::/64")}).has_value());
        auto a = networks.acquire("a", "lab");
        auto b = networks.acquire("b", "lab");
        BOOST_TEST_REQUIRE((a && b));
        BOOST_TEST(a->ipv4->to_string() == "10.5.0.2");
        BOOST_TEST(a->ipv6->to_string() == "fd00:5::2");
        BOOST_TEST(b->ipv4->to_string() == "10.5.0.3");
        BOOST_TEST(networks.acquire("a", "lab")->index == a->index);   // idempotent
        BOOST_TEST(a->host_ifname == NetworkManager::host_veth_name("a", "lab"));
        BOOST_TEST(a->host_ifname.size() <= 15u);
        BOOST_TEST_REQUIRE(networks.release("a", "lab").has_value());
    }
    // A new manager (berthd restarted) reads the same leases; a freed address is reused.
    NetworkManager again(dir.path, host);
    BOOST_TEST_REQUIRE(again.init().has_value());
    BOOST_TEST(again.lease("a", "lab") == nullptr);
    BOOST_TEST_REQUIRE(again.lease("b", "lab") != nullptr);
    BOOST_TEST(again.lease("b", "lab")->ipv4->to_string() == "10.5.0.3");
    BOOST_TEST(again.acquire("c", "lab")->ipv4->to_string() == "10.5.0.2");
    again.release_all("b");
    BOOST_TEST(again.lease("b", "lab") == nullptr);
}

BOOST_AUTO_TEST_CASE(exhausted_subnet_is_quota_exceeded)
{
    testing::TempDir dir;
    FakeHost host;
    NetworkManager networks(dir.path, host);
    BOOST_TEST_REQUIRE(networks.init().has_value());
    BOOST_TEST_REQUIRE(networks.create({.name = "tiny", .subnet = cidr("10.6.0.0/30"), .no_ipv6 = true}).has_value());
    BOOST_TEST(networks.acquire("a", "tiny").has_value());
    auto full = networks.acquire("b", "tiny");
    BOOST_TEST_REQUIRE(!full);
    BOOST_TEST((full.error().kind == ErrorKind::QuotaExceeded));
}

BOOST_AUTO_TEST_CASE(bad_networks_are_refused_and_leave_nothing)
{
    testing::TempDir dir;
    FakeHost host;
    host.routes = {cidr("192.168.1.0/24")};
    NetworkManager networks(dir.path, host);
    BOOST_TEST_REQUIRE(networks.init().has_value());
    const auto base = networks.list().size();
    BOOST_TEST_REQUIRE(networks.create({.name = "n0", .subnet = cidr("10.7.3.0/24")}).has_value());
    auto clash = networks.create({.name = "n2", .subnet = cidr("10.7.3.128/25")});
    BOOST_TEST_REQUIRE(!clash);
    BOOST_TEST(clash.error().message.find("overlaps the subnet 10.7.3.0/24 of network n0") != std::string::npos);
    auto route = networks.create({.name = "n3", .subnet = cidr("192.168.0.0/16")});
    BOOST_TEST_REQUIRE(!route);
    BOOST_TEST(route.error().message.find("route") != std::string::npos);
    auto iface = networks.create({.name = "eth0"});
    BOOST_TEST_REQUIRE(!iface);
    BOOST_TEST((iface.error().kind == ErrorKind::AlreadyExists));
    auto long_name = networks.create({.name = "a-very-long-name"});
    BOOST_TEST(!long_name);
    auto family = networks.create({.name = "n4", .subnet = cidr("fd00:9::/64")});
    BOOST_TEST(!family);
    host.fail_firewall = true;
    auto nft = networks.create({.name = "n5", .subnet = cidr("10.8.0.0/24")});
    BOOST_TEST(!nft);
    BOOST_TEST(host.bridges.count("n5") == 0u);   // undone
    BOOST_TEST(networks.find("n5") == nullptr);
    BOOST_TEST(!path_exists(dir.path + "/networks/n5.toml"));
    BOOST_TEST(networks.list().size() == base + 1);
}

BOOST_AUTO_TEST_CASE(remove_refused_while_used_or_default)
{
    testing::TempDir dir;
    FakeHost host;
    NetworkManager networks(dir.path, host);
    BOOST_TEST_REQUIRE(networks.init().has_value());
    BOOST_TEST_REQUIRE(networks.create({.name = "lab", .subnet = cidr("10.9.0.0/24")}).has_value());
    BOOST_TEST(networks.acquire("a", "lab").has_value());
    auto used = networks.remove("lab");
    BOOST_TEST_REQUIRE(!used);
    BOOST_TEST(used.error().message.find("used by container(s) a") != std::string::npos);
    BOOST_TEST(!networks.remove("berth0"));
    BOOST_TEST(networks.release("a", "lab").has_value());
    BOOST_TEST(networks.remove("lab").has_value());
    BOOST_TEST(host.bridges.count("lab") == 0u);
    BOOST_TEST(networks.find("lab") == nullptr);
}

BOOST_AUTO_TEST_CASE(network_file_round_trip)
{
    Network n;
    n.spec.name = "lab";
    n.spec.subnet = cidr("10.5.0.0/24");
    n.spec.subnet6 = cidr("fd00:5::/64");
    n.spec.nat = false;
    n.spec.created_at = 42;
    Lease l;
    l.container = "web";
    l.index = 9;
    l.ipv4 = n.spec.subnet->host(9);
    l.ipv6 = n.spec.subnet6->host(9);
    l.host_ifname = NetworkManager::host_veth_name("web", "lab");
    l.ifname = "eth1";
    n.leases["web"] = l;
    auto back = parse_network(network_to_toml(n), "test");
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST((back->spec == n.spec));
    BOOST_TEST((back->leases.at("web") == l));
    BOOST_TEST(!parse_network("name = \"x\"\nsubnet = \"10.0.0.1/24\"\n", "bad"));
    BOOST_TEST(!parse_network("name = \"x\"\n", "no subnet"));
}

BOOST_AUTO_TEST_CASE(firewall_ruleset_text)
{
    Network a;
    a.spec.name = "berth0";
    a.spec.subnet = cidr("10.139.0.0/24");
    a.spec.subnet6 = cidr("fd00:1::/64");
    Network b;
    b.spec.name = "lab";
    b.spec.subnet = cidr("10.5.0.0/24");
    b.spec.nat = false;
    const std::string rules = firewall_ruleset({&a, &b});
    BOOST_TEST(rules.find("add table inet berth\ndelete table inet berth\n") == 0u);
    BOOST_TEST(rules.find("iifname \"lab\" accept") != std::string::npos);
    BOOST_TEST(rules.find("ip saddr 10.139.0.0/24 oifname != \"berth0\" masquerade") != std::string::npos);
    BOOST_TEST(rules.find("ip6 saddr fd00:1::/64 oifname != \"berth0\" masquerade") != std::string::npos);
    BOOST_TEST(rules.find("10.5.0.0/24") == std::string::npos);   // no NAT for lab
    BOOST_TEST(firewall_ruleset({}) == "add table inet berth\ndelete table inet berth\n");
}

BOOST_AUTO_TEST_CASE(start_field_carries_addresses)
{
    Network n;
    n.spec.name = "lab";
    n.spec.subnet = cidr("10.5.0.0/24");
    Lease l;
    l.container = "web";
    l.index = 2;
    l.ipv4 = n.spec.subnet->host(2);
    l.host_ifname = "vb12345678";
    BOOST_TEST(start_field(n, l) ==
               "host=vb12345678,bridge=lab,name=eth0,ipv4=10.5.0.2/24,gw4=10.5.0.1,dns=10.5.0.1,search=berth");
}

BOOST_AUTO_TEST_SUITE_END()
