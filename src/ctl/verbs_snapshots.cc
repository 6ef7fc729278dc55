// Snapshot verbs (snapshot create, list, restore, remove) and clone.
#include <cstdio>
#include <ctime>

#include "ctl/bus.h"
#include "ctl/errors.h"
#include "ctl/output.h"
#include "ctl/verbs.h"

namespace berth::ctl {

namespace {

const OptionSpec kJsonOption = {"json", 0, false, false, "", "print JSON instead of text"};

std::string format_time(uint64_t usec)
{
    if (usec == 0)
        return "-";
    time_t t = static_cast<time_t>(usec / 1000000);
    struct tm tm;
    char buf[64];
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

Result<int> do_snapshot_create(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    auto container = BERTH_TRY(bus.container(inv.args.positionals[0]));
    const std::string wanted = inv.args.positionals.size() > 1 ? inv.args.positionals[1] : "";
    auto made = BERTH_TRY(bus_call([&] { return container->CreateSnapshot(wanted); }));
    if (wanted.empty())
        std::printf("%s\n", made.c_str());
    return 0;
}

Result<int> do_snapshot_list(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    auto container = BERTH_TRY(bus.container(inv.args.positionals[0]));
    auto snaps = BERTH_TRY(bus_call([&] { return container->ListSnapshots(); }));
    if (inv.args.has("json")) {
        Json out = Json::array();
        for (const auto& s : snaps) {
            Json obj = Json::object();
            obj.set("name", std::get<0>(s)).set("created_at", std::get<1>(s));
            out.push(std::move(obj));
        }
        std::printf("%s\n", out.dump().c_str());
        return 0;
    }
    Table table({"SNAPSHOT", "CREATED"});
    for (const auto& s : snaps)
        table.add_row({std::get<0>(s), format_time(std::get<1>(s))});
    std::printf("%s\n%zu snapshot%s listed.\n", table.render().c_str(), table.size(), table.size() == 1 ? "" : "s");
    return 0;
}

Result<int> do_snapshot_restore(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    auto container = BERTH_TRY(bus.container(inv.args.positionals[0]));
    const bool stop = inv.args.has("stop");
    BERTH_TRY(bus_call([&] {
        container->getProxy()
            .callMethod("RestoreSnapshot")
            .onInterface("org.berth1.Container")
            .withTimeout(std::chrono::seconds(120))
            .withArguments(inv.args.positionals[1], stop);
    }));
    return 0;
}

Result<int> do_snapshot_remove(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    auto container = BERTH_TRY(bus.container(inv.args.positionals[0]));
    int status = 0;
    for (size_t i = 1; i < inv.args.positionals.size(); ++i) {
        auto r = bus_call([&] { container->RemoveSnapshot(inv.args.positionals[i]); });
        if (!r)
            status = report_error(r.error(), inv.verb.name);
    }
    return status;
}

Result<int> do_clone(const Invocation& inv)
{
    std::map<std::string, sdbus::Variant> options;
    if (auto pool = inv.args.value("pool"))
        options["Pool"] = sdbus::Variant(*pool);
    auto bus = BERTH_TRY(Bus::connect());
    BERTH_TRY(bus_call([&] {
        return bus.manager().CloneContainer(inv.args.positionals[0], inv.args.positionals[1], options);
    }));
    return 0;
}

}  // namespace

std::vector<Verb> snapshot_verbs()
{
    return {
        {"snapshot create", {}, "NAME [SNAPSHOT]", 1, 2, std::nullopt, {}, do_snapshot_create,
         "Snapshot a container's root",
         "Makes a read-only snapshot SNAPSHOT of container NAME's root in its pool (O(1) on btrfs, a full copy\n"
         "on dir). Without SNAPSHOT the next free name snap0, snap1... is used and printed. A running\n"
         "container is snapshotted as it is at that instant."},
        {"snapshot list", {"ls"}, "NAME [--json]", 1, 1, std::nullopt, {kJsonOption}, do_snapshot_list,
         "List a container's snapshots", "Lists the snapshots of container NAME, oldest first: SNAPSHOT CREATED."},
        {"snapshot restore", {}, "NAME SNAPSHOT [--stop]", 2, 2, std::nullopt,
         {{"stop", 0, false, false, "", "terminate the container first when it runs"}}, do_snapshot_restore,
         "Restore a container's root from a snapshot",
         "Makes container NAME's root the content of SNAPSHOT again (the snapshot stays). Refused while the\n"
         "container runs, unless --stop, which terminates it first."},
        {"snapshot remove", {"rm"}, "NAME SNAPSHOT...", 2, kAnyNumber, std::nullopt, {}, do_snapshot_remove,
         "Remove snapshots", "Deletes each SNAPSHOT of container NAME."},
        {"clone", {}, "SOURCE TARGET [--pool POOL]", 2, 2, std::nullopt,
         {{"pool", 'p', true, false, "POOL", "the pool of the copy (default: the source's)"}}, do_clone,
         "Copy a container",
         "Creates container TARGET, stopped, as a copy of SOURCE: its root (a CoW snapshot on btrfs, O(1) in\n"
         "its size; a copy on dir) and its settings, with its own id range and addresses (no port forwards,\n"
         "autostart off). A running SOURCE can be cloned only on btrfs."},
    };
}

}  // namespace berth::ctl
