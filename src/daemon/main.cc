// berthd: owns org.berth1 on the system bus and manages containers. Single-threaded: one sd-event loop drives the
// sdbus-c++ connection (clients), the sd-bus connection to systemd, supervisor sockets, timers and children.
#include <getopt.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include <sdbus-c++/sdbus-c++.h>

#include "berth-config.h"
#include "core/autostart.h"
#include "core/cgroup_mode.h"
#include "core/config.h"
#include "core/definitions_dir.h"
#include "core/event_loop.h"
#include "core/image_store.h"
#include "core/storage/pool_registry.h"
#include "core/manager.h"
#include "core/net/dns_service.h"
#include "core/net/kernel_network_host.h"
#include "core/net/network.h"
#include "core/net/port_forward_hooks.h"
#include "core/state_store.h"
#include "core/systemd_unit_manager.h"
#include "core/volume_store.h"
#include "daemon/archive_jobs.h"
#include "daemon/volume_object.h"
#include "daemon/bus_loop.h"
#include "daemon/idle_trim.h"
#include "daemon/image_import.h"
#include "daemon/manager_object.h"
#include "daemon/network_object.h"
#include "daemon/pool_object.h"

using namespace berth;

namespace {

void usage(FILE* out)
{
    std::fprintf(out,
                 "Usage: berthd [--config FILE]\n"
                 "Manage berth system containers; serves org.berth1 on the system bus.\n\n"
                 "  -c, --config FILE   daemon configuration (default " BERTH_CONFIG_FILE ")\n"
                 "  -h, --help          show this help\n"
                 "      --version       show the version\n\n"
                 "berthd is normally started by systemd (berthd.service) or by D-Bus activation.\n"
                 "See berthd(8) and berthd.toml(5).\n");
}

[[noreturn]] void die(const std::string& what)
{
    std::fprintf(stderr, "berthd: %s\n", what.c_str());
    std::exit(1);
}

}  // namespace

int main(int argc, char** argv)
{
    std::string config_path = BERTH_CONFIG_FILE;
    static const struct option options[] = {
        {"config", required_argument, nullptr, 'c'},
        {"help", no_argument, nullptr, 'h'},
        {"version", no_argument, nullptr, 'V'},
        {},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "c:h", options, nullptr)) != -1) {
        switch (opt) {
        case 'c': config_path = optarg; break;
        case 'h': usage(stdout); return 0;
        case 'V': std::printf("berthd %s\n", BERTH_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return 2;
    }
    if (geteuid() != 0)
        die("must run as root (it creates scopes, namespaces and mounts)");
    // Logs go to the journal through stderr: keep lines whole.
    std::setvbuf(stderr, nullptr, _IOLBF, 0);

    auto config = load_config(config_path);
    if (!config)
        die("configuration: " + config.error().describe());
    auto loop = EventLoop::create();
    if (!loop)
        die(loop.error().describe());

    auto units = SystemdUnitManager::open_system((*loop)->get());
    if (!units)
        die("cannot talk to systemd: " + units.error().describe());

    // Storage pools first (loop-backed pools are mounted again here), then the images kept in them.
    Pools pools(config->state_dir, config->default_pool);
    auto pool_warnings = pools.init();
    if (!pool_warnings)
        die("storage: " + pool_warnings.error().describe());
    for (const auto& w : *pool_warnings)
        std::fprintf(stderr, "berthd: %s\n", w.c_str());
    ImageStore images(pools);
    if (auto r = images.init(); !r)
        die("storage: " + r.error().describe());
    if (!config->busybox_path.empty()) {
        if (auto r = images.ensure_busybox_image(config->busybox_path); !r)
            std::fprintf(stderr, "berthd: built-in image not available: %s\n", r.error().describe().c_str());
    }
    StateStore store(config->state_dir);
    // Networks first: bridges and nftables rules exist again before containers are started or re-attached.
    net::KernelNetworkHost network_host;
    net::NetworkManager networks(config->state_dir, network_host);
    auto net_warnings = networks.init();
    if (!net_warnings)
        die("loading networks: " + net_warnings.error().describe());
    for (const auto& w : *net_warnings)
        std::fprintf(stderr, "berthd: %s\n", w.c_str());
    // One dnsmasq per network (netsvc): started for the networks there are, then following creates and removes.
    net::DnsService dns(config->runtime_dir, **units);
    for (const net::Network* n : networks.list())
        if (auto r = dns.start(*n); !r)
            std::fprintf(stderr, "berthd: %s\n", r.error().describe().c_str());
    networks.add_observer(&dns);
    Manager manager({*config, **loop, **units, images, store, &networks});
    // Custom volumes live in the pools; containers mount them by POOL/NAME.
    VolumeStore volume_store(pools);
    manager.set_volume_resolver([&volume_store](const std::string& v) { return volume_store.path(v); });
    auto warnings = manager.init();
    if (!warnings)
        die("loading containers: " + warnings.error().describe());
    for (const auto& w : *warnings)
        std::fprintf(stderr, "berthd: %s\n", w.c_str());
    // Port forwards and rate limits follow leases and interfaces; the forward table is rebuilt once now (after
    // a reboot of the host it is gone, after a berthd restart it is rewritten the same).
    net::PortForwardHooks port_hooks(manager);
    networks.add_observer(&port_hooks);
    if (auto r = manager.sync_port_forwards(); !r)
        std::fprintf(stderr, "berthd: port forwards: %s\n", r.error().describe().c_str());
    // Declarative definitions from /etc/berth/containers, before the objects are published.
    for (const auto& line : apply_definitions_dir(manager, config->definitions_dir))
        std::fprintf(stderr, "berthd: %s\n", line.c_str());

    try {
        auto connection = sdbus::createSystemBusConnection();
        daemon::BusLoop bus_loop(**loop, *connection);
        daemon::ImageImports imports(**loop, images);
        const std::string cgroup_mode = detect_cgroup_mode();
        daemon::ManagerObject manager_object(*connection, **loop, manager, images, imports, cgroup_mode,
                                             config->default_image);
        manager_object.publish_existing();
        manager_object.set_networks(&networks);
        daemon::NetworkObjects network_objects(*connection, **loop, networks);
        network_objects.publish_existing();
        daemon::PoolObjects pool_objects(*connection, **loop, pools, manager, images);
        pool_objects.publish_existing();
        manager_object.set_pools(&pool_objects);
        daemon::Volumes volumes(*connection, **loop, volume_store, manager);
        volumes.publish_existing();
        daemon::ArchiveJobs archives(**loop, manager, images, volumes);
        manager_object.set_volumes(&volumes);
        manager_object.set_archives(&archives);
        // The name comes last: activated clients must find every object in place.
        connection->requestName("org.berth1");
        if (auto r = bus_loop.attach(); !r)
            die(r.error().describe());
        daemon::IdleTrim idle_trim;   // freed heap goes back to the kernel a second after each burst
        if (auto r = idle_trim.attach((*loop)->get()); !r)
            die(r.error().describe());

        auto on_term = (*loop)->add_signal(SIGTERM, [&] { (*loop)->exit(0); });
        auto on_int = (*loop)->add_signal(SIGINT, [&] { (*loop)->exit(0); });
        // Enabled containers come up once the daemon serves (their starts are asynchronous).
        Autostart autostart(manager, **loop, [](const std::string& line) {
            std::fprintf(stderr, "berthd: %s\n", line.c_str());
        });
        (*loop)->defer([&autostart] { autostart.run(); });
        std::fprintf(stderr, "berthd %s ready: %zu containers, cgroups %s\n", BERTH_VERSION,
                     manager.containers().size(), cgroup_mode.c_str());
        int r = (*loop)->run();
        // Containers keep running: they live in their own scopes with their own supervisors.
        connection->releaseName("org.berth1");
        return r < 0 ? 1 : 0;
    } catch (const sdbus::Error& e) {
        die("D-Bus: " + e.getMessage());
    }
}
