#include <boost/test/unit_test.hpp>

#include "core/net/port_forward.h"
#include "core/spec.h"

using namespace berth;

namespace {
bool refused(std::string_view text, std::string_view why)
{
    auto r = parse_port_forward(text);
    return !r && r.error().kind == ErrorKind::InvalidArgument && r.error().message.find(why) != std::string::npos;
}

bool contains(const std::string& haystack, const std::string& needle)
{
    return haystack.find(needle) != std::string::npos;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(port_forward)

BOOST_AUTO_TEST_CASE(parses_every_form)
{
    auto a = parse_port_forward("8080:80");
    BOOST_REQUIRE(a);
    BOOST_TEST(a->host_address == "");
    BOOST_TEST(a->host_port == 8080);
    BOOST_TEST(a->container_port == 80);
    BOOST_TEST((a->protocol == PortProtocol::Tcp));

    auto b = parse_port_forward("127.0.0.1:5353:53/udp");
    BOOST_REQUIRE(b);
    BOOST_TEST(b->host_address == "127.0.0.1");
    BOOST_TEST((b->protocol == PortProtocol::Udp));

    auto c = parse_port_forward("[::0001]:443:8443/tcp");
    BOOST_REQUIRE(c);
    BOOST_TEST(c->host_address == "::1");   // canonical form
    BOOST_TEST(c->host_port == 443);
    BOOST_TEST(c->container_port == 8443);
}

BOOST_AUTO_TEST_CASE(formats_what_it_reads)
{
    for (const char* text : {"8080:80/tcp", "1:65535/udp", "192.0.2.7:80:80/tcp", "[2001:db8::1]:8080:80/udp"}) {
        auto f = parse_port_forward(text);
        BOOST_REQUIRE_MESSAGE(f, text);
        BOOST_TEST(format_port_forward(*f) == text);
    }
    BOOST_TEST(format_port_forward(*parse_port_forward("8080:80")) == "8080:80/tcp");
}

BOOST_AUTO_TEST_CASE(refuses_bad_specs)
{
    BOOST_TEST(refused("80", "missing ':'"));
    BOOST_TEST(refused("0:80", "host port '0'"));
    BOOST_TEST(refused("65536:80", "host port '65536'"));
    BOOST_TEST(refused("80:", "container port ''"));
    BOOST_TEST(refused("80:x", "container port 'x'"));
    BOOST_TEST(refused("8080:80/sctp", "protocol 'sctp'"));
    BOOST_TEST(refused("300.1.1.1:80:80", "not an IPv4 or IPv6 address"));
    BOOST_TEST(refused("::1:80:80", "in brackets"));
    BOOST_TEST(refused("[nonsense]:80:80", "not an IPv4 or IPv6"));
    BOOST_TEST(refused("-1:80", "host port"));
    BOOST_TEST(refused("", "missing ':'"));
}

BOOST_AUTO_TEST_CASE(port_keys)
{
    auto k = parse_port_key("8080");
    BOOST_REQUIRE(k);
    BOOST_TEST(k->first == 8080);
    BOOST_TEST((k->second == PortProtocol::Tcp));
    auto u = parse_port_key("53/udp");
    BOOST_REQUIRE(u);
    BOOST_TEST((u->second == PortProtocol::Udp));
    BOOST_TEST(!parse_port_key("x/udp"));
    BOOST_TEST(!parse_port_key("53/icmp"));
}

BOOST_AUTO_TEST_CASE(clashes)
{
    auto f = [](const char* t) { return *parse_port_forward(t); };
    BOOST_TEST(forwards_clash(f("8080:80"), f("8080:81")));
    BOOST_TEST(forwards_clash(f("8080:80"), f("127.0.0.1:8080:80")));       // "every address" overlaps one
    BOOST_TEST(!forwards_clash(f("8080:80/tcp"), f("8080:80/udp")));
    BOOST_TEST(!forwards_clash(f("127.0.0.1:8080:80"), f("[::1]:8080:80")));
    BOOST_TEST(!forwards_clash(f("8080:80"), f("8081:80")));
}

BOOST_AUTO_TEST_CASE(ruleset_without_forwards_only_deletes)
{
    const std::string r = port_forward_ruleset({});
    BOOST_TEST(r == "table inet berth_ports\ndelete table inet berth_ports\n");
    ForwardTarget no_address{"web", "berth0", "", "", {*parse_port_forward("8080:80")}};
    BOOST_TEST(port_forward_ruleset({no_address}) == r);
}

BOOST_AUTO_TEST_CASE(ruleset_dnats_both_families)
{
    ForwardTarget t{"web", "berth0", "10.0.3.7", "fd00:1::7",
                    {*parse_port_forward("8080:80"), *parse_port_forward("127.0.0.1:5353:53/udp"),
                     *parse_port_forward("[fd00:1::1]:9090:90")}};
    const std::string r = port_forward_ruleset({t});
    BOOST_TEST(contains(r, "delete table inet berth_ports\ntable inet berth_ports {"));
    BOOST_TEST(contains(r, "meta nfproto ipv4 tcp dport 8080 dnat ip to 10.0.3.7:80 comment \"web 8080:80/tcp\""));
    BOOST_TEST(contains(r, "meta nfproto ipv6 tcp dport 8080 dnat ip6 to [fd00:1::7]:80"));
    BOOST_TEST(contains(r, "ip daddr 127.0.0.1 udp dport 5353 dnat ip to 10.0.3.7:53"));
    BOOST_TEST(!contains(r, "udp dport 5353 dnat ip6"));   // an IPv4 host address forwards IPv4 only
    BOOST_TEST(contains(r, "ip6 daddr fd00:1::1 tcp dport 9090 dnat ip6 to [fd00:1::7]:90"));
    BOOST_TEST(!contains(r, "tcp dport 9090 dnat ip to"));
    // loopback sources leave only through berth's bridge, masqueraded
    BOOST_TEST(contains(r, "oifname \"berth0\" ip saddr 127.0.0.0/8 ct status dnat masquerade"));
    BOOST_TEST(contains(r, "type nat hook output priority -100"));
    BOOST_TEST(contains(r, "fib daddr type local jump forwards"));
    BOOST_TEST(contains(r, "ct status dnat accept"));
}

BOOST_AUTO_TEST_CASE(ruleset_ipv4_only_container)
{
    ForwardTarget t{"db", "net1", "10.1.0.2", "", {*parse_port_forward("5432:5432")}};
    const std::string r = port_forward_ruleset({t});
    BOOST_TEST(contains(r, "dnat ip to 10.1.0.2:5432"));
    BOOST_TEST(!contains(r, "dnat ip6"));
}

BOOST_AUTO_TEST_CASE(spec_round_trips_ports)
{
    ContainerSpec s;
    s.name = "web";
    s.image = "busybox";
    s.idmap_base = 65536;
    s.idmap_size = 65536;
    s.port_forwards = {*parse_port_forward("8080:80"), *parse_port_forward("[::1]:53:53/udp")};
    s.limits.net_rate_in = 10'000'000;
    s.limits.net_rate_out = 2'000'000;
    auto back = parse_spec(spec_to_toml(s), "test");
    BOOST_REQUIRE_MESSAGE(back.has_value(), (back ? std::string() : back.error().message));
    BOOST_TEST((back->port_forwards == s.port_forwards));
    BOOST_TEST(back->limits.net_rate_in == 10'000'000u);
    BOOST_TEST(back->limits.net_rate_out == 2'000'000u);
}

BOOST_AUTO_TEST_CASE(spec_refuses_bad_and_clashing_ports)
{
    const std::string head = "name = \"a\"\nimage = \"b\"\nmode = \"boot\"\n[idmap]\nbase = 65536\nsize = 65536\n";
    auto bad = parse_spec("ports = [\"80\"]\n" + head, "t");
    BOOST_TEST(!bad);
    auto clash = parse_spec("ports = [\"80:80\", \"127.0.0.1:80:81\"]\n" + head, "t");
    BOOST_REQUIRE(!clash);
    BOOST_TEST(contains(clash.error().message, "clashes"));
}

BOOST_AUTO_TEST_SUITE_END()
