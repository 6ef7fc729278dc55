#!/bin/bash
# Debian boot to READY: berth vs systemd-nspawn -b vs lxc-start of the same tree, and `exec true` latency into a
# running Debian container. Prints one JSON line per case:
#   {"name": "debian-boot-ready", "tool": "berth", "ms": [...]}    berthctl start --wait: returns when berthd has
#                                                                   seen the guest's READY=1 (State running)
#   {"name": "debian-boot-ready", "tool": "nspawn", "ms": [...]}   systemd-nspawn -b --notify-ready=yes (a transient
#                                                                   service): READY=1 forwarded to our socket
#   {"name": "debian-boot-ready", "tool": "lxc", "ms": [...]}      lxc-start -d: the guest's READY=1 on our socket
#                                                                   (NOTIFY_SOCKET via lxc.environment, bound in)
#   {"name": "debian-exec-true", "tool": "berth", "ms": [...]}     berthctl exec NAME -- true
# Every figure is from just before the start command to the guest systemd's READY=1 (lib/notify_ready.py for the
# peers). The three boot their own copy of one tree (the image berth built), one after another in each round, each
# in a user namespace (berth: its id range on an idmapped mount; nspawn: --private-users=pick, which chowns its
# copy on the first, untimed, run; LXC: lxc.idmap 0 100000 65536 on an idmapped rootfs) and a network namespace
# with loopback only. Between runs each guest is shut down (untimed): berth and nspawn cleanly, LXC by
# lxc-stop (SIGRTMIN+3, the same poweroff request).
# Run it inside the test host (it needs berthd, and the egress proxy to build the image once):
#   tests/testhost/testhost run --build DIR -- bench/measure-boot.sh [RUNS]
# BERTH_BENCH_DEBIAN_TAR=FILE imports the tree from FILE (a tar of an earlier `image build debian`) instead of
# building it: for repeated runs while working on the boot path.
# Everything it makes (image, containers, the peers' copies, their cgroups) is removed at the end.
set -euo pipefail
RUNS=${1:-5}
here=$(cd "$(dirname "$0")" && pwd)
tag=bb$$
img=$tag-debian
# The peers' copies live on the file system of berth's container roots (in the test host /var/tmp is a tmpfs:
# a guest writing its journal there would boot faster than one on disk).
tmp=$(mktemp -d /var/lib/berth/measure-boot.XXXXXX)
chmod 0755 "$tmp"   # LXC's guest root (host uid 100000) walks down to its notify socket
lxcpath=$tmp/lxc
cleanup() {
    set +e
    systemctl stop "$tag-nspawn.service" >/dev/null 2>&1
    if [[ -d $lxcpath/$tag ]]; then
        /usr/bin/lxc-stop -P "$lxcpath" -n "$tag" -k >/dev/null 2>&1
        systemctl stop "$tag-lxc.service" >/dev/null 2>&1
    fi
    berthctl remove --force "$tag" >/dev/null 2>&1
    berthctl image remove --force "$img" >/dev/null 2>&1
    rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
ms_since() { echo "scale=2; ($(date +%s%N) - $1) / 1000000" | bc; }
json() { printf '{"name": "%s", "tool": "%s", "ms": [%s]}\n' "$1" "$2" "$(IFS=,; echo "${*:3}")"; }
say() { echo "measure-boot: $*" >&2; }

if [[ -n ${BERTH_BENCH_DEBIAN_TAR:-} ]]; then
    berthctl image import "$BERTH_BENCH_DEBIAN_TAR" "$img" >/dev/null
else
    berthctl image build debian "$img" --quiet >/dev/null
fi
berthctl create "$tag" --image "$img" --boot --network none >/dev/null   # loopback only, as the peers
root=$(find /var/lib/berth -maxdepth 6 -type d -path "*/images/$img/rootfs" | head -n 1)
[[ -n $root ]] || { say "cannot find the image's tree"; exit 1; }

# --- the three ways to boot it ----------------------------------------------------------------------------------
berth_boot() {
    local t0
    t0=$(date +%s%N)
    berthctl start --wait --timeout 60 "$tag" >/dev/null
    ms_since "$t0"
}
berth_halt() {
    berthctl poweroff "$tag"
    for ((w = 0; w < 300; w++)); do
        [[ $(busctl get-property org.berth1 "/org/berth1/container/$tag" org.berth1.Container State) == *stopped* ]] \
            && return 0
        sleep 0.1
    done
    say "berth: $tag did not stop"
    return 1
}

# nspawn as a transient service (its own cgroup, as berth's scope), READY=1 forwarded to our socket.
nspawn_boot() {
    /usr/bin/python3 "$here/lib/notify_ready.py" "$tmp/nspawn.sock" 60 -- \
        systemd-run --quiet --unit="$tag-nspawn" --collect -p Delegate=yes -p TimeoutStopSec=20 -E NOTIFY_SOCKET="$tmp/nspawn.sock" \
        systemd-nspawn -q -b -D "$tmp/nspawn-root" -M "$tag" --register=no --keep-unit --notify-ready=yes \
        --private-users=pick --private-network
}
nspawn_halt() {
    systemctl stop "$tag-nspawn.service" >/dev/null 2>&1 || true
}

# LXC as Debian's unprivileged containers are configured (debian.common.conf + debian.userns.conf), written out
# here with three changes: sysfs read-only (the test host's sysfs is read-only, and a user namespace may not
# mount it writable then), no lxcfs hooks (no lxcfs runs here, and its hooks need a PATH without newuidmap, see
# bench/README.md) and no /dev/ttyN (berth and nspawn give a guest its console only, so the same gettys run).
# It runs as a service of its own with a delegated cgroup (lxc.cgroup.relative). /run is a tmpfs LXC mounts (as
# berth and nspawn do), so the guest's systemd keeps it and our socket directory bound below it.
mkdir -p "$lxcpath" "$tmp/lxc-notify"
chmod 0755 "$tmp/lxc-notify"
cat > "$tmp/lxc.conf" <<EOF
lxc.uts.name = $tag
lxc.rootfs.path = dir:$tmp/lxc-root
lxc.rootfs.options = idmap=container
lxc.idmap = u 0 100000 65536
lxc.idmap = g 0 100000 65536
lxc.net.0.type = empty
lxc.mount.auto = proc:mixed sys:ro cgroup:mixed
lxc.pty.max = 1024
lxc.tty.max = 0
lxc.seccomp.profile = /usr/share/lxc/config/common.seccomp
lxc.cgroup.relative = 1
lxc.apparmor.profile = unconfined
lxc.signal.halt = SIGRTMIN+3
lxc.environment = NOTIFY_SOCKET=/run/host/notify
lxc.mount.entry = tmpfs run tmpfs rw,nosuid,nodev,mode=755 0 0
lxc.mount.entry = $tmp/lxc-notify run/host none bind,create=dir 0 0
EOF
lxc_boot() {
    /usr/bin/python3 "$here/lib/notify_ready.py" "$tmp/lxc-notify/notify" 60 -- \
        systemd-run --quiet --unit="$tag-lxc" --collect -p Type=forking -p Delegate=yes -E PATH=/usr/sbin:/sbin \
        /usr/bin/lxc-start -P "$lxcpath" -n "$tag" -f "$tmp/lxc.conf" -o "$tmp/lxc.log" -d
}
lxc_halt() {
    /usr/bin/lxc-stop -P "$lxcpath" -n "$tag" -t 30 >/dev/null 2>&1 ||
        /usr/bin/lxc-stop -P "$lxcpath" -n "$tag" -k >/dev/null 2>&1 || true
    systemctl stop "$tag-lxc.service" >/dev/null 2>&1 || true
}

# Each peer boots its own copy: a boot writes into its tree (journal, machine-id, nspawn's chown).
tools=(berth)
if command -v systemd-nspawn >/dev/null; then
    cp -a "$root" "$tmp/nspawn-root"
    tools+=(nspawn)
else
    say "systemd-nspawn is not installed; no nspawn figures"
fi
if [[ -x /usr/bin/lxc-start ]]; then
    cp -a "$root" "$tmp/lxc-root"
    tools+=(lxc)
else
    say "lxc is not installed; no LXC figures"
fi

# One untimed boot each first (nspawn chowns its copy then; every tool's files are in the page cache after it).
# A tool whose first boot fails is reported on stderr and left out.
declare -A ms
booted=()
for tool in "${tools[@]}"; do
    if out=$("${tool}_boot" 2>&1); then
        "${tool}_halt"
        booted+=("$tool")
    else
        say "$tool did not boot to READY here; no $tool figures: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
        [[ $tool == lxc ]] && say "lxc log: $(tail -n 5 "$tmp/lxc.log" 2>/dev/null | tr '\n' ' ')"
        "${tool}_halt" >/dev/null 2>&1 || true
    fi
done

# Rounds interleave the tools, so a slow drift of the machine does not land on one of them.
for ((i = 0; i < RUNS; i++)); do
    for tool in "${booted[@]}"; do
        if t=$("${tool}_boot"); then
            ms[$tool]+="${ms[$tool]:+ }$t"
        else
            say "$tool: run $i did not reach READY"
        fi
        "${tool}_halt"
    done
done
for tool in "${booted[@]}"; do
    [[ -n ${ms[$tool]:-} ]] || continue
    # shellcheck disable=SC2086
    json debian-boot-ready "$tool" ${ms[$tool]}
done

# exec true into the running guest (booted once more, untimed).
if berth_boot >/dev/null; then
    e=()
    for ((i = 0; i < RUNS * 4; i++)); do
        t0=$(date +%s%N)
        berthctl exec "$tag" -- true
        e+=("$(ms_since "$t0")")
    done
    json debian-exec-true berth "${e[@]}"
    berth_halt || true
fi
exit 0
