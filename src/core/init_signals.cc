#include "core/init_signals.h"

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>

namespace berth {

namespace {

// Resolve `path` (absolute inside the container) following symlinks with the container root as "/".
// Returns the final in-container path, or empty when it does not exist or loops.
std::string resolve_in_root(const std::string& rootfs, std::string path)
{
    for (int hops = 0; hops < 16; ++hops) {
        // resolve each component so that an intermediate link (e.g. /sbin -> usr/sbin) is followed too
        std::string resolved;
        size_t pos = 1;
        bool changed = false;
        while (pos <= path.size()) {
            size_t next = path.find('/', pos);
            if (next == std::string::npos)
                next = path.size();
            std::string part = path.substr(pos, next - pos);
            pos = next + 1;
            if (part.empty() || part == ".")
                continue;
            if (part == "..") {
                auto slash = resolved.rfind('/');
                resolved = slash == std::string::npos ? "" : resolved.substr(0, slash);
                continue;
            }
            std::string candidate = resolved + "/" + part;
            struct stat st;
            if (lstat((rootfs + candidate).c_str(), &st) < 0)
                return {};
            if (S_ISLNK(st.st_mode)) {
                char buf[4096];
                ssize_t n = readlink((rootfs + candidate).c_str(), buf, sizeof buf - 1);
                if (n <= 0)
                    return {};
                std::string target(buf, static_cast<size_t>(n));
                std::string rest = pos <= path.size() ? path.substr(pos - 1) : "";
                path = (target[0] == '/' ? target : resolved + "/" + target) + rest;
                changed = true;
                break;
            }
            resolved = candidate;
        }
        if (!changed)
            return resolved;
    }
    return {};
}

std::string basename_of(const std::string& path)
{
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

InitKind detect_init(const std::string& rootfs, const ContainerSpec& spec)
{
    if (spec.mode == ContainerMode::Command)
        return InitKind::Command;
    for (const char* candidate : {"/sbin/init", "/usr/lib/systemd/systemd", "/lib/systemd/systemd", "/init",
                                  "/bin/init"}) {
        std::string found = resolve_in_root(rootfs, candidate);
        if (found.empty())
            continue;
        std::string name = basename_of(found);
        if (name == "systemd")
            return InitKind::Systemd;
        if (name == "busybox")
            return InitKind::Busybox;
        return InitKind::Other;
    }
    return InitKind::Other;
}

int poweroff_signal(InitKind kind)
{
    switch (kind) {
    case InitKind::Systemd: return SIGRTMIN + 3;
    case InitKind::Busybox: return SIGUSR2;
    default: return SIGTERM;
    }
}

int reboot_signal(InitKind kind)
{
    switch (kind) {
    case InitKind::Systemd: return SIGINT;
    case InitKind::Busybox: return SIGTERM;
    default: return 0;
    }
}

}  // namespace berth
