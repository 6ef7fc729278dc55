// Boot work a Debian guest's systemd does every time and that has nothing to do in a container, trimmed from the
// tree when `image build debian` makes it (core/debian_image.h). A/B in one test host, 10 boots each, alternating:
// `start --wait` median 301 ms -> 226 ms (systemd-analyze userspace 272 ms -> 165 ms). Every tool that boots the
// tree gains the same (bench/measure-boot.sh boots one tree with berth, nspawn and LXC).
#pragma once

#include <string>

#include "base/error.h"

namespace berth {

// Generators that only look for what a container never has (encrypted, verity, integrity or GPT-discovered disks,
// a resume device, an offline update, kernel command line switches: a container's /proc/cmdline is the host's).
// Each one is a process started before systemd loads its first unit. fstab, getty, rc-local and sysv stay: a
// user may have an fstab entry, a console login, an rc.local or an init script.
inline constexpr const char* kTrimmedGenerators[] = {
    "systemd-cryptsetup-generator", "systemd-veritysetup-generator", "systemd-integritysetup-generator",
    "systemd-gpt-auto-generator",   "systemd-hibernate-resume-generator", "systemd-system-update-generator",
    "systemd-debug-generator",      "systemd-run-generator",
};

// Units on the way to READY=1 that do nothing in a berth guest: remount-fs remounts / by an fstab line berth's
// image has not got (berth mounts the root), and update-utmp-runlevel runs after the default target is reached,
// holding READY=1 back only to write a runlevel record to utmp (`runlevel` and `who -r` then say "unknown").
inline constexpr const char* kTrimmedUnits[] = {
    "systemd-remount-fs.service",
    "systemd-update-utmp-runlevel.service",
};

// In `root`: masks the generators (a /dev/null link in /etc/systemd/system-generators) and units above, and writes
// /etc/.updated as systemd-update-done would after a first boot (Debian ships no systemd-update-done, so
// ConditionNeedsUpdate=/etc held at every boot and systemd-sysusers ran each time, on the critical path; Debian's
// packages create their users from their maintainer scripts). The stamp is one second newer than /usr, so a
// later change of /usr makes sysusers run again at the next boot. Returns a one-line summary for the build log.
Result<std::string> trim_guest_boot(const std::string& root);

}  // namespace berth
