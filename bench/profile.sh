#!/bin/bash
# Where berth's time goes (issue 6): profiles `berthctl run --rm --image busybox -- /bin/true` (with the default
# network, and with --network none as the peers run) and `berthctl exec NAME -- /bin/true` inside the private
# systemd test host:
#   1. CPU: `perf record -e cpu-clock -a -G /` (every CPU, only the test host's cgroup) over N runs: CPU ms per run
#      by process (berthctl, berthd, berth-spawn, systemd, dbus-daemon, the payload, ...), kernel vs user, and the
#      top symbols of berth's own processes;
#   2. the wall-clock critical path: sched_process_fork/exec/exit tracepoints (perf, CLOCK_MONOTONIC) and every bus
#      message (dbus-monitor) of N more runs, as one timeline per run, medians; and off-CPU time: where
#      each process blocks (sched_switch with kernel stacks: fsync, RCU grace periods, waiting for a reply ...);
#   3. where berthd and its children wait: `strace -f -T -p BERTHD` over a few runs (slow; ranks, not times),
#      plus the running container's berth-spawn for exec;
#   4. berthd's RSS by mapping (smaps), and berthctl's own start-up: shared objects, LD_DEBUG=statistics and
#      =bindings, callgrind of --version and list, hyperfine.
# Run it through the test host:
#   tests/testhost/testhost run --build DIR -- bench/profile.sh [RUNS [STRACE_RUNS]]   (default 10 and 3)
# BERTH_TEST_PROFILE_KEEP=DIR (a directory writable in the test host, e.g. under the build dir) keeps the raw
# perf/strace/dbus-monitor files there, for `bench/lib/profile_analyze.py DIR` by hand.
# The test host's /tmp is private, so the result goes to stdout: the markdown section between
# PROFILE-MD-BEGIN / PROFILE-MD-END lines and one `PROFILE-JSON {...}` line; PROFILE-SKIP REASON when it cannot
# run. bench/run files it into RESULTS.md ("Where berth's time goes (perf)"). About 40 s with the defaults.
set -u
n=${1:-10} strace_runs=${2:-3}
[[ $n =~ ^[0-9]+$ && $strace_runs =~ ^[0-9]+$ ]] && (( n >= 1 )) ||
    { echo "usage: $0 [RUNS [STRACE_RUNS]]" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
py=/usr/bin/python3

skip() { echo "PROFILE-SKIP $*"; exit 0; }
ctl=$(command -v berthctl) || skip "berthctl is not installed in the test host"
command -v perf >/dev/null || skip "perf is not installed (apt-get install linux-perf)"
command -v dbus-monitor >/dev/null || skip "dbus-monitor is not installed (apt-get install dbus-bin)"

work=$(mktemp -d /tmp/berth-profile.XXXXXX) || exit 1
made=() bg=() tracefs=""
cleanup() {
    local pid name
    for pid in "${bg[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    for name in "${made[@]}"; do
        "$ctl" remove --force "$name" >/dev/null 2>&1 || echo "profile: could not remove container $name" >&2
    done
    [[ -n $tracefs ]] && umount "$tracefs"
    rm -rf "$work"
}
trap cleanup EXIT
log() { printf 'profile: %s\n' "$*" >&2; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# The sched tracepoints need tracefs; the test host's /sys is its own mount, so mounting it here touches nothing
# outside, and it is unmounted again on exit.
if [[ ! -e /sys/kernel/tracing/events/sched ]]; then
    mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null && tracefs=/sys/kernel/tracing ||
        log "tracefs could not be mounted: no timeline"
fi

"$ctl" run --rm --image busybox -- /bin/true >/dev/null 2>"$work/err" ||
    skip "berthctl run --rm fails: $(tr '\n' ' ' < "$work/err" | cut -c1-200)"
"$ctl" create prof-exec --ephemeral --image busybox --boot >/dev/null 2>"$work/err" ||
    skip "berthctl create --boot fails: $(tr '\n' ' ' < "$work/err" | cut -c1-200)"
made+=(prof-exec)
"$ctl" start prof-exec >/dev/null 2>"$work/err" ||
    skip "berthctl start fails: $(tr '\n' ' ' < "$work/err" | cut -c1-200)"
"$ctl" exec prof-exec -- /bin/true || skip "berthctl exec fails"
berthd=$(systemctl show -p MainPID --value berthd.service)
[[ $berthd =~ ^[1-9][0-9]*$ ]] || skip "berthd is not running (MainPID '$berthd')"

# The measured loop of each case, as one command line for perf.
times='for ((i = 0; i < $0; i++)); do'
declare -A loop=(
    [run]="$times $ctl run --rm --image busybox -- /bin/true >/dev/null || exit 1; done"
    [runnone]="$times $ctl run --rm --network none --image busybox -- /bin/true >/dev/null || exit 1; done"
    [exec]="$times $ctl exec prof-exec -- /bin/true || exit 1; done"
)
"$py" -c 'import time; print(time.clock_gettime(time.CLOCK_REALTIME) - time.clock_gettime(time.CLOCK_MONOTONIC))' \
    > "$work/clock.offset"

sup=""
for case in run runnone exec; do
    # 1. CPU: one sample per 100 us of CPU time (cpu-clock: this machine has no hardware PMU), with call chains
    # (frame pointers: complete in the kernel, which is what they are used for).
    log "$case: CPU profile over $n runs"
    t0=$(now_ms)
    perf record -q -e cpu-clock -c 100000 -a -g -G / -o "$work/$case.cpu.data" -- bash -c "${loop[$case]}" "$n" \
        2>"$work/err" || { log "perf record failed: $(head -c 300 "$work/err")"; continue; }
    t1=$(now_ms)
    perf script -i "$work/$case.cpu.data" -F comm,ip,sym,dso > "$work/$case.cpu.txt" 2>/dev/null
    printf 'runs=%s wall_ms=%s strace_runs=%s\n' "$n" $(( t1 - t0 )) "$strace_runs" > "$work/$case.meta"

    # 2. Timeline and off-CPU time: process events and every context switch with its kernel stack (on every CPU:
    # a switch-in is recorded in the context of the task leaving, often one outside the test host, so no cgroup
    # filter; the analyzer keeps the test host's tasks), and bus messages from a monitor (as high a priority as the
    # test host allows, so that it stamps each message when it passes).
    if [[ -e /sys/kernel/tracing/events/sched ]]; then
        log "$case: timeline over $n runs"
        if chrt -f 10 true 2>/dev/null; then prio=(chrt -f 10); else prio=(nice -n -15); fi
        "${prio[@]}" dbus-monitor --system > "$work/$case.bus.txt" 2>/dev/null &
        bg+=($!)
        sleep 0.3
        perf record -q -k CLOCK_MONOTONIC -a -g -o "$work/$case.sched.data" \
            -e sched:sched_process_fork,sched:sched_process_exec,sched:sched_process_exit,sched:sched_switch \
            -- bash -c "${loop[$case]}" "$n" 2>"$work/err" ||
            log "perf record (sched) failed: $(head -c 300 "$work/err")"
        sleep 0.2
        kill "${bg[-1]}" 2>/dev/null; wait "${bg[-1]}" 2>/dev/null; unset 'bg[-1]'
        perf script -i "$work/$case.sched.data" -F comm,pid,tid,time,event,trace,ip,sym > "$work/$case.sched.txt" \
            2>/dev/null
    fi

    # 3. strace of berthd and everything it forks (berth-spawn, the payload), each call with its wall time.
    if (( strace_runs > 0 )) && command -v strace >/dev/null; then
        # exec is served by the running container's supervisor (berth-spawn in the scope's supervisor cgroup).
        targets=(-p "$berthd")
        if [[ $case == exec ]]; then
            for procs in /sys/fs/cgroup{,/unified,/systemd}/machine.slice/berth-prof-exec.scope/supervisor/cgroup.procs
            do
                [[ -r $procs ]] && read -r sup < "$procs" && [[ -n $sup ]] && { targets+=(-p "$sup"); break; }
            done
        fi
        log "$case: strace of berthd${sup:+ and the berth-spawn of prof-exec} over $strace_runs runs"
        strace -f -ttt -T -yy -s 100 -o "$work/$case.strace.txt" "${targets[@]}" 2>/dev/null &
        spid=$!
        bg+=($spid)
        sleep 0.3
        bash -c "${loop[$case]}" "$strace_runs"
        kill -INT "$spid"; wait "$spid" 2>/dev/null; unset 'bg[-1]'
    fi
done

# berthd's resident memory by mapping (issue 6 also has a target for berthd's RSS): after the runs, with one
# container running.
cp "/proc/$berthd/smaps" "$work/berthd.smaps" 2>/dev/null

# 4. berthctl's own start-up.
log "berthctl start-up"
ldd "$ctl" | awk '$1 !~ /vdso/ {print $1}' > "$work/ctl.ldd"
LD_DEBUG=statistics "$ctl" --version >/dev/null 2>"$work/ctl.ldstats"
LD_DEBUG=bindings "$ctl" --version >/dev/null 2>"$work/ctl.bindings"
if command -v valgrind >/dev/null; then
    for v in version list; do
        args=(--version); [[ $v == list ]] && args=(list)
        valgrind -q --tool=callgrind --callgrind-out-file="$work/cg.$v" "$ctl" "${args[@]}" >/dev/null 2>&1 &&
            callgrind_annotate --threshold=99 "$work/cg.$v" > "$work/ctl.cg-$v.txt" 2>/dev/null
    done
fi
if command -v hyperfine >/dev/null; then
    hyperfine -N --style none --warmup 3 --runs 30 --export-json "$work/ctl.hyperfine.json" \
        /bin/true "$ctl --version" "$ctl list" >/dev/null 2>&1
fi

if [[ -n ${BERTH_TEST_PROFILE_KEEP:-} ]]; then
    mkdir -p "$BERTH_TEST_PROFILE_KEEP" && cp "$work"/*.txt "$work"/*.meta "$work"/clock.offset "$work"/ctl.* \
        "$work"/*.smaps "$BERTH_TEST_PROFILE_KEEP"/ 2>/dev/null
fi
echo "PROFILE-MD-BEGIN"
"$py" "$here/lib/profile_analyze.py" "$work"
echo "PROFILE-MD-END"
echo "PROFILE-JSON $(cat "$work/profile.json")"
