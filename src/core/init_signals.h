// Which signals ask a container's init to power off or reboot. systemd and busybox init use different ones; in
// command mode PID 1 is an ordinary program, which gets SIGTERM.
#pragma once

#include <string>

#include "base/enum_table.h"
#include "core/spec.h"

namespace berth {

enum class InitKind { Systemd, Busybox, Other, Command };
inline constexpr EnumTable<InitKind, 4> kInitKindTable{{
    {InitKind::Systemd, "systemd"},
    {InitKind::Busybox, "busybox"},
    {InitKind::Other, "other"},
    {InitKind::Command, "command"},
}};

// Follows /sbin/init (and the other init paths berth-spawn tries) inside `rootfs`, resolving symlinks relative to
// the root, never outside it, and names the init it finds.
InitKind detect_init(const std::string& rootfs, const ContainerSpec& spec);

// SIGRTMIN+3 for systemd, SIGUSR2 for busybox init, SIGTERM otherwise.
int poweroff_signal(InitKind kind);
// SIGINT for systemd, SIGTERM for busybox init; 0 = no reboot signal (berth-spawn restarts the payload instead).
int reboot_signal(InitKind kind);

}  // namespace berth
