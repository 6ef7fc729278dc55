#include "spawn/start_config.h"

#include <charconv>

#include "base/names.h"
#include "base/spawn_protocol.h"

namespace berth::spawn {

namespace {

Result<uint32_t> parse_u32(const std::string& text, std::string_view key)
{
    uint32_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size())
        return fail(ErrorKind::InvalidArgument, "START: " + std::string(key) + "=" + text + " is not a number", EINVAL);
    return value;
}

Result<std::string> require(const Message& message, std::string_view key)
{
    std::string value = message.get(key);
    if (value.empty())
        return fail(ErrorKind::InvalidArgument, "START: missing " + std::string(key) + "=", EINVAL);
    return value;
}

Result<std::string> require_absolute(const Message& message, std::string_view key)
{
    std::string value = BERTH_TRY(require(message, key));
    if (value[0] != '/')
        return fail(ErrorKind::InvalidArgument, "START: " + std::string(key) + "=" + value + " is not an absolute path",
                    EINVAL);
    return value;
}

}  // namespace

Result<StartConfig> parse_start(Message&& message)
{
    if (message.verb() != spawn_protocol::kStart)
        return fail(ErrorKind::InvalidArgument, "expected START, got '" + message.verb() + "'", EPROTO);
    StartConfig config;
    config.name = BERTH_TRY(require(message, "name"));
    BERTH_TRY(validate_name(config.name, "container name"));
    config.hostname = message.get("hostname");
    if (config.hostname.empty())
        config.hostname = config.name;
    if (config.hostname.size() > 64)
        return fail(ErrorKind::InvalidArgument, "START: hostname longer than 64 bytes", EINVAL);
    config.rootfs = BERTH_TRY(require_absolute(message, "rootfs"));
    config.runtime_dir = BERTH_TRY(require_absolute(message, "runtime_dir"));
    config.uid_base = BERTH_TRY(parse_u32(BERTH_TRY(require(message, "uid_base")), "uid_base"));
    config.uid_size = BERTH_TRY(parse_u32(BERTH_TRY(require(message, "uid_size")), "uid_size"));
    // Root inside must map to an unprivileged range: never host root, and no wrap-around.
    if (config.uid_base == 0 || config.uid_size == 0 ||
        static_cast<uint64_t>(config.uid_base) + config.uid_size > UINT32_MAX)
        return fail(ErrorKind::InvalidArgument, "START: invalid id range " + std::to_string(config.uid_base) + "+" +
                                                    std::to_string(config.uid_size), EINVAL);

    std::string idmap = message.get("idmap");
    if (idmap == "mount" || idmap.empty())
        config.idmap = IdmapMode::Mount;
    else if (idmap == "shifted")
        config.idmap = IdmapMode::Shifted;
    else
        return fail(ErrorKind::InvalidArgument, "START: idmap=" + idmap + " is not mount or shifted", EINVAL);

    std::string mode = message.get("mode");
    if (mode == "boot")
        config.mode = RunMode::Boot;
    else if (mode == "command" || mode.empty())
        config.mode = RunMode::Command;
    else
        return fail(ErrorKind::InvalidArgument, "START: mode=" + mode + " is not boot or command", EINVAL);

    config.args = message.get_all("arg");
    if (config.mode == RunMode::Command && config.args.empty())
        return fail(ErrorKind::InvalidArgument, "START: command mode needs at least one arg=", EINVAL);
    config.env = message.get_all("env");
    for (const auto& pair : config.env)
        if (pair.find('=') == std::string::npos || pair[0] == '=')
            return fail(ErrorKind::InvalidArgument, "START: env=" + pair + " is not KEY=VALUE", EINVAL);

    config.overlay = message.get("overlay") == "1";
    if (config.overlay && config.idmap != IdmapMode::Mount)
        return fail(ErrorKind::InvalidArgument, "START: overlay=1 needs idmap=mount (the image is shared)", EINVAL);

    config.mounts = BERTH_TRY(parse_mount_fields(message));

    config.networks = BERTH_TRY(parse_net_fields(message.get_all("net")));
    config.attached = message.get("attached") == "1";
    if (config.attached) {
        if (message.fds.size() != 3)
            return fail(ErrorKind::InvalidArgument, "START: attached=1 needs exactly three fds (stdin, stdout, stderr)",
                        EINVAL);
        for (size_t i = 0; i < 3; ++i)
            config.stdio[i] = std::move(message.fds[i]);
    }
    return config;
}

}  // namespace berth::spawn
