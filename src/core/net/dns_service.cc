#include "core/net/dns_service.h"

#include <sys/stat.h>

#include <csignal>
#include <cstdio>

#include "base/fs.h"
#include "core/net/dns_resolved.h"
#include "core/net/dnsmasq.h"

namespace berth::net {

namespace {

void log_error(const Error& e) { std::fprintf(stderr, "berthd: %s\n", e.describe().c_str()); }

// dnsmasq drops root for "nobody" and re-reads its hosts files as that user on SIGHUP: RUNTIME_DIR must be
// traversable (0711: entering known paths only; the containers' own directories below stay 0700).
Result<> let_dnsmasq_in(const std::string& runtime_dir)
{
    struct stat st {};
    if (stat(runtime_dir.c_str(), &st) < 0)
        return fail_errno("stat " + runtime_dir);
    if ((st.st_mode & 0011) != 0011 && chmod(runtime_dir.c_str(), (st.st_mode & 07777) | 0011) < 0)
        return fail_errno("let dnsmasq into " + runtime_dir);
    return {};
}

Result<> write_hosts(const Network& network, const std::string& dir)
{
    BERTH_TRY(write_file_atomic(dir + "/hosts", dnsmasq_hosts(network)));
    BERTH_TRY(write_file_atomic(dir + "/dhcp-hosts", dnsmasq_dhcp_hosts(network)));
    return {};
}

}  // namespace

Result<> DnsService::start(const Network& network)
{
    const std::string what = "start DNS of network " + network.name();
    const std::string dir = dnsmasq_dir(runtime_dir_, network.name());
    auto run = [&]() -> Result<> {
        BERTH_TRY(make_dirs(dir, 0755));
        BERTH_TRY(let_dnsmasq_in(runtime_dir_));
        BERTH_TRY(write_hosts(network, dir));
        BERTH_TRY(write_file_atomic(dir + "/dnsmasq.conf", dnsmasq_config(network, dir)));
        const std::string unit = dnsmasq_unit(network.name());
        if (BERTH_TRY(units_.is_active(unit))) {
            // Started before berthd restarted: same files, so a reload is enough.
            BERTH_TRY(units_.kill_unit(unit, "main", SIGHUP));
        } else {
            BERTH_TRY(units_.start_service({unit, "berth DNS and DHCP of network " + network.name(),
                                            dnsmasq_argv(dir)}));
        }
        return {};
    };
    if (auto r = run(); !r)
        return fail(std::move(r).error().context(what));
    // Host resolution is a convenience: the network works without it.
    if (auto r = resolved_register(network); !r)
        log_error(r.error());
    return {};
}

Result<> DnsService::stop(const std::string& network)
{
    resolved_revert(network);   // the bridge is named after the network
    BERTH_TRY(units_.stop_unit(dnsmasq_unit(network)));
    BERTH_TRY(remove_tree(dnsmasq_dir(runtime_dir_, network)));
    return {};
}

Result<> DnsService::update_hosts(const Network& network)
{
    const std::string dir = dnsmasq_dir(runtime_dir_, network.name());
    BERTH_TRY(write_hosts(network, dir));
    // dnsmasq re-reads addn-hosts and dhcp-hostsfile on SIGHUP. Not running (yet): it reads them when it starts.
    // This runs at every create and remove of a container on the network, so nobody waits for systemd's answer
    // (a busy systemd, collecting the scope of the last container, took up to 15 ms to give it).
    units_.kill_unit_nowait(dnsmasq_unit(network.name()), "main", SIGHUP);
    return {};
}

void DnsService::network_added(const Network& network)
{
    if (auto r = start(network); !r)
        log_error(r.error());
}

void DnsService::network_removed(const std::string& name)
{
    if (auto r = stop(name); !r)
        log_error(r.error().context("stop DNS of network " + name));
}

void DnsService::leases_changed(const Network& network)
{
    if (auto r = update_hosts(network); !r)
        log_error(r.error().context("update DNS names of network " + network.name()));
}

}  // namespace berth::net
