#!/bin/bash
# Export/import throughput of berth (libarchive in a berthd child process, through berthctl's pipe) vs plain
# `tar --zstd` of the same tree: a stopped container whose root holds DATA_MB of data (half random, half text),
# RUNS times each. Prints one JSON line per case, with the tree size so MB/s can be derived:
#   {"name": "export-zstd", "tool": "berth", "ms": [...], "mb": 64.1}
#   {"name": "export-zstd", "tool": "tar", ...}   {"name": "import-zstd", "tool": "berth" | "tar", ...}
# Run it inside the test host (it needs berthd):
#   tests/testhost/testhost run --build DIR -- bench/measure-export.sh [RUNS] [DATA_MB]
# Everything it makes (containers, files) is removed at the end.
set -euo pipefail
RUNS=${1:-5}
DATA_MB=${2:-64}
tag=be$$
tmp=$(mktemp -d)
cleanup() {
    set +e
    for c in $(berthctl list --all --json | jq -r --arg t "$tag" '.[] | select(.name | startswith($t)) | .name'); do
        berthctl remove --force "$c" >/dev/null 2>&1
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

ms_since() { echo "scale=2; ($(date +%s%N) - $1) / 1000000" | bc; }
state_dir=$(awk -F'"' '/^state *=/ {print $2}' /etc/berth/berthd.toml 2>/dev/null || true)
state_dir=${state_dir:-/var/lib/berth}

src=$tag-src
berthctl create "$src" -- /bin/sh -c 'while :; do sleep 1; done' >/dev/null
berthctl start "$src"
half=$((DATA_MB / 2))
berthctl exec "$src" -- /bin/sh -c "mkdir -p /data && dd if=/dev/urandom of=/data/random bs=1M count=$half 2>/dev/null
    i=0; while [ \$i -lt $half ]; do seq 1 120000 > /data/text\$i; i=\$((i+1)); done"
berthctl terminate "$src"
root=$(find "$state_dir/pools" -maxdepth 4 -path "*/containers/$src/rootfs" -type d | head -n 1)
mb=$(du -sm --apparent-size "$root" | cut -f1)

export_ms=() tar_ms=() import_ms=() untar_ms=()
for ((i = 0; i < RUNS; i++)); do
    t0=$(date +%s%N)
    berthctl export "$src" "$tmp/berth.tar.zst" 2>/dev/null
    export_ms+=("$(ms_since "$t0")")
    t0=$(date +%s%N)
    tar --zstd -C "$root" -cf "$tmp/plain.tar.zst" .
    tar_ms+=("$(ms_since "$t0")")
    t0=$(date +%s%N)
    berthctl import "$tmp/berth.tar.zst" "$tag-imp$i" 2>/dev/null
    import_ms+=("$(ms_since "$t0")")
    berthctl remove "$tag-imp$i" >/dev/null
    mkdir "$tmp/untar"
    t0=$(date +%s%N)
    tar --zstd -C "$tmp/untar" -xf "$tmp/plain.tar.zst"
    untar_ms+=("$(ms_since "$t0")")
    rm -rf "$tmp/untar" "$tmp/berth.tar.zst" "$tmp/plain.tar.zst"
done
line() { printf '{"name": "%s", "tool": "%s", "ms": [%s], "mb": %s}\n' "$1" "$2" "$(IFS=,; echo "${*:3}")" "$mb"; }
line export-zstd berth "${export_ms[@]}"
line export-zstd tar "${tar_ms[@]}"
line import-zstd berth "${import_ms[@]}"
line import-zstd tar "${untar_ms[@]}"
