#include "core/net/dns_resolved.h"

#include <net/if.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>

#include <functional>
#include <memory>

namespace berth::net {

namespace {

constexpr const char* kResolved = "org.freedesktop.resolve1";
constexpr const char* kPath = "/org/freedesktop/resolve1";
constexpr const char* kInterface = "org.freedesktop.resolve1.Manager";

struct BusDeleter {
    void operator()(sd_bus* b) const { sd_bus_flush_close_unref(b); }
};
using Bus = std::unique_ptr<sd_bus, BusDeleter>;

struct BusError {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    ~BusError() { sd_bus_error_free(&e); }
};

// The system bus when resolved is on it; null otherwise.
Result<Bus> resolved_bus()
{
    sd_bus* raw = nullptr;
    int r = sd_bus_open_system(&raw);
    if (r < 0)
        return fail_errno(-r, "connect to the system bus");
    Bus bus(raw);
    BusError error;
    sd_bus_message* reply = nullptr;
    r = sd_bus_call_method(bus.get(), "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                           "NameHasOwner", &error.e, &reply, "s", kResolved);
    int has = 0;
    if (r >= 0)
        r = sd_bus_message_read(reply, "b", &has);
    sd_bus_message_unref(reply);
    if (r < 0 || !has)
        return Bus();
    return bus;
}

Result<> call(sd_bus* bus, const char* method, const std::string& what,
              const std::function<int(sd_bus_message*)>& append)
{
    sd_bus_message* m = nullptr;
    int r = sd_bus_message_new_method_call(bus, &m, kResolved, kPath, kInterface, method);
    std::unique_ptr<sd_bus_message, decltype(&sd_bus_message_unref)> msg(m, sd_bus_message_unref);
    if (r >= 0)
        r = append(m);
    if (r < 0)
        return fail_errno(-r, what + ": build " + method);
    BusError error;
    r = sd_bus_call(bus, m, 0, &error.e, nullptr);
    if (r < 0)
        return fail(ErrorKind::Failed, what + ": systemd-resolved " + method + ": " +
                                           (error.e.message ? error.e.message : "failed"), -r);
    return {};
}

}  // namespace

Result<bool> resolved_register(const Network& network)
{
    const std::string what = "register network " + network.name() + " with systemd-resolved";
    const int ifindex = static_cast<int>(if_nametoindex(network.bridge().c_str()));
    if (ifindex == 0)
        return fail_errno(what + ": bridge " + network.bridge());
    Bus bus = BERTH_TRY(resolved_bus());
    if (!bus)
        return false;
    BERTH_TRY(call(bus.get(), "SetLinkDNS", what, [&](sd_bus_message* m) {
        int r = sd_bus_message_append(m, "i", ifindex);
        if (r >= 0) r = sd_bus_message_open_container(m, 'a', "(iay)");
        for (const auto& gw : {network.gateway4(), network.gateway6()}) {
            if (!gw || r < 0)
                continue;
            const bool v4 = gw->family == Family::V4;
            r = sd_bus_message_open_container(m, 'r', "iay");
            if (r >= 0) r = sd_bus_message_append(m, "i", v4 ? AF_INET : AF_INET6);
            if (r >= 0) r = sd_bus_message_append_array(m, 'y', gw->bytes.data(), v4 ? 4 : 16);
            if (r >= 0) r = sd_bus_message_close_container(m);
        }
        if (r >= 0) r = sd_bus_message_close_container(m);
        return r;
    }));
    // "~berth": a routing-only domain. Only names under it go to this link's server.
    BERTH_TRY(call(bus.get(), "SetLinkDomains", what, [&](sd_bus_message* m) {
        return sd_bus_message_append(m, "ia(sb)", ifindex, 1, network.spec.domain.c_str(), 1);
    }));
    BERTH_TRY(call(bus.get(), "SetLinkDefaultRoute", what,
                   [&](sd_bus_message* m) { return sd_bus_message_append(m, "ib", ifindex, 0); }));
    return true;
}

void resolved_revert(const std::string& bridge)
{
    const int ifindex = static_cast<int>(if_nametoindex(bridge.c_str()));
    if (ifindex == 0)
        return;
    auto bus = resolved_bus();
    if (!bus || !*bus)
        return;
    (void)call(bus->get(), "RevertLink", "revert " + bridge,
               [&](sd_bus_message* m) { return sd_bus_message_append(m, "i", ifindex); });
}

}  // namespace berth::net
