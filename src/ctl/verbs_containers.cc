// Verbs that define and inspect containers: list, create, status, set-limits, remove.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "ctl/bus.h"
#include "ctl/errors.h"
#include "ctl/output.h"
#include "ctl/settings_dbus.h"
#include "ctl/status_format.h"
#include "ctl/verbs.h"

namespace berth::ctl {

namespace {

const OptionSpec kJson{"json", 0, false, false, "", "print JSON instead of a table"};

uint64_t now_usec()
{
    struct timespec ts {};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

Result<int> do_list(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    auto containers = BERTH_TRY(bus_call([&] { return bus.manager().ListContainers(); }));
    const bool all = inv.args.has("all");
    // Without --all only the containers that run or are on their way up or down, like machinectl.
    std::erase_if(containers, [&](const auto& c) { return !all && std::get<1>(c) == "stopped"; });
    std::sort(containers.begin(), containers.end(),
              [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });

    if (inv.args.has("json")) {
        Json out = Json::array();
        for (const auto& c : containers) {
            Json obj = Json::object();
            obj.set("name", std::get<0>(c)).set("state", std::get<1>(c)).set("image", std::get<2>(c));
            obj.set("mode", std::get<3>(c)).set("leader", std::get<4>(c)).set("object", std::string(std::get<5>(c)));
            out.push(std::move(obj));
        }
        std::printf("%s\n", out.dump().c_str());
        return 0;
    }
    Table table({"NAME", "STATE", "IMAGE", "MODE", "LEADER"});
    // sdbus::Struct derives from std::tuple, so no structured bindings.
    for (const auto& c : containers) {
        const uint32_t leader = std::get<4>(c);
        table.add_row({std::get<0>(c), std::get<1>(c), std::get<2>(c), std::get<3>(c),
                       leader ? std::to_string(leader) : "-"});
    }
    std::printf("%s\n%zu container%s listed.\n", table.render().c_str(), table.size(),
                table.size() == 1 ? "" : "s");
    return 0;
}

Result<int> do_create(const Invocation& inv)
{
    auto settings = BERTH_TRY(container_settings(inv.args));
    auto bus = BERTH_TRY(Bus::connect());
    BERTH_TRY(bus_call([&] { return bus.manager().CreateContainer(inv.args.positionals[0], settings); }));
    return 0;
}

ContainerStatus status_from(const std::map<std::string, sdbus::Variant>& p)
{
    ContainerStatus s;
    s.name = property_or<std::string>(p, "Name", "");
    s.state = property_or<std::string>(p, "State", "");
    s.image = property_or<std::string>(p, "Image", "");
    s.mode = property_or<std::string>(p, "Mode", "");
    s.command = property_or<std::vector<std::string>>(p, "Command", {});
    s.auto_remove = property_or<bool>(p, "AutoRemove", false);
    s.ephemeral = property_or<bool>(p, "Ephemeral", false);
    s.unit = property_or<std::string>(p, "Unit", "");
    s.leader = property_or<uint32_t>(p, "Leader", 0);
    s.idmap_base = property_or<uint32_t>(p, "IdMapBase", 0);
    s.idmap_size = property_or<uint32_t>(p, "IdMapSize", 0);
    s.idmap_mode = property_or<std::string>(p, "IdMapMode", "");
    s.created_at = property_or<uint64_t>(p, "CreatedAt", 0);
    s.started_at = property_or<uint64_t>(p, "StartedAt", 0);
    s.exit_status = property_or<int32_t>(p, "ExitStatus", -1);
    s.stop_reason = property_or<std::string>(p, "StopReason", "");
    s.guest_state = property_or<std::string>(p, "GuestState", "");
    s.guest_status = property_or<std::string>(p, "GuestStatus", "");
    s.os_name = property_or<std::string>(p, "OSName", "");
    s.pool = property_or<std::string>(p, "Pool", "");
    s.disk = property_or<uint64_t>(p, "Disk", 0);
    s.autostart = property_or<bool>(p, "Autostart", false);
    s.autostart_order = property_or<int32_t>(p, "AutostartOrder", 0);
    s.autostart_delay = property_or<uint32_t>(p, "AutostartDelay", 0);
    s.memory_max = property_or<uint64_t>(p, "MemoryMax", UINT64_MAX);
    s.memory_high = property_or<uint64_t>(p, "MemoryHigh", UINT64_MAX);
    s.cpus = property_or<double>(p, "CPUs", 0);
    s.cpu_weight = property_or<uint64_t>(p, "CPUWeight", 0);
    s.tasks_max = property_or<uint64_t>(p, "TasksMax", UINT64_MAX);
    s.io_weight = property_or<uint64_t>(p, "IOWeight", 0);
    s.net_rate_in = property_or<uint64_t>(p, "NetRateIn", 0);
    s.net_rate_out = property_or<uint64_t>(p, "NetRateOut", 0);
    s.port_forwards = property_or<std::vector<std::string>>(p, "PortForwards", {});
    using AddressRow = sdbus::Struct<std::string, std::string, std::string, std::string>;
    for (const auto& a : property_or<std::vector<AddressRow>>(p, "Addresses", {})) {
        std::string text = std::get<0>(a) + " (" + std::get<1>(a) + ")";
        for (const std::string& address : {std::get<2>(a), std::get<3>(a)})
            if (!address.empty())
                text += " " + address;
        s.addresses.push_back(std::move(text));
    }
    // Mounts: (kind, source, path inside, read-only, idmapped) -> "PATH <- KIND SOURCE (ro, idmapped)".
    using MountRow = sdbus::Struct<std::string, std::string, std::string, bool, bool>;
    for (const auto& m : property_or<std::vector<MountRow>>(p, "Mounts", {})) {
        std::string text = std::get<2>(m) + " <- " + std::get<0>(m) + " " + std::get<1>(m);
        std::string flags = std::get<3>(m) ? "ro" : "rw";
        if (std::get<4>(m))
            flags += ", idmapped";
        s.mounts.push_back(text + " (" + flags + ")");
    }
    s.memory_current = property_or<uint64_t>(p, "MemoryCurrent", 0);
    s.cpu_usage_nsec = property_or<uint64_t>(p, "CPUUsageNSec", 0);
    s.tasks_current = property_or<uint64_t>(p, "TasksCurrent", 0);
    return s;
}

Result<int> do_status(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    auto container = BERTH_TRY(bus.container(inv.args.positionals[0]));
    auto props = BERTH_TRY(bus.properties(*container));
    if (inv.args.has("json")) {
        Json out = Json::object();
        for (const auto& [name, value] : props)   // std::map: sorted by property name
            out.set(name, variant_to_json(value));
        std::printf("%s\n", out.dump().c_str());
        return 0;
    }
    if (props.find("Name") == props.end())
        props["Name"] = sdbus::Variant(inv.args.positionals[0]);
    std::fputs(format_status(status_from(props), now_usec()).c_str(), stdout);
    return 0;
}

Result<int> do_set_limits(const Invocation& inv)
{
    const LimitArgs limits = BERTH_TRY(parse_limit_args(inv.args));
    if (limits.empty())
        return usage_error("no limit given (use --memory, --memory-high, --cpus, --cpu-weight, --tasks or --io-weight)");
    auto bus = BERTH_TRY(Bus::connect());
    auto container = BERTH_TRY(bus.container(inv.args.positionals[0]));
    BERTH_TRY(bus_call([&] { container->SetLimits(limits_to_settings(limits)); }));
    return 0;
}

Result<int> do_remove(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    const bool force = inv.args.has("force");
    // Like machinectl: try every name, report each failure, fail if any failed.
    int status = 0;
    for (const auto& name : inv.args.positionals) {
        auto r = bus_call([&] { bus.manager().RemoveContainer(name, force); });
        if (!r)
            status = report_error(r.error(), inv.verb.name);
    }
    return status;
}

std::vector<OptionSpec> create_options()
{
    std::vector<OptionSpec> specs = {
        {"image", 'i', true, false, "IMG", "image to create the container from (default: the daemon's default)"},
    };
    const auto& limits = limit_options();
    specs.insert(specs.end(), limits.begin(), limits.end());
    specs.push_back(env_option());
    specs.push_back({"rm", 0, false, false, "", "remove the container when it stops"});
    specs.push_back({"ephemeral", 0, false, false, "",
                     "run on a volatile overlay of the image: nothing copied, writes gone at stop"});
    specs.push_back({"boot", 0, false, false, "", "boot the image's init as PID 1 (the default without a command)"});
    specs.push_back({"network", 0, true, false, "NAME|none",
                     "network for eth0 (default: the default network berth0; none: loopback only)"});
    specs.push_back({"pool", 0, true, false, "POOL", "storage pool of the root (default: the daemon's default pool)"});
    return specs;
}

std::vector<OptionSpec> set_limits_options()
{
    return limit_options();
}

}  // namespace

std::vector<Verb> container_verbs()
{
    return {
        {"list", {}, "[--all] [--json]", 0, 0, std::nullopt,
         {{"all", 'a', false, false, "", "include stopped containers"}, kJson}, do_list,
         "List running containers",
         "Lists the containers that are starting, running or stopping (with --all also the stopped ones):\n"
         "NAME STATE IMAGE MODE LEADER. --json prints an array of objects with the fields name, state, image,\n"
         "mode, leader and object (the container's D-Bus object path)."},
        {"create", {}, "NAME [OPTIONS...] [--boot | [--] CMD...]", 1, 1, 1, create_options(), do_create,
         "Define a new container (created stopped)",
         "Defines container NAME from an image. Without a command (or with --boot) it boots the image's init;\n"
         "with a command (the words after NAME, or after '--') that command runs as PID 1.\n"
         "SIZE is bytes with an optional K, M, G or T suffix (powers of 1024), or 'infinity'.\n"
         "Limits not given come from the daemon's defaults. Prints nothing on success."},
        {"status", {}, "NAME [--json]", 1, 1, std::nullopt, {kJson}, do_status, "Show the state and usage of a container",
         "Shows state, image, mode, unit, leader PID, id map, and memory, CPU and task usage against the limits.\n"
         "--json prints every property of the container's D-Bus object, keyed by property name."},
        {"set-limits", {}, "NAME [--memory SIZE] [--memory-high SIZE] [--cpus N] [--cpu-weight N] [--tasks N] "
                           "[--io-weight N]",
         1, 1, std::nullopt, set_limits_options(), do_set_limits, "Change the resource limits of a container",
         "Changes the given limits. They are kept in the container's definition and applied at once to a\n"
         "running container's scope. At least one option is needed."},
        {"remove", {"rm"}, "NAME... [--force]", 1, kAnyNumber, std::nullopt,
         {{"force", 'f', false, false, "", "terminate a running container first"}}, do_remove,
         "Remove containers (definition and root file system)",
         "Removes each NAME. A running container is refused unless --force is given, which terminates it first."},
    };
}

}  // namespace berth::ctl
