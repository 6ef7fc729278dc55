#!/bin/bash
# The berth side of the benchmark. bench/run starts it inside the private systemd test host
# (tests/testhost/testhost run -- bench/berth-in-host.sh ...), where berthd runs under a real systemd and can create
# its transient scopes. It measures, with hyperfine:
#   berth     berthctl run --rm --network none --image busybox -- /bin/true  (create + start + wait + remove)
#   berthnet  the same on the default network (veth on the berth0 bridge, lease, DNS entry)
#   scope     systemd-run --quiet --scope /bin/true            (a transient scope alone: what berth pays systemd)
# and, into a running busybox container (boot mode, ephemeral) made for this round and removed after it:
#   bexec     berthctl exec NAME -- /bin/true                  exec latency alone
#   nsenter   nsenter -t LEADER -a /bin/true                   joining the container's namespaces: the floor for exec
#   startexec berthctl start NAME && berthctl exec NAME -- /bin/true   start an existing (stopped) container and
#             exec in it; hyperfine --prepare stops it again (berthctl terminate) before every run, untimed
# The test host's /tmp is private, so results go to stdout between marker lines that bench/run picks out:
#   BENCH-SKIP ID REASON
#   BENCH-JSON-BEGIN ID / ...hyperfine JSON... / BENCH-JSON-END ID
set -u

runs=20 warmup=2 berthctl="" only=""
usage() {
    echo "usage: $0 [--runs N] [--warmup N] [--berthctl PATH] [--only berth|scope|exec|start]" >&2
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
made=()  # containers this script created: removed on exit whatever happened
cleanup() {
    local name
    for name in "${made[@]}"; do
        "$berthctl" remove --force "$name" >/dev/null 2>&1 ||
            echo "berth-in-host: could not remove container $name" >&2
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

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
    emit_json "$id"
}

# hyperfine's file has no final newline: add one, or the end marker would share the JSON's last line.
emit_json() {
    echo "BENCH-JSON-BEGIN $1"
    cat "$tmp/$1.json"
    echo
    echo "BENCH-JSON-END $1"
}

# measure_shell ID PREPARE COMMAND: a shell command line (it chains berthctl calls), with an untimed PREPARE
# before every run. hyperfine measures its shell's start-up and subtracts it.
measure_shell() {
    local id=$1 prepare=$2 cmd=$3 err
    if ! err=$(sh -c "$prepare" 2>&1 >/dev/null && sh -c "$cmd" 2>&1 >/dev/null); then
        skip "$id" "\`$cmd\` failed: $(printf '%s' "$err" | tr '\n' ' ' | cut -c1-300)"
        return
    fi
    if ! hyperfine --shell sh --style basic --warmup "$warmup" --runs "$runs" --export-json "$tmp/$id.json" \
            --prepare "$prepare" -n "$id" "$cmd" >&2; then
        skip "$id" "hyperfine failed (a run of \`$cmd\` exited non-zero)"
        return
    fi
    emit_json "$id"
}

if ! command -v hyperfine >/dev/null; then
    skip berth "hyperfine is not installed in the test host"
    skip berthnet "hyperfine is not installed in the test host"
    skip scope "hyperfine is not installed in the test host"
    for id in bexec nsenter startexec; do skip $id "hyperfine is not installed in the test host"; done
    exit 0
fi

if [[ -z $berthctl ]]; then
    berthctl=$(command -v berthctl || true)
fi
# testhost installs berth into the test host; fall back to the build directory it names.
if [[ -z $berthctl && -n ${BERTH_BUILD:-} && -x $BERTH_BUILD/src/ctl/berthctl ]]; then
    berthctl=$BERTH_BUILD/src/ctl/berthctl
fi
berth_ok=0
if [[ -z $berthctl || ! -x $berthctl ]]; then
    berth_why="berthctl not found in the test host (give --berthctl PATH)"
elif ! out=$("$berthctl" list 2>&1); then
    berth_why="berthd does not answer in the test host: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)"
else
    berth_ok=1
fi

if [[ -z $only || $only == berth || $only == start ]]; then
    if (( berth_ok )); then
        # Like the peers' containers: no network device, loopback only. Then the same with berth's default
        # network (veth on the berth0 bridge, a lease, a dnsmasq host entry), which the peers' rows do not have.
        measure berth "$berthctl" run --rm --network none --image busybox -- /bin/true
        measure berthnet "$berthctl" run --rm --image busybox -- /bin/true
    else
        skip berth "$berth_why"
        skip berthnet "$berth_why"
    fi
fi

if [[ -z $only || $only == scope || $only == start ]]; then
    if ! command -v systemd-run >/dev/null; then
        skip scope "systemd-run is not installed"
    else
        measure scope systemd-run --quiet --scope /bin/true
    fi
fi

# Leader PID of a running container, from its status (berthd runs in this pid namespace, so it is ours too).
leader_of() {
    "$berthctl" status "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["Leader"])'
}

if [[ -z $only || $only == exec ]]; then
    if (( ! berth_ok )); then
        for id in bexec nsenter startexec; do skip $id "$berth_why"; done
    elif ! err=$("$berthctl" create bench-exec --ephemeral --image busybox --boot 2>&1); then
        for id in bexec nsenter startexec; do skip $id "berthctl create --boot failed: $err"; done
    else
        made+=(bench-exec)
        if ! err=$("$berthctl" start bench-exec 2>&1); then
            skip bexec "berthctl start failed: $err"
            skip nsenter "berthctl start failed: $err"
        else
            measure bexec "$berthctl" exec bench-exec -- /bin/true
            leader=$(leader_of bench-exec 2>/dev/null)
            if [[ $leader =~ ^[1-9][0-9]*$ ]]; then
                measure nsenter nsenter -t "$leader" -a /bin/true
            else
                skip nsenter "no leader PID in \`berthctl status bench-exec --json\` ($leader)"
            fi
        fi
        if "$berthctl" create bench-startexec --ephemeral --image busybox --boot >/dev/null 2>&1; then
            made+=(bench-startexec)
            # terminate returns when the container is stopped; it fails on a stopped one, hence "|| true".
            measure_shell startexec "$berthctl terminate bench-startexec >/dev/null 2>&1 || true" \
                "$berthctl start bench-startexec && $berthctl exec bench-startexec -- /bin/true"
        else
            skip startexec "berthctl create bench-startexec failed"
        fi
    fi
fi
exit 0
