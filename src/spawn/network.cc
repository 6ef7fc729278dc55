#include "spawn/network.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <charconv>

#include "base/reverter.h"
#include "base/unique_fd.h"
#include "core/net/netlink.h"

namespace berth::spawn {

namespace {

using net::Family;

tl::unexpected<Error> invalid(const std::string& message)
{
    return fail(ErrorKind::InvalidArgument, "net=: " + message, EINVAL);
}

Result<> parse_address(const std::string& text, Family family, std::optional<net::IpAddress>& out, uint8_t* prefix)
{
    std::string address = text;
    if (prefix) {
        const auto slash = text.find('/');
        if (slash == std::string::npos)
            return invalid(text + " has no prefix length");
        address = text.substr(0, slash);
        const std::string len = text.substr(slash + 1);
        unsigned value = 0;
        auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), value);
        if (ec != std::errc() || end != len.data() + len.size() || value > (family == Family::V4 ? 32u : 128u))
            return invalid(text + " has an invalid prefix length");
        *prefix = static_cast<uint8_t>(value);
    }
    auto parsed = net::IpAddress::parse(address);
    if (!parsed || parsed->family != family)
        return invalid(text + " is not an address of the expected family");
    out = *parsed;
    return {};
}

bool valid_ifname(const std::string& name)
{
    return !name.empty() && name.size() < 16 && name.find_first_of("/: \t\n") == std::string::npos;
}

// A netlink socket inside the network namespace of `pid`: enter it, open the socket, come back.
Result<net::Netlink> netlink_in(pid_t pid)
{
    UniqueFd own(open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
    UniqueFd target(open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
    if (!own || !target)
        return fail_errno("open the network namespaces");
    if (setns(target.get(), CLONE_NEWNET) < 0)
        return fail_errno("enter the container's network namespace");
    auto nl = net::Netlink::open();
    if (setns(own.get(), CLONE_NEWNET) < 0)
        _exit(125);   // berth-spawn in the wrong namespace would plug every later veth into the container
    return nl;
}

}  // namespace

Result<NetInterface> parse_net_field(const std::string& field)
{
    NetInterface iface;
    size_t pos = 0;
    while (pos <= field.size()) {
        size_t comma = field.find(',', pos);
        if (comma == std::string::npos)
            comma = field.size();
        const std::string item = field.substr(pos, comma - pos);
        pos = comma + 1;
        const auto eq = item.find('=');
        if (eq == std::string::npos)
            return invalid("'" + item + "' is not key=value");
        const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
        if (key == "host")
            iface.host = value;
        else if (key == "bridge")
            iface.bridge = value;
        else if (key == "name")
            iface.name = value;
        else if (key == "ipv4")
            BERTH_TRY(parse_address(value, Family::V4, iface.ipv4, &iface.prefix4));
        else if (key == "ipv6")
            BERTH_TRY(parse_address(value, Family::V6, iface.ipv6, &iface.prefix6));
        else if (key == "gw4")
            BERTH_TRY(parse_address(value, Family::V4, iface.gw4, nullptr));
        else if (key == "gw6")
            BERTH_TRY(parse_address(value, Family::V6, iface.gw6, nullptr));
        else if (key == "dns")
            iface.dns = value;
        else if (key == "search")
            iface.search = value;
        else
            return invalid("unknown key '" + key + "'");
    }
    if (!valid_ifname(iface.host) || !valid_ifname(iface.bridge) || !valid_ifname(iface.name))
        return invalid("host=, bridge= and name= must be interface names");
    if (iface.dns.find_first_of(" \n") != std::string::npos || iface.search.find_first_of(" \n") != std::string::npos)
        return invalid("dns= and search= must be single words");
    return iface;
}

Result<std::vector<NetInterface>> parse_net_fields(const std::vector<std::string>& fields)
{
    std::vector<NetInterface> out;
    for (const auto& field : fields)
        out.push_back(BERTH_TRY(parse_net_field(field)));
    return out;
}

Result<> plug_interface(const NetInterface& iface, pid_t pid)
{
    auto host = BERTH_TRY(net::Netlink::open());
    const int bridge = BERTH_TRY(host.link_index(iface.bridge));
    // A host end left by an earlier run whose namespace the kernel has not finished tearing down.
    BERTH_TRY(host.delete_link(iface.host));
    UniqueFd netns(open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC));
    if (!netns)
        return fail_errno("open the container's network namespace");
    BERTH_TRY(host.create_veth(iface.host, bridge, iface.name, netns.get()));
    Reverter revert;
    revert.add([&] { (void)host.delete_link(iface.host); });
    BERTH_TRY(host.set_up(BERTH_TRY(host.link_index(iface.host))));

    auto inside = BERTH_TRY(netlink_in(pid));
    const int index = BERTH_TRY(inside.link_index(iface.name));
    BERTH_TRY(inside.set_up(index));
    if (iface.ipv4)
        BERTH_TRY(inside.add_address(index, *iface.ipv4, iface.prefix4));
    if (iface.ipv6)
        BERTH_TRY(inside.add_address(index, *iface.ipv6, iface.prefix6));
    if (iface.gw4)
        BERTH_TRY(inside.add_default_route(index, *iface.gw4));
    if (iface.gw6)
        BERTH_TRY(inside.add_default_route(index, *iface.gw6));
    revert.success();
    return {};
}

Result<> unplug_interface(const std::string& host_ifname)
{
    auto host = BERTH_TRY(net::Netlink::open());
    return host.delete_link(host_ifname);
}

std::string resolv_conf_text(const std::vector<NetInterface>& interfaces)
{
    for (const auto& iface : interfaces) {
        if (iface.dns.empty())
            continue;
        std::string out = "# written by berth at each start: the network's DNS server (the gateway)\n";
        out += "nameserver " + iface.dns + "\n";
        if (!iface.search.empty())
            out += "search " + iface.search + "\n";
        return out;
    }
    return {};
}

Result<> write_resolv_conf(const std::string& text)
{
    const char* tmp = "/etc/.resolv.conf.berth";
    UniqueFd fd(open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd)
        return fail_errno("create /etc/resolv.conf");
    if (write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        unlink(tmp);
        return fail_errno("write /etc/resolv.conf");
    }
    fd.reset();
    if (rename(tmp, "/etc/resolv.conf") < 0) {
        unlink(tmp);
        return fail_errno("replace /etc/resolv.conf");
    }
    return {};
}

}  // namespace berth::spawn
