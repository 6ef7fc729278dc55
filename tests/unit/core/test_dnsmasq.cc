#include <boost/test/unit_test.hpp>

#include "core/net/dnsmasq.h"

using namespace berth;
using namespace berth::net;

namespace {
bool contains(const std::string& haystack, const std::string& needle)
{
    return haystack.find(needle) != std::string::npos;
}

Network sample()
{
    Network n;
    n.spec.name = "berth0";
    n.spec.subnet = *Cidr::parse("10.0.3.0/24");
    n.spec.subnet6 = *Cidr::parse("fd00:1::/64");
    Lease web{"web", 7, *IpAddress::parse("10.0.3.7"), *IpAddress::parse("fd00:1::7"), "vb00000001"};
    Lease db{"db", 2, *IpAddress::parse("10.0.3.2"), std::nullopt, "vb00000002"};
    n.leases = {{"web", web}, {"db", db}};
    return n;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(dnsmasq)

BOOST_AUTO_TEST_CASE(names)
{
    BOOST_TEST(dnsmasq_dir("/run/berth", "berth0") == "/run/berth/dnsmasq/berth0");
    BOOST_TEST(dnsmasq_unit("berth0") == "berth-dnsmasq-berth0.service");
    auto argv = dnsmasq_argv("/d");
    BOOST_TEST(argv.front() == "/usr/sbin/dnsmasq");
    BOOST_TEST(argv.back() == "--conf-file=/d/dnsmasq.conf");
}

BOOST_AUTO_TEST_CASE(config_listens_on_the_bridge_only)
{
    const std::string c = dnsmasq_config(sample(), "/run/berth/dnsmasq/berth0");
    BOOST_TEST(contains(c, "\ninterface=berth0\n"));
    BOOST_TEST(contains(c, "\nbind-interfaces\n"));
    BOOST_TEST(contains(c, "\nexcept-interface=lo\n"));
    BOOST_TEST(contains(c, "\nlisten-address=10.0.3.1\n"));
    BOOST_TEST(contains(c, "\nlisten-address=fd00:1::1\n"));
    BOOST_TEST(contains(c, "\nlocal=/berth/\n"));
    BOOST_TEST(contains(c, "\naddn-hosts=/run/berth/dnsmasq/berth0/hosts\n"));
    BOOST_TEST(contains(c, "\ndhcp-range=10.0.3.0,static,255.255.255.0,1h\n"));
    BOOST_TEST(contains(c, "\ndhcp-hostsfile=/run/berth/dnsmasq/berth0/dhcp-hosts\n"));
}

BOOST_AUTO_TEST_CASE(config_without_ipv4_has_no_dhcp)
{
    Network n = sample();
    n.spec.subnet.reset();
    const std::string c = dnsmasq_config(n, "/d");
    BOOST_TEST(!contains(c, "dhcp-range"));
    BOOST_TEST(!contains(c, "listen-address=10."));
}

BOOST_AUTO_TEST_CASE(hosts_files)
{
    BOOST_TEST(dnsmasq_hosts(sample()) ==
               "10.0.3.2 db.berth db\n"
               "10.0.3.7 web.berth web\n"
               "fd00:1::7 web.berth web\n");
    BOOST_TEST(dnsmasq_dhcp_hosts(sample()) == "db,10.0.3.2\nweb,10.0.3.7\n");
}

BOOST_AUTO_TEST_SUITE_END()
