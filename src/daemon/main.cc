// berthd: owns org.berth1 on the system bus and manages containers. Single-threaded: one sd-event loop drives the
// sdbus-c++ connection (clients), the sd-bus connection to systemd, supervisor sockets, timers and children.
#include <getopt.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include <sdbus-c++/sdbus-c++.h>

#include "berth-config.h"
#include "core/cgroup_mode.h"
#include "core/config.h"
#include "core/event_loop.h"
#include "core/image_store.h"
#include "core/manager.h"
#include "core/state_store.h"
#include "core/systemd_unit_manager.h"
#include "daemon/bus_loop.h"
#include "daemon/image_import.h"
#include "daemon/manager_object.h"

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

    ImageStore images(config->state_dir + "/pools/default");
    if (auto r = images.init(); !r)
        die("storage: " + r.error().describe());
    if (!config->busybox_path.empty()) {
        if (auto r = images.ensure_busybox_image(config->busybox_path); !r)
            std::fprintf(stderr, "berthd: built-in image not available: %s\n", r.error().describe().c_str());
    }
    StateStore store(config->state_dir);
    Manager manager({*config, **loop, **units, images, store});
    auto warnings = manager.init();
    if (!warnings)
        die("loading containers: " + warnings.error().describe());
    for (const auto& w : *warnings)
        std::fprintf(stderr, "berthd: %s\n", w.c_str());

    try {
        auto connection = sdbus::createSystemBusConnection();
        daemon::BusLoop bus_loop(**loop, *connection);
        daemon::ImageImports imports(**loop, images);
        const std::string cgroup_mode = detect_cgroup_mode();
        daemon::ManagerObject manager_object(*connection, **loop, manager, images, imports, cgroup_mode,
                                             config->default_image);
        manager_object.publish_existing();
        // The name comes last: activated clients must find every object in place.
        connection->requestName("org.berth1");
        if (auto r = bus_loop.attach(); !r)
            die(r.error().describe());

        auto on_term = (*loop)->add_signal(SIGTERM, [&] { (*loop)->exit(0); });
        auto on_int = (*loop)->add_signal(SIGINT, [&] { (*loop)->exit(0); });
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
