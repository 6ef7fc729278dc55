#include "core/guest_state.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/unique_fd.h"
#include "core/container.h"

namespace berth {

std::string visible_state(ContainerState state, const GuestState& guest)
{
    if (state == ContainerState::Running) {
        if (guest.notify && !guest.ready)
            return "starting";
        if (guest.system_state == "degraded")
            return "degraded";
    }
    return std::string(kContainerStateTable.to_string(state));
}

std::string parse_os_release_name(std::string_view text)
{
    std::string pretty, name;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        auto eq = line.find('=');
        if (eq == std::string_view::npos)
            continue;
        std::string_view key = line.substr(0, eq);
        std::string value(line.substr(eq + 1));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
            value = value.substr(1, value.size() - 2);
        std::string unescaped;
        for (size_t i = 0; i < value.size(); ++i) {
            if (value[i] == '\\' && i + 1 < value.size())
                ++i;
            unescaped += value[i];
        }
        if (key == "PRETTY_NAME")
            pretty = unescaped;
        else if (key == "NAME")
            name = unescaped;
    }
    return pretty.empty() ? name : pretty;
}

std::string read_os_name(const std::string& rootfs)
{
    UniqueFd root(open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root)
        return "";
    for (const char* path : {"etc/os-release", "usr/lib/os-release"}) {
        // The guest's links (Debian's etc/os-release -> ../usr/lib/os-release) resolve inside its root only.
        struct open_how how = {};
        how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
        how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
        UniqueFd fd(static_cast<int>(syscall(SYS_openat2, root.get(), path, &how, sizeof how)));
        if (!fd)
            continue;
        std::string text;
        char buf[4096];
        ssize_t n;
        while (text.size() < 64 * 1024 && (n = read(fd.get(), buf, sizeof buf)) > 0)
            text.append(buf, static_cast<size_t>(n));
        return parse_os_release_name(text);
    }
    return "";
}

std::string stop_reason_of(std::string_view reason, int status)
{
    if (reason == "poweroff" || reason == "halt")
        return std::string(reason);
    if (status >= 128 && status < 128 + 65)
        return "signal:" + std::to_string(status - 128);
    if (reason == "killed")
        return "killed";
    return "exit:" + std::to_string(status);
}

}  // namespace berth
