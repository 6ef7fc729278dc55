// Parsing and printing of port forward specs. Addresses go through inet_pton/inet_ntop so that "::0001" and "::1"
// are the same forward and a clash is found whichever way the user wrote them.
#include "core/net/port_forward.h"

#include <arpa/inet.h>

#include <charconv>

namespace berth {

namespace {

Result<uint16_t> parse_port(std::string_view text, std::string_view what)
{
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < 1 || value > 65535)
        return fail(ErrorKind::InvalidArgument,
                    std::string(what) + " '" + std::string(text) + "' is not a port number (1-65535)");
    return static_cast<uint16_t>(value);
}

Result<PortProtocol> parse_protocol(std::string_view text)
{
    auto proto = kPortProtocolTable.from_string(text);
    if (!proto)
        return fail(ErrorKind::InvalidArgument, "protocol '" + std::string(text) + "' is not tcp or udp");
    return *proto;
}

// Canonical text of an IPv4 or IPv6 address; InvalidArgument otherwise.
Result<std::string> canonical_address(std::string_view text)
{
    const std::string s(text);
    unsigned char buf[sizeof(struct in6_addr)];
    char out[INET6_ADDRSTRLEN];
    for (int family : {AF_INET, AF_INET6}) {
        if (inet_pton(family, s.c_str(), buf) == 1 && inet_ntop(family, buf, out, sizeof out))
            return std::string(out);
    }
    return fail(ErrorKind::InvalidArgument, "host address '" + s + "' is not an IPv4 or IPv6 address");
}

// Splits off "/proto" (tcp when absent).
Result<PortProtocol> take_protocol(std::string_view& text)
{
    const size_t slash = text.rfind('/');
    if (slash == std::string_view::npos)
        return PortProtocol::Tcp;
    auto proto = BERTH_TRY(parse_protocol(text.substr(slash + 1)));
    text = text.substr(0, slash);
    return proto;
}

}  // namespace

Result<PortForward> parse_port_forward(std::string_view text)
{
    const std::string original(text);
    auto bad = [&](const std::string& why) {
        return fail(ErrorKind::InvalidArgument,
                    "invalid port forward '" + original + "': " + why +
                        " (use [HOSTADDR:]HOSTPORT:PORT[/tcp|/udp], e.g. 8080:80 or 127.0.0.1:8080:80/tcp)");
    };
    PortForward f;
    auto proto = take_protocol(text);
    if (!proto)
        return bad(proto.error().message);
    f.protocol = *proto;

    // The last two ':'-separated fields are the ports; what is before them is the address ([v6] or v4).
    const size_t last = text.rfind(':');
    if (last == std::string_view::npos)
        return bad("missing ':' between the host port and the container port");
    const size_t second = last == 0 ? std::string_view::npos : text.rfind(':', last - 1);
    std::string_view host_port = second == std::string_view::npos ? text.substr(0, last)
                                                                   : text.substr(second + 1, last - second - 1);
    std::string_view container_port = text.substr(last + 1);
    if (second != std::string_view::npos) {
        std::string_view address = text.substr(0, second);
        if (address.size() >= 2 && address.front() == '[' && address.back() == ']')
            address = address.substr(1, address.size() - 2);
        else if (address.find(':') != std::string_view::npos)
            return bad("write an IPv6 host address in brackets, e.g. [::1]:8080:80");
        auto canonical = canonical_address(address);
        if (!canonical)
            return bad(canonical.error().message);
        f.host_address = *canonical;
    }
    auto hp = parse_port(host_port, "host port");
    if (!hp)
        return bad(hp.error().message);
    auto cp = parse_port(container_port, "container port");
    if (!cp)
        return bad(cp.error().message);
    f.host_port = *hp;
    f.container_port = *cp;
    return f;
}

std::string format_port_forward(const PortForward& f)
{
    std::string out;
    if (!f.host_address.empty())
        out += forward_is_ipv6_only(f) ? "[" + f.host_address + "]:" : f.host_address + ":";
    out += std::to_string(f.host_port) + ":" + std::to_string(f.container_port) + "/";
    out += kPortProtocolTable.to_string(f.protocol);
    return out;
}

Result<std::pair<uint16_t, PortProtocol>> parse_port_key(std::string_view text)
{
    const std::string original(text);
    auto proto = take_protocol(text);
    if (!proto)
        return fail(ErrorKind::InvalidArgument, "invalid port '" + original + "': " + proto.error().message);
    auto port = parse_port(text, "host port");
    if (!port)
        return fail(ErrorKind::InvalidArgument,
                    "invalid port '" + original + "': " + port.error().message + " (use HOSTPORT[/tcp|/udp])");
    return std::pair{*port, *proto};
}

bool forwards_clash(const PortForward& a, const PortForward& b)
{
    if (a.protocol != b.protocol || a.host_port != b.host_port)
        return false;
    return a.host_address.empty() || b.host_address.empty() || a.host_address == b.host_address;
}

bool forward_is_ipv6_only(const PortForward& f) { return f.host_address.find(':') != std::string::npos; }
bool forward_is_ipv4_only(const PortForward& f)
{
    return !f.host_address.empty() && !forward_is_ipv6_only(f);
}

}  // namespace berth
