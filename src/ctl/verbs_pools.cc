// Storage pool verbs: pool create, list, status, remove.
#include <cstdio>

#include "base/size.h"
#include "ctl/bus.h"
#include "ctl/errors.h"
#include "ctl/output.h"
#include "ctl/verbs.h"

namespace berth::ctl {

namespace {

constexpr const char* kPoolInterface = "org.berth1.Pool";
const OptionSpec kJsonOption = {"json", 0, false, false, "", "print JSON instead of text"};

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

Result<int> do_pool_create(const Invocation& inv)
{
    std::map<std::string, sdbus::Variant> options;
    const std::string driver = inv.args.value("driver").value_or("dir");
    if (auto source = inv.args.value("source"))
        options["Source"] = sdbus::Variant(*source);
    if (auto size = inv.args.value("size")) {
        uint64_t bytes = BERTH_TRY(parse_size(*size));
        if (bytes == kUnlimited)
            return fail(ErrorKind::InvalidArgument, "--size needs a size such as 2G");
        options["Size"] = sdbus::Variant(bytes);
    }
    auto bus = BERTH_TRY(Bus::connect());
    BERTH_TRY(bus_call([&] { return bus.manager().CreatePool(inv.args.positionals[0], driver, options); }));
    return 0;
}

Result<int> do_pool_list(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    auto pools = BERTH_TRY(bus_call([&] { return bus.manager().ListPools(); }));
    if (inv.args.has("json")) {
        Json out = Json::array();
        for (const auto& p : pools) {
            Json obj = Json::object();
            obj.set("name", std::get<0>(p)).set("driver", std::get<1>(p)).set("source", std::get<2>(p));
            obj.set("size", std::get<3>(p)).set("used", std::get<4>(p)).set("free", std::get<5>(p));
            obj.set("object", std::string(std::get<6>(p)));
            out.push(std::move(obj));
        }
        std::printf("%s\n", out.dump().c_str());
        return 0;
    }
    Table table({"NAME", "DRIVER", "SIZE", "USED", "FREE", "SOURCE"});
    for (const auto& p : pools)
        table.add_row({std::get<0>(p), std::get<1>(p), format_size(std::get<3>(p)), format_size(std::get<4>(p)),
                       format_size(std::get<5>(p)), or_dash(std::get<2>(p))});
    std::printf("%s\n%zu pool%s listed.\n", table.render().c_str(), table.size(), table.size() == 1 ? "" : "s");
    return 0;
}

template <typename T>
T get_or(const std::map<std::string, sdbus::Variant>& props, const std::string& key, T fallback)
{
    auto it = props.find(key);
    if (it == props.end())
        return fallback;
    try {
        return it->second.get<T>();
    } catch (const sdbus::Error&) {
        return fallback;
    }
}

std::string join(const std::vector<std::string>& v)
{
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : ", ") + s;
    return out.empty() ? "-" : out;
}

Result<int> do_pool_status(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    const std::string name = inv.args.positionals[0];
    const sdbus::ObjectPath path = BERTH_TRY(bus_call([&] { return bus.manager().GetPool(name); }));
    auto props = BERTH_TRY(bus_call([&] {
        auto proxy = sdbus::createProxy(bus.connection(), kBusName, path);
        std::map<std::string, sdbus::Variant> all;
        proxy->callMethod("GetAll")
            .onInterface("org.freedesktop.DBus.Properties")
            .withArguments(std::string(kPoolInterface))
            .storeResultsTo(all);
        return all;
    }));
    const auto caps = get_or<std::vector<std::string>>(props, "Capabilities", {});
    const auto containers = get_or<std::vector<std::string>>(props, "Containers", {});
    const auto images = get_or<std::vector<std::string>>(props, "Images", {});
    if (inv.args.has("json")) {
        Json out = Json::object();
        for (const char* key : {"Name", "Driver", "Source", "Path"})
            out.set(key, get_or<std::string>(props, key, ""));
        for (const char* key : {"Size", "Used", "Free"})
            out.set(key, get_or<uint64_t>(props, key, 0));
        out.set("Default", get_or<bool>(props, "Default", false));
        for (const auto& [key, list] : {std::pair{"Capabilities", caps}, {"Containers", containers},
                                        {"Images", images}}) {
            Json arr = Json::array();
            for (const auto& s : list)
                arr.push(Json(s));
            out.set(key, std::move(arr));
        }
        std::printf("%s\n", out.dump().c_str());
        return 0;
    }
    auto line = [](const char* label, const std::string& value) { std::printf("%12s: %s\n", label, value.c_str()); };
    std::printf("%s%s\n", name.c_str(), get_or<bool>(props, "Default", false) ? " (default pool)" : "");
    line("Driver", get_or<std::string>(props, "Driver", ""));
    line("Source", or_dash(get_or<std::string>(props, "Source", "")));
    line("Path", get_or<std::string>(props, "Path", ""));
    line("Size", format_size(get_or<uint64_t>(props, "Size", 0)) + " (used " +
                     format_size(get_or<uint64_t>(props, "Used", 0)) + ", free " +
                     format_size(get_or<uint64_t>(props, "Free", 0)) + ")");
    line("Capabilities", join(caps));
    line("Containers", join(containers));
    line("Images", join(images));
    return 0;
}

Result<int> do_pool_remove(const Invocation& inv)
{
    auto bus = BERTH_TRY(Bus::connect());
    int status = 0;
    for (const auto& name : inv.args.positionals) {
        auto r = bus_call([&] { bus.manager().RemovePool(name); });
        if (!r)
            status = report_error(r.error(), inv.verb.name);
    }
    return status;
}

}  // namespace

std::vector<Verb> pool_verbs()
{
    return {
        {"pool create", {}, "NAME [--driver dir|btrfs] [--source PATH] [--size SIZE]", 1, 1, std::nullopt,
         {{"driver", 'd', true, false, "DRIVER", "dir (default) or btrfs"},
          {"source", 0, true, false, "PATH", "an existing directory to hold the pool (on btrfs for --driver btrfs)"},
          {"size", 0, true, false, "SIZE", "btrfs only: a loop-backed pool of this size made by berthd (e.g. 2G)"}},
         do_pool_create, "Create a storage pool",
         "Creates storage pool NAME. dir: plain directories (container roots are copies; no quotas), in\n"
         "PATH or STATE/pools/NAME. btrfs: subvolumes, O(1) CoW clones and snapshots, quotas (--disk) by\n"
         "qgroups; on an existing btrfs directory (--source PATH), or on an image file berthd creates,\n"
         "formats and mounts itself (--size SIZE, at least 128M; mounted again when berthd starts, and its\n"
         "loop device goes away with the pool). Nothing is left behind when it fails."},
        {"pool list", {"ls"}, "[--json]", 0, 0, std::nullopt, {kJsonOption}, do_pool_list, "List storage pools",
         "Lists pools: NAME DRIVER SIZE USED FREE SOURCE (sizes of the file system holding each pool). --json\n"
         "prints an array of objects with name, driver, source, size, used, free (bytes) and object."},
        {"pool status", {}, "NAME [--json]", 1, 1, std::nullopt, {kJsonOption}, do_pool_status,
         "Show a storage pool",
         "Shows pool NAME: driver, source, path, size and usage, capabilities (cow-clone, snapshots,\n"
         "cow-snapshots, quotas, read-only), and the containers and images it holds."},
        {"pool remove", {"rm"}, "NAME...", 1, kAnyNumber, std::nullopt, {}, do_pool_remove, "Remove storage pools",
         "Unmounts and deletes each pool NAME (a loop-backed pool's image file and loop device too). Refused\n"
         "while containers have their root there, while it holds images kept nowhere else or custom volumes,\n"
         "and for the built-in and the default pool."},
    };
}

}  // namespace berth::ctl
