// The net= fields of START and NET_ATTACH, and the resolv.conf made from them: no root, no links.
#include <boost/test/unit_test.hpp>

#include "spawn/network.h"

using namespace berth;
using namespace berth::spawn;

BOOST_AUTO_TEST_SUITE(spawn_network)

BOOST_AUTO_TEST_CASE(net_field_parses)
{
    auto iface = parse_net_field("host=vb12345678,bridge=berth0,name=eth0,ipv4=10.139.0.2/24,gw4=10.139.0.1,"
                                 "ipv6=fd00:1::2/64,gw6=fd00:1::1,dns=10.139.0.1,search=berth");
    BOOST_TEST_REQUIRE(iface.has_value());
    BOOST_TEST(iface->host == "vb12345678");
    BOOST_TEST(iface->bridge == "berth0");
    BOOST_TEST(iface->name == "eth0");
    BOOST_TEST(iface->ipv4->to_string() == "10.139.0.2");
    BOOST_TEST(iface->prefix4 == 24);
    BOOST_TEST(iface->gw6->to_string() == "fd00:1::1");
    BOOST_TEST(iface->prefix6 == 64);
    const std::string resolv = resolv_conf_text({*iface});
    BOOST_TEST(resolv.find("nameserver 10.139.0.1\n") != std::string::npos);
    BOOST_TEST(resolv.find("search berth\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(net_field_refuses_bad_input)
{
    BOOST_TEST(!parse_net_field("host=vb1,bridge=b,name=eth0,ipv4=10.0.0.2"));          // no prefix
    BOOST_TEST(!parse_net_field("host=vb1,bridge=b,name=eth0,ipv4=fd00::2/64"));        // wrong family
    BOOST_TEST(!parse_net_field("host=vb1,bridge=b,name=eth0,gw4=10.0.0.300"));
    BOOST_TEST(!parse_net_field("host=vb1,bridge=b,name=../x"));
    BOOST_TEST(!parse_net_field("host=a-very-long-interface,bridge=b,name=eth0"));
    BOOST_TEST(!parse_net_field("host=vb1,bridge=b,name=eth0,color=blue"));
    BOOST_TEST(!parse_net_field("host=vb1,bridge=b,name=eth0,dns=1.1.1.1 evil"));
    BOOST_TEST(resolv_conf_text({}).empty());
}

BOOST_AUTO_TEST_SUITE_END()
