// Binds and volumes: bind, unbind, volume attach, volume detach (and the volume store verbs).
#include <limits.h>
#include <stdlib.h>

#include <cstdio>

#include "base/size.h"
#include "ctl/bus.h"
#include "ctl/errors.h"
#include "ctl/output.h"
#include "ctl/verbs.h"

namespace berth::ctl {

namespace {

using Options = std::map<std::string, sdbus::Variant>;

void flag(Options& options, const Invocation& inv, std::string_view option, const char* key)
{
    if (inv.args.has(option))
        options[key] = sdbus::Variant(true);
}

// The caller's path, absolute: berthd does not share berthctl's working directory.
Result<std::string> absolute_host_path(const std::string& path)
{
    char resolved[PATH_MAX];
    if (!realpath(path.c_str(), resolved))
        return fail_errno("host path " + path);
    return std::string(resolved);
}

Result<int> do_bind(const Invocation& inv)
{
    const auto& p = inv.args.positionals;
    const std::string host = BERTH_TRY(absolute_host_path(p[1]));
    Options options;
    flag(options, inv, "read-only", "ReadOnly");
    flag(options, inv, "mkdir", "MkDir");
    flag(options, inv, "idmap", "IdMap");
    flag(options, inv, "persist", "Persist");
    auto bus = BERTH_TRY(Bus::connect());
    auto container = BERTH_TRY(bus.container(p[0]));
    BERTH_TRY(bus_call([&] { container->Bind(host, p[2], options); }));
    return 0;
}

Result<int> do_unbind(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    auto container = BERTH_TRY(bus.container(inv.args.positionals[0]));
    BERTH_TRY(bus_call([&] { container->Unbind(inv.args.positionals[1]); }));
    return 0;
}

Result<int> do_attach(const Invocation& inv)
{
    const auto& p = inv.args.positionals;
    Options options;
    flag(options, inv, "read-only", "ReadOnly");
    flag(options, inv, "mkdir", "MkDir");
    auto bus = BERTH_TRY(Bus::connect());
    auto container = BERTH_TRY(bus.container(p[0]));
    BERTH_TRY(bus_call([&] { container->AttachVolume(p[1], p[2], options); }));
    return 0;
}

Result<int> do_detach(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    auto container = BERTH_TRY(bus.container(inv.args.positionals[0]));
    BERTH_TRY(bus_call([&] { container->DetachVolume(inv.args.positionals[1]); }));
    return 0;
}


using VolumeRow = sdbus::Struct<std::string, std::string, uint64_t, uint64_t, std::vector<std::string>,
                                sdbus::ObjectPath>;

std::string joined(const std::vector<std::string>& items, const char* empty)
{
    std::string out;
    for (const auto& i : items)
        out += (out.empty() ? "" : ",") + i;
    return out.empty() ? empty : out;
}

Json volume_json(const VolumeRow& v)
{
    Json attached = Json::array();
    for (const auto& c : v.get<4>())
        attached.push(c);
    Json o = Json::object();
    o.set("pool", v.get<0>());
    o.set("name", v.get<1>());
    o.set("size", v.get<2>());
    o.set("used", v.get<3>());
    o.set("attached_to", std::move(attached));
    o.set("object", std::string(v.get<5>()));
    return o;
}

Result<int> do_volume_create(const Invocation& inv)
{
    Options options;
    if (auto size = inv.args.value("size")) {
        auto bytes = parse_size(*size);
        if (!bytes || *bytes == 0 || *bytes == kUnlimited)
            return usage_error("invalid --size '" + *size + "' (use e.g. 512M or 10G)");
        options["Size"] = sdbus::Variant(*bytes);
    }
    auto bus = BERTH_TRY(Bus::connect());
    BERTH_TRY(bus_call([&] { return bus.manager().CreateVolume(inv.args.positionals[0], options); }));
    return 0;
}

Result<int> do_volume_list(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    auto volumes = BERTH_TRY(bus_call([&] { return bus.manager().ListVolumes(); }));
    if (inv.args.has("json")) {
        Json out = Json::array();
        for (const auto& v : volumes)
            out.push(volume_json(v));
        std::printf("%s\n", out.dump().c_str());
        return 0;
    }
    Table table({"POOL", "NAME", "SIZE", "USED", "ATTACHED TO"});
    for (const auto& v : volumes)
        table.add_row({v.get<0>(), v.get<1>(), v.get<2>() ? format_size(v.get<2>()) : "-", format_size(v.get<3>()),
                       joined(v.get<4>(), "-")});
    std::fputs(table.render().c_str(), stdout);
    std::printf("\n%zu volume%s listed.\n", volumes.size(), volumes.size() == 1 ? "" : "s");
    return 0;
}

Result<int> do_volume_status(const Invocation& inv)
{
    const std::string& wanted = inv.args.positionals[0];
    auto bus = BERTH_TRY(Bus::connect());
    BERTH_TRY(bus_call([&] { return bus.manager().GetVolume(wanted); }));   // the daemon's error for a bad name
    auto volumes = BERTH_TRY(bus_call([&] { return bus.manager().ListVolumes(); }));
    for (const auto& v : volumes) {
        if (v.get<0>() + "/" + v.get<1>() != wanted)
            continue;
        if (inv.args.has("json")) {
            std::printf("%s\n", volume_json(v).dump().c_str());
            return 0;
        }
        std::printf("%s\n", wanted.c_str());
        std::printf("        Pool: %s\n", v.get<0>().c_str());
        std::printf("        Size: %s\n", v.get<2>() ? format_size(v.get<2>()).c_str() : "no limit");
        std::printf("        Used: %s\n", format_size(v.get<3>()).c_str());
        std::printf(" Attached to: %s\n", joined(v.get<4>(), "none").c_str());
        std::printf("      Object: %s\n", std::string(v.get<5>()).c_str());
        return 0;
    }
    return fail(ErrorKind::InvalidArgument, "no volume " + wanted);
}

Result<int> do_volume_remove(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    int status = 0;
    for (const auto& name : inv.args.positionals) {
        auto r = bus_call([&] { bus.manager().RemoveVolume(name); });
        if (!r)
            status = report_error(r.error(), inv.verb.name);
    }
    return status;
}

}  // namespace

std::vector<Verb> volume_verbs()
{
    return {
        {"bind", {}, "NAME HOSTPATH PATH [--read-only] [--mkdir] [--idmap] [--persist]", 3, 3, std::nullopt,
         {{"read-only", 'r', false, false, "", "mount read-only (the container cannot make it writable)"},
          {"mkdir", 0, false, false, "", "create PATH in the container when it is missing"},
          {"idmap", 0, false, false, "", "map host ids 0.. onto the container's root (see below)"},
          {"persist", 'p', false, false, "", "record it in the definition: mounted again at every start"}},
         do_bind, "Mount a host directory or file into a container",
         "Mounts HOSTPATH (a directory or file on the host) at PATH inside container NAME, at once when it runs;\n"
         "with --persist also at every later start (a stopped container needs --persist). PATH is resolved inside\n"
         "the container's root: a symlink there cannot lead out of it. The mount is nodev,nosuid.\n"
         "Ids: by default files keep their host owners, and owners outside the container's id range (host root's\n"
         "files among them) appear as nobody; the container's root writes files owned by its own host range.\n"
         "--idmap shows host uid/gid 0.. as the container's 0.. instead: the container's root then owns the host's\n"
         "root-owned files there, so use it only for directories made for the container."},
        {"unbind", {}, "NAME PATH", 2, 2, std::nullopt, {}, do_unbind, "Unmount a bind from a container",
         "Unmounts PATH in the running container NAME and drops a persistent bind on PATH from its definition."},
        {"volume create", {}, "POOL/NAME [--size SIZE]", 1, 1, std::nullopt,
         {{"size", 's', true, false, "SIZE", "limit the volume to SIZE (btrfs pools only: a qgroup)"}},
         do_volume_create, "Create a custom volume",
         "Creates an empty volume NAME in storage pool POOL. Volumes keep data apart from any container: attach\n"
         "one with 'volume attach'. --size needs a pool whose driver enforces quotas (btrfs); a dir pool refuses it."},
        {"volume list", {"ls"}, "[--json]", 0, 0, std::nullopt, {{"json", 0, false, false, "", "print JSON"}},
         do_volume_list, "List custom volumes", "Lists the volumes of every pool, with the containers they are attached to."},
        {"volume status", {}, "POOL/NAME [--json]", 1, 1, std::nullopt, {{"json", 0, false, false, "", "print JSON"}},
         do_volume_status, "Show a custom volume", "Shows a volume's pool, size limit, use and attachments."},
        {"volume remove", {"rm"}, "POOL/NAME...", 1, kAnyNumber, std::nullopt, {}, do_volume_remove,
         "Remove custom volumes and their data",
         "Deletes each volume and its data. Refused while a container's definition attaches it."},
        {"volume attach", {}, "CONTAINER POOL/NAME PATH [--read-only] [--mkdir]", 3, 3, std::nullopt,
         {{"read-only", 'r', false, false, "", "mount read-only"},
          {"mkdir", 0, false, false, "", "create PATH in the container when it is missing"}},
         do_attach, "Attach a custom volume to a container",
         "Records the volume in CONTAINER's definition (mounted at every start) and mounts it at once when the\n"
         "container runs. Volumes are stored unshifted and mounted idmapped in each container's id range: files\n"
         "the container's root writes are root's in the next container the volume is attached to."},
        {"volume detach", {}, "CONTAINER POOL/NAME|PATH", 2, 2, std::nullopt, {}, do_detach,
         "Detach a custom volume from a container",
         "Unmounts the volume (given by name or by its path inside) in the running container and drops it from\n"
         "the definition. The volume and its data stay."},
    };
}

}  // namespace berth::ctl
