#!/bin/bash
# Clone time of a container on btrfs (a CoW snapshot) vs dir (a copy), for a small (2 MB) and a large (250 MB)
# image: `berthctl clone` of a stopped container, RUNS times each. Prints one JSON line per case:
#   {"name": "clone-btrfs-large", "tool": "berth", "ms": [...]}
# Run it inside the test host (it needs berthd):
#   tests/testhost/testhost run --build DIR -- bench/measure-storage.sh [RUNS]
# Everything it makes (pools, images, containers) is removed at the end.
set -euo pipefail
RUNS=${1:-5}
tag=bs$$
tmp=$(mktemp -d)
cleanup() {
    set +e
    for c in $(berthctl list --all --json | jq -r --arg t "$tag" '.[] | select(.name | startswith($t)) | .name'); do
        berthctl remove --force "$c" >/dev/null 2>&1
    done
    berthctl image remove --force "$tag-small" "$tag-large" >/dev/null 2>&1
    berthctl pool remove "${tag}btrfs" "${tag}dir" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT

berthctl pool create "${tag}btrfs" --driver btrfs --size 2G >/dev/null
berthctl pool create "${tag}dir" --driver dir >/dev/null
for size in small large; do
    mkdir -p "$tmp/$size/bin"
    cp /bin/busybox "$tmp/$size/bin/"
    if [[ $size == small ]]; then head -c 2M /dev/urandom >"$tmp/$size/blob"; else head -c 250M /dev/urandom >"$tmp/$size/blob"; fi
    tar -C "$tmp/$size" -cf "$tmp/$size.tar" .
    rm -rf "${tmp:?}/$size"
    berthctl image import "$tmp/$size.tar" "$tag-$size" >/dev/null
    rm -f "$tmp/$size.tar"
done

for driver in btrfs dir; do
    for size in small large; do
        base=$tag-$driver-$size
        berthctl create "$base" --pool "$tag$driver" --image "$tag-$size" -- /bin/busybox sleep 1000 >/dev/null
        ms=()
        for ((i = 0; i < RUNS; i++)); do
            t0=$(date +%s%N)
            berthctl clone "$base" "$base-$i" >/dev/null
            t1=$(date +%s%N)
            ms+=("$(echo "scale=2; ($t1 - $t0) / 1000000" | bc)")
            berthctl remove --force "$base-$i" >/dev/null
        done
        printf '{"name": "clone-%s-%s", "tool": "berth", "ms": [%s]}\n' "$driver" "$size" "$(IFS=,; echo "${ms[*]}")"
    done
done
