#!/bin/bash
# The berth side of the benchmark. bench/run starts it inside the private systemd test host
# (tests/testhost/testhost run -- bench/berth-in-host.sh ...), where berthd runs under a real systemd and can create
# its transient scopes. It measures, with hyperfine:
#   berth   berthctl run --rm --image busybox -- /bin/true    (create + start + wait + remove, end to end)
#   scope   systemd-run --quiet --scope /bin/true              (a transient scope alone: what berth pays systemd)
# The test host's /tmp is private, so results go to stdout between marker lines that bench/run picks out:
#   BENCH-SKIP ID REASON
#   BENCH-JSON-BEGIN ID / ...hyperfine JSON... / BENCH-JSON-END ID
set -u

runs=20 warmup=2 berthctl="" only=""
usage() {
    echo "usage: $0 [--runs N] [--warmup N] [--berthctl PATH] [--only berth|scope]" >&2
    exit 2
}
while (( $# )); do
    case $1 in
        --runs) runs=${2:?}; shift 2 ;;
        --warmup) warmup=${2:?}; shift 2 ;;
        --berthctl) berthctl=${2:?}; shift 2 ;;
        --only) only=${2:?}; shift 2 ;;
        -h|--help) usage ;;
        *) usage ;;
    esac
done

tmp=$(mktemp -d /tmp/berth-bench.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

skip() { echo "BENCH-SKIP $1 $2"; }

# Run CMD... once to prove it works (a failing command would make hyperfine abort with little to say), then
# measure it. ID names the result.
measure() {
    local id=$1; shift
    local err
    if ! err=$("$@" 2>&1 >/dev/null); then
        skip "$id" "\`$*\` failed: $(printf '%s' "$err" | tr '\n' ' ' | cut -c1-300)"
        return
    fi
    local cmd
    printf -v cmd '%q ' "$@"
    if ! hyperfine -N --style basic --warmup "$warmup" --runs "$runs" --export-json "$tmp/$id.json" \
            -n "$id" "${cmd% }" >&2; then
        skip "$id" "hyperfine failed (a run of \`$*\` exited non-zero)"
        return
    fi
    # hyperfine's file has no final newline: add one, or the end marker would share the JSON's last line.
    echo "BENCH-JSON-BEGIN $id"
    cat "$tmp/$id.json"
    echo
    echo "BENCH-JSON-END $id"
}

if ! command -v hyperfine >/dev/null; then
    skip berth "hyperfine is not installed in the test host"
    skip scope "hyperfine is not installed in the test host"
    exit 0
fi

if [[ -z $only || $only == berth ]]; then
    if [[ -z $berthctl ]]; then
        berthctl=$(command -v berthctl || true)
    fi
    # testhost installs berth into the test host; fall back to the build directory it names.
    if [[ -z $berthctl && -n ${BERTH_BUILD:-} && -x $BERTH_BUILD/src/ctl/berthctl ]]; then
        berthctl=$BERTH_BUILD/src/ctl/berthctl
    fi
    if [[ -z $berthctl || ! -x $berthctl ]]; then
        skip berth "berthctl not found in the test host (give --berthctl PATH)"
    elif ! out=$("$berthctl" list 2>&1); then
        skip berth "berthd does not answer in the test host: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)"
    else
        measure berth "$berthctl" run --rm --image busybox -- /bin/true
    fi
fi

if [[ -z $only || $only == scope ]]; then
    if ! command -v systemd-run >/dev/null; then
        skip scope "systemd-run is not installed"
    else
        measure scope systemd-run --quiet --scope /bin/true
    fi
fi
exit 0
