#include "ctl/settings_dbus.h"

#include <sdbus-c++/Error.h>
#include <sdbus-c++/TypeTraits.h>

namespace berth::ctl {

Settings limits_to_settings(const LimitArgs& limits)
{
    Settings s;
    if (limits.memory_max)
        s["MemoryMax"] = sdbus::Variant(*limits.memory_max);
    if (limits.memory_high)
        s["MemoryHigh"] = sdbus::Variant(*limits.memory_high);
    if (limits.cpus)
        s["CPUs"] = sdbus::Variant(*limits.cpus);
    if (limits.cpu_weight)
        s["CPUWeight"] = sdbus::Variant(*limits.cpu_weight);
    if (limits.tasks_max)
        s["TasksMax"] = sdbus::Variant(*limits.tasks_max);
    if (limits.io_weight)
        s["IOWeight"] = sdbus::Variant(*limits.io_weight);
    if (limits.net_rate_in)
        s["NetRateIn"] = sdbus::Variant(*limits.net_rate_in);
    if (limits.net_rate_out)
        s["NetRateOut"] = sdbus::Variant(*limits.net_rate_out);
    if (limits.disk)
        s["Disk"] = sdbus::Variant(*limits.disk);
    return s;
}

Result<Settings> container_settings(const ParsedArgs& args)
{
    Settings s = limits_to_settings(BERTH_TRY(parse_limit_args(args)));
    if (auto image = args.value("image")) {
        if (image->empty())
            return fail(ErrorKind::InvalidArgument, "--image needs an image name");
        s["Image"] = sdbus::Variant(*image);
    }
    auto env = BERTH_TRY(parse_env_args(args));
    if (!env.empty())
        s["Environment"] = sdbus::Variant(env);
    if (args.has("rm"))
        s["AutoRemove"] = sdbus::Variant(true);
    if (args.has("ephemeral"))
        s["Ephemeral"] = sdbus::Variant(true);
    if (auto pool = args.value("pool")) {
        if (pool->empty())
            return fail(ErrorKind::InvalidArgument, "--pool needs a pool name (see 'berthctl pool list')");
        s["Pool"] = sdbus::Variant(*pool);
    }
    if (auto network = args.value("network")) {
        if (network->empty())
            return fail(ErrorKind::InvalidArgument, "--network needs a network name or 'none'");
        s["Network"] = sdbus::Variant(*network);
    }
    const bool boot = args.has("boot");
    if (boot && !args.rest.empty())
        return fail(ErrorKind::InvalidArgument, "--boot runs the image's init; it cannot be combined with a command");
    if (args.dashdash && args.rest.empty())
        return fail(ErrorKind::InvalidArgument, "missing command after '--'");
    if (boot)
        s["Boot"] = sdbus::Variant(true);
    else if (!args.rest.empty())
        s["Command"] = sdbus::Variant(args.rest);
    return s;
}

Json variant_to_json(const sdbus::Variant& value)
{
    try {
        const std::string type = value.peekValueType();
        if (type == "s")
            return Json(value.get<std::string>());
        if (type == "o")
            return Json(std::string(value.get<sdbus::ObjectPath>()));
        if (type == "g")
            return Json(std::string(value.get<sdbus::Signature>()));
        if (type == "b")
            return Json(value.get<bool>());
        if (type == "y")
            return Json(static_cast<uint64_t>(value.get<uint8_t>()));
        if (type == "q")
            return Json(static_cast<uint64_t>(value.get<uint16_t>()));
        if (type == "u")
            return Json(static_cast<uint64_t>(value.get<uint32_t>()));
        if (type == "t")
            return Json(value.get<uint64_t>());
        if (type == "n")
            return Json(static_cast<int64_t>(value.get<int16_t>()));
        if (type == "i")
            return Json(static_cast<int64_t>(value.get<int32_t>()));
        if (type == "x")
            return Json(value.get<int64_t>());
        if (type == "d")
            return Json(value.get<double>());
        if (type == "as") {
            Json arr = Json::array();
            for (auto& s : value.get<std::vector<std::string>>())
                arr.push(Json(s));
            return arr;
        }
        if (type == "ao") {
            Json arr = Json::array();
            for (auto& p : value.get<std::vector<sdbus::ObjectPath>>())
                arr.push(Json(std::string(p)));
            return arr;
        }
        return Json("<" + type + ">");
    } catch (const sdbus::Error&) {
        return Json();
    }
}

}  // namespace berth::ctl
