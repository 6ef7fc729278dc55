#!/bin/bash
# Networking costs (issue 4):
#  - start latency with networking vs without: `berthctl run --rm -- /bin/true` on the default network (veth pair,
#    addresses, routes, lease) vs `--network none`, RUNS times each, interleaved;
#  - TCP throughput container -> container over a berth bridge vs two plain network namespaces joined by one veth
#    pair (iperf3 from Debian, run in the containers' network namespaces with nsenter -n; SECONDS per run).
# Prints one JSON line per case:
#   {"name": "start-network", "tool": "berth", "ms": [...]}
#   {"name": "throughput-bridge", "tool": "berth", "gbps": [...]}
# Run it inside the test host (it needs berthd):
#   tests/testhost/testhost run --build DIR -- bench/measure-network.sh [RUNS] [SECONDS]
# Everything it makes (containers, network, namespaces) is removed at the end.
set -euo pipefail
RUNS=${1:-20}
SECS=${2:-3}
tag=bn$$
cleanup() {
    set +e
    berthctl remove --force "$tag-a" "$tag-b" >/dev/null 2>&1
    berthctl network remove "${tag}n" >/dev/null 2>&1
    ip netns delete "${tag}x" 2>/dev/null
    ip netns delete "${tag}y" 2>/dev/null
    [[ -n ${server:-} ]] && kill "$server" 2>/dev/null
}
trap cleanup EXIT

ms_of() {   # CMD...: wall time in ms
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    echo "scale=2; ($t1 - $t0) / 1000000" | bc
}

with=() without=()
berthctl run --rm -- /bin/true >/dev/null   # warm up
for ((i = 0; i < RUNS; i++)); do
    with+=("$(ms_of berthctl run --rm -- /bin/true)")
    without+=("$(ms_of berthctl run --rm --network none -- /bin/true)")
done
printf '{"name": "start-network", "tool": "berth", "ms": [%s]}\n' "$(IFS=,; echo "${with[*]}")"
printf '{"name": "start-no-network", "tool": "berth", "ms": [%s]}\n' "$(IFS=,; echo "${without[*]}")"

command -v iperf3 >/dev/null || { echo "iperf3 missing: apt-get install iperf3" >&2; exit 1; }

# iperf3 SERVER-NS-PID CLIENT-NS-PID ADDRESS: one run's throughput in Gbit/s.
iperf() {
    nsenter -t "$1" -n iperf3 -s -1 >/dev/null 2>&1 &
    server=$!
    sleep 0.3
    nsenter -t "$2" -n iperf3 -c "$3" -t "$SECS" -J | jq '.end.sum_received.bits_per_second / 1e9 * 100 | round / 100'
    wait "$server" 2>/dev/null || true
    server=
}

berthctl network create "${tag}n" --subnet 10.254.77.0/24 --subnet6 none >/dev/null
for c in a b; do
    berthctl create "$tag-$c" --network "${tag}n" -- /bin/sleep 100000 >/dev/null
    berthctl start "$tag-$c"
done
la=$(busctl get-property org.berth1 "$(berthctl list --json | jq -r --arg n "$tag-a" '.[] | select(.name == $n) | .object')" org.berth1.Container Leader | cut -d' ' -f2)
lb=$(busctl get-property org.berth1 "$(berthctl list --json | jq -r --arg n "$tag-b" '.[] | select(.name == $n) | .object')" org.berth1.Container Leader | cut -d' ' -f2)
ipa=$(berthctl network status "${tag}n" --json | jq -r --arg c "$tag-a" '.Leases[] | select(.container == $c) | .ipv4')

# Two plain namespaces, one veth pair: the floor.
ip netns add "${tag}x"
ip netns add "${tag}y"
ip link add "${tag}vx" netns "${tag}x" type veth peer name "${tag}vy" netns "${tag}y"
ip -n "${tag}x" addr add 10.254.78.1/24 dev "${tag}vx"
ip -n "${tag}y" addr add 10.254.78.2/24 dev "${tag}vy"
for n in x y; do ip -n "$tag$n" link set "$tag"v$n up; ip -n "$tag$n" link set lo up; done
plain() {
    ip netns exec "${tag}x" iperf3 -s -1 >/dev/null 2>&1 &
    server=$!
    sleep 0.3
    ip netns exec "${tag}y" iperf3 -c 10.254.78.1 -t "$SECS" -J | jq '.end.sum_received.bits_per_second / 1e9 * 100 | round / 100'
    wait "$server" 2>/dev/null || true
    server=
}

bridge=() veth=()
for ((i = 0; i < 3; i++)); do
    bridge+=("$(iperf "$la" "$lb" "$ipa")")
    veth+=("$(plain)")
done
printf '{"name": "throughput-bridge", "tool": "berth", "gbps": [%s]}\n' "$(IFS=,; echo "${bridge[*]}")"
printf '{"name": "throughput-veth", "tool": "netns", "gbps": [%s]}\n' "$(IFS=,; echo "${veth[*]}")"
