// Written by hand (fixed key order, comments) like container definitions; read through toml++.
#include "core/net/network_store.h"

#include <set>

#include <toml++/toml.h>

#include "base/names.h"

namespace berth::net {

namespace {

std::string quote(const std::string& s) { return "\"" + s + "\""; }  // names and addresses need no escapes

tl::unexpected<Error> invalid(std::string_view origin, const std::string& what)
{
    return fail(ErrorKind::InvalidArgument, std::string(origin) + ": " + what);
}

Result<std::optional<Cidr>> read_subnet(const toml::table& t, const char* key, Family family, std::string_view origin)
{
    auto text = t[key].value<std::string>();
    if (!text || text->empty())
        return std::optional<Cidr>{};
    auto cidr = Cidr::parse(*text);
    if (!cidr || cidr->family() != family)
        return invalid(origin, std::string("'") + key + "' is not a valid subnet: " + *text);
    return std::optional<Cidr>{*cidr};
}

Result<Lease> read_lease(const toml::table& t, const NetworkSpec& spec, std::string_view origin)
{
    Lease lease;
    auto container = t["container"].value<std::string>();
    auto index = t["index"].value<int64_t>();
    if (!container || !validate_name(*container, "container name") || !index || *index < 1 || *index > UINT32_MAX)
        return invalid(origin, "a [[lease]] needs a valid 'container' and an 'index' >= 1");
    lease.container = *container;
    lease.index = static_cast<uint32_t>(*index);
    if (spec.subnet) {
        lease.ipv4 = spec.subnet->host(lease.index);
        if (!lease.ipv4 || lease.index > spec.subnet->host_count())
            return invalid(origin, "lease of " + lease.container + ": index outside " + spec.subnet->to_string());
    }
    if (spec.subnet6)
        lease.ipv6 = spec.subnet6->host(lease.index);
    lease.host_ifname = NetworkManager::host_veth_name(lease.container, spec.name);
    if (auto ifname = t["ifname"].value<std::string>())
        lease.ifname = *ifname;
    return lease;
}

}  // namespace

std::string network_to_toml(const Network& network)
{
    const NetworkSpec& s = network.spec;
    std::string out;
    out += "# berth network, written by berthd. Edit only while berthd is stopped.\n";
    out += "name = " + quote(s.name) + "\n";
    out += "subnet = " + quote(s.subnet ? s.subnet->to_string() : "") + "\n";
    out += "subnet6 = " + quote(s.subnet6 ? s.subnet6->to_string() : "") + "\n";
    out += "nat = " + std::string(s.nat ? "true" : "false") + "\n";
    out += "domain = " + quote(s.domain) + "\n";
    out += "created_at = " + std::to_string(s.created_at) + "\n";
    for (const auto& [name, lease] : network.leases) {
        out += "\n[[lease]]  # " + (lease.ipv4 ? lease.ipv4->to_string() : "") +
               (lease.ipv6 ? " " + lease.ipv6->to_string() : "") + "\n";
        out += "container = " + quote(lease.container) + "\n";
        out += "index = " + std::to_string(lease.index) + "\n";
        out += "ifname = " + quote(lease.ifname) + "\n";
    }
    return out;
}

Result<Network> parse_network(std::string_view text, std::string_view origin)
{
    try {
        toml::table doc = toml::parse(text, origin);
        Network n;
        auto name = doc["name"].value<std::string>();
        if (!name || !validate_name(*name, "network name") || name->size() > kMaxNetworkNameLength)
            return invalid(origin, "missing or invalid 'name'");
        n.spec.name = *name;
        n.spec.subnet = BERTH_TRY(read_subnet(doc, "subnet", Family::V4, origin));
        n.spec.subnet6 = BERTH_TRY(read_subnet(doc, "subnet6", Family::V6, origin));
        if (!n.spec.subnet && !n.spec.subnet6)
            return invalid(origin, "a network needs 'subnet' or 'subnet6'");
        n.spec.nat = doc["nat"].value_or(true);
        n.spec.domain = doc["domain"].value_or(std::string(kDefaultDomain));
        n.spec.created_at = static_cast<uint64_t>(doc["created_at"].value_or(int64_t{0}));
        std::set<uint32_t> indexes;
        if (auto* leases = doc["lease"].as_array()) {
            for (const auto& node : *leases) {
                const auto* t = node.as_table();
                if (!t)
                    return invalid(origin, "'lease' must be an array of tables ([[lease]])");
                Lease lease = BERTH_TRY(read_lease(*t, n.spec, origin));
                if (!indexes.insert(lease.index).second || n.leases.count(lease.container))
                    return invalid(origin, "lease of " + lease.container + " repeats a container or an address");
                n.leases.emplace(lease.container, std::move(lease));
            }
        }
        return n;
    } catch (const toml::parse_error& e) {
        return invalid(origin, std::string(e.description()));
    } catch (const std::exception& e) {
        return invalid(origin, e.what());
    }
}

}  // namespace berth::net
