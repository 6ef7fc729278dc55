#!/bin/bash
# Debian boot to READY, berth vs systemd-nspawn of the same tree, and `exec true` latency into a running Debian
# container. Prints one JSON line per case:
#   {"name": "debian-boot-ready", "tool": "berth", "ms": [...]}     berthctl start --wait (State: starting -> running)
#   {"name": "debian-boot-ready", "tool": "nspawn", "ms": [...]}    systemd-nspawn -b --notify-ready=yes as a
#                                                                    Type=notify service: systemd-run returns at READY=1
#   {"name": "debian-exec-true", "tool": "berth", "ms": [...]}      berthctl exec NAME -- true
# Run it inside the test host (it needs berthd, and the egress proxy to build the image once):
#   tests/testhost/testhost run --build DIR -- bench/measure-boot.sh [RUNS]
# Everything it makes (image, containers, the nspawn copy) is removed at the end.
set -euo pipefail
RUNS=${1:-5}
tag=bb$$
img=$tag-debian
tmp=$(mktemp -d /var/tmp/measure-boot.XXXXXX)
cleanup() {
    set +e
    systemctl stop "$tag-nspawn.service" >/dev/null 2>&1
    berthctl remove --force "$tag" >/dev/null 2>&1
    berthctl image remove --force "$img" >/dev/null 2>&1
    rm -rf --one-file-system "$tmp"
}
trap cleanup EXIT
ms_since() { echo "scale=2; ($(date +%s%N) - $1) / 1000000" | bc; }
json() { printf '{"name": "%s", "tool": "%s", "ms": [%s]}\n' "$1" "$2" "$(IFS=,; echo "${*:3}")"; }

berthctl image build debian "$img" --quiet >/dev/null
berthctl create "$tag" --image "$img" --boot >/dev/null

# berth: start to READY, then a clean poweroff (untimed).
ms=()
for ((i = 0; i < RUNS; i++)); do
    t0=$(date +%s%N)
    berthctl start --wait --timeout 60 "$tag" >/dev/null
    ms+=("$(ms_since "$t0")")
    if ((i == RUNS - 1)); then break; fi
    berthctl poweroff "$tag"
    for ((w = 0; w < 300; w++)); do
        [[ $(busctl get-property org.berth1 "/org/berth1/container/$tag" org.berth1.Container State) == *stopped* ]] && break
        sleep 0.1
    done
done
json debian-boot-ready berth "${ms[@]}"

# exec true into the running guest.
ms=()
for ((i = 0; i < RUNS * 4; i++)); do
    t0=$(date +%s%N)
    berthctl exec "$tag" -- true
    ms+=("$(ms_since "$t0")")
done
json debian-exec-true berth "${ms[@]}"
berthctl poweroff "$tag"

# systemd-nspawn of the same tree (a copy: nspawn writes into it), as a notify service so READY=1 ends the wait.
root=$(find /var/lib/berth -maxdepth 6 -type d -path "*/images/$img/rootfs" | head -n 1)
if command -v systemd-nspawn >/dev/null && [[ -n $root ]]; then
    cp -a "$root" "$tmp/root"
    ms=()
    for ((i = 0; i < RUNS; i++)); do
        t0=$(date +%s%N)
        if ! systemd-run --quiet --unit="$tag-nspawn" -p Type=notify -p NotifyAccess=all --collect \
            systemd-nspawn -q -b -D "$tmp/root" -M "$tag" --register=no --keep-unit --notify-ready=yes \
            --private-users=pick --private-network >/dev/null 2>&1; then
            echo "measure-boot: systemd-nspawn did not boot here; no nspawn figures" >&2
            ms=()
            break
        fi
        ms+=("$(ms_since "$t0")")
        systemctl stop "$tag-nspawn.service" >/dev/null 2>&1
    done
    ((${#ms[@]})) && json debian-boot-ready nspawn "${ms[@]}"
fi
exit 0
