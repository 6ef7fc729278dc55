// Port forward verbs: port add, port list, port remove. The daemon parses and checks the forward; berthctl only
// passes the text on and prints what it reports back.
#include <algorithm>
#include <cstdio>
#include <tuple>

#include "ctl/bus.h"
#include "ctl/errors.h"
#include "ctl/output.h"
#include "ctl/verbs.h"

namespace berth::ctl {

namespace {

// "[ADDR:]HOSTPORT:PORT/PROTO" split into host side, container port and protocol for the table.
struct ForwardColumns {
    std::string host;
    std::string port;
    std::string protocol;
};

ForwardColumns split_forward(const std::string& text)
{
    ForwardColumns c;
    const size_t slash = text.rfind('/');
    std::string rest = text.substr(0, slash);
    c.protocol = slash == std::string::npos ? "tcp" : text.substr(slash + 1);
    const size_t colon = rest.rfind(':');
    c.port = rest.substr(colon + 1);
    c.host = rest.substr(0, colon);
    if (c.host.find(':') == std::string::npos)
        c.host = "*:" + c.host;   // every address of the host
    return c;
}

Result<int> do_port_add(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    auto container = BERTH_TRY(bus.container(inv.args.positionals[0]));
    const std::string added = BERTH_TRY(bus_call([&] { return container->AddPortForward(inv.args.positionals[1]); }));
    std::printf("Forwarding %s to container %s.\n", added.c_str(), inv.args.positionals[0].c_str());
    return 0;
}

Result<int> do_port_remove(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    auto container = BERTH_TRY(bus.container(inv.args.positionals[0]));
    int status = 0;
    for (size_t i = 1; i < inv.args.positionals.size(); ++i) {
        auto r = bus_call([&] { container->RemovePortForward(inv.args.positionals[i]); });
        if (!r)
            status = report_error(r.error(), inv.verb.name);
    }
    return status;
}

Result<int> do_port_list(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    std::vector<std::string> names;
    if (!inv.args.positionals.empty()) {
        names.push_back(inv.args.positionals[0]);
    } else {
        auto containers = BERTH_TRY(bus_call([&] { return bus.manager().ListContainers(); }));
        for (const auto& c : containers)
            names.push_back(std::get<0>(c));
        std::sort(names.begin(), names.end());
    }
    std::vector<std::pair<std::string, std::string>> rows;   // container, forward
    for (const auto& name : names) {
        auto container = bus.container(name);
        if (!container) {
            if (!inv.args.positionals.empty())
                return fail(container.error());
            continue;   // removed while we listed
        }
        auto forwards = bus_call([&] { return (*container)->PortForwards(); });
        if (!forwards) {
            if (!inv.args.positionals.empty())
                return fail(forwards.error());
            continue;
        }
        for (const auto& f : *forwards)
            rows.emplace_back(name, f);
    }
    if (inv.args.has("json")) {
        Json out = Json::array();
        for (const auto& [name, f] : rows) {
            const auto c = split_forward(f);
            Json obj = Json::object();
            obj.set("container", name).set("forward", f);
            obj.set("host", c.host).set("port", c.port).set("protocol", c.protocol);
            out.push(std::move(obj));
        }
        std::printf("%s\n", out.dump().c_str());
        return 0;
    }
    Table table({"CONTAINER", "HOST", "PORT", "PROTO"});
    for (const auto& [name, f] : rows) {
        const auto c = split_forward(f);
        table.add_row({name, c.host, c.port, c.protocol});
    }
    std::printf("%s\n%zu port forward%s listed.\n", table.render().c_str(), table.size(),
                table.size() == 1 ? "" : "s");
    return 0;
}

}  // namespace

std::vector<Verb> port_verbs()
{
    return {
        {"port add", {}, "CONTAINER [HOSTADDR:]HOSTPORT:PORT[/tcp|/udp]", 2, 2, std::nullopt, {}, do_port_add,
         "Forward a host port to a container",
         "Forwards connections to HOSTPORT on the host (on HOSTADDR only, when given; an IPv6 address goes in\n"
         "brackets: [::1]:8080:80) to PORT of the container's address on its network, over tcp (the default)\n"
         "or udp. Without HOSTADDR the forward answers on every address of the host, from other hosts and from\n"
         "the host itself, 127.0.0.1 included, over IPv4 and IPv6 (the container's IPv6 address, when its\n"
         "network has one). ::1 cannot be forwarded (the kernel does not route IPv6 loopback traffic off the\n"
         "host). The forward is kept in the container's definition and survives restarts; it is removed with\n"
         "the container. A host port that is already forwarded, a bad spec, or a container without a network\n"
         "are errors."},
        {"port list", {"ls"}, "[CONTAINER] [--json]", 0, 1, std::nullopt,
         {{"json", 0, false, false, "", "print JSON instead of a table"}}, do_port_list,
         "List port forwards",
         "Lists the port forwards of CONTAINER, or of every container: CONTAINER, HOST (address:port, '*' for\n"
         "every address), PORT (in the container) and PROTO. --json prints an array of objects with container,\n"
         "forward (as port add takes it), host, port and protocol."},
        {"port remove", {"rm"}, "CONTAINER HOSTPORT[/tcp|/udp]...", 2, kAnyNumber, std::nullopt, {}, do_port_remove,
         "Remove port forwards",
         "Removes the forward of HOSTPORT (tcp unless /udp is given) from CONTAINER; its nftables rules are gone\n"
         "at once."},
    };
}

}  // namespace berth::ctl
