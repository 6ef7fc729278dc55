// Binds and volumes: bind, unbind, volume attach, volume detach (and the volume store verbs).
#include <limits.h>
#include <stdlib.h>

#include <cstdio>

#include "ctl/bus.h"
#include "ctl/errors.h"
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
