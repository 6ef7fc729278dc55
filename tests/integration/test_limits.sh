# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# Resource limits: given at create, applied as properties of berth-NAME.scope, visible in the scope's cgroup from
# the host side (cgroup v1 controllers on this hybrid machine, or the unified hierarchy), changed live by
# set-limits, kept across restarts, enforced, and live usage read back over D-Bus.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

# memory_limit NAME / tasks_limit NAME / cpu_quota NAME: the limits in the scope's cgroup, as plain numbers
# (a cfs quota of -1 or "max" means none).
memory_limit() {
    cat "$(cgroup_file "$1" memory memory.limit_in_bytes memory.max)"
}
tasks_limit() {
    cat "$(cgroup_file "$1" pids pids.max pids.max)"
}
cpu_quota() {
    local f
    f=$(cgroup_file "$1" cpu cpu.cfs_quota_us cpu.max)
    awk '{ print $1 }' "$f"
}

test_limits_in_scope_cgroup() {
    local n
    new_container n li-cg
    bctl create "$n" --memory 64M --tasks 32 --cpus 0.5
    assert_eq 67108864 "$(prop "$n" MemoryMax)" "MemoryMax property"
    assert_eq 32 "$(prop "$n" TasksMax)" "TasksMax property"
    assert_eq 0.5 "$(prop "$n" CPUs)" "CPUs property"
    bctl start "$n"

    assert_eq 67108864 "$(memory_limit "$n")" "memory limit in the scope's cgroup"
    assert_eq 32 "$(tasks_limit "$n")" "pids.max in the scope's cgroup"
    assert_eq 50000 "$(cpu_quota "$n")" "CFS quota (per 100 ms) in the scope's cgroup"

    local scope=berth-$n.scope
    assert_eq 67108864 "$(systemctl show -p MemoryMax --value "$scope")" "systemd MemoryMax"
    assert_eq 32 "$(systemctl show -p TasksMax --value "$scope")" "systemd TasksMax"
    assert_eq 500ms "$(systemctl show -p CPUQuotaPerSecUSec --value "$scope")" "systemd CPUQuotaPerSecUSec"
    assert_eq machine.slice "$(systemctl show -p Slice --value "$scope")" "Slice"
    assert_eq yes "$(systemctl show -p Delegate --value "$scope")" "Delegate"
}

test_set_limits_live_and_kept() {
    local n
    new_container n li-set
    bctl create "$n" --memory 64M --tasks 32
    bctl start "$n"
    bctl set-limits "$n" --memory 128M --tasks 64 --cpus 1
    # Applied to the running scope at once...
    assert_eq 134217728 "$(memory_limit "$n")" "memory limit after set-limits"
    assert_eq 64 "$(tasks_limit "$n")" "pids.max after set-limits"
    assert_eq 100000 "$(cpu_quota "$n")" "CFS quota after set-limits"
    assert_eq 134217728 "$(systemctl show -p MemoryMax --value "berth-$n.scope")" "systemd MemoryMax after set-limits"
    # ...published on the bus...
    assert_eq 134217728 "$(prop "$n" MemoryMax)" "MemoryMax property after set-limits"
    assert_eq 64 "$(prop "$n" TasksMax)" "TasksMax property after set-limits"
    assert_eq 1 "$(prop "$n" CPUs)" "CPUs property after set-limits"
    assert_eq running "$(prop "$n" State)" "State after set-limits"
    # ...and kept in the definition: a stop and start brings the new values, not the ones given at create.
    bctl terminate "$n"
    bctl start "$n"
    assert_eq 134217728 "$(memory_limit "$n")" "memory limit after restart"
    assert_eq 64 "$(tasks_limit "$n")" "pids.max after restart"
    # A partial change leaves the other limits alone.
    bctl set-limits "$n" --tasks 40
    assert_eq 40 "$(tasks_limit "$n")" "pids.max after a second set-limits"
    assert_eq 134217728 "$(prop "$n" MemoryMax)" "MemoryMax untouched by --tasks"
}

test_set_limits_stopped() {
    local n
    new_container n li-setstop
    bctl create "$n"
    bctl set-limits "$n" --memory 96M --tasks 48
    assert_eq 100663296 "$(prop "$n" MemoryMax)" "MemoryMax set while stopped"
    bctl start "$n"
    assert_eq 100663296 "$(memory_limit "$n")" "memory limit of a container limited while stopped"
    assert_eq 48 "$(tasks_limit "$n")" "pids.max of a container limited while stopped"
}

test_tasks_max_enforced() {
    local n out rc=0
    new_container n li-fork
    bctl create "$n" --tasks 32
    bctl start "$n"
    out=$(bctl exec "$n" -- /bin/sh -c 'for i in $(seq 100); do sleep 3 & done; wait' 2>&1) || rc=$?
    assert_contains "${out,,}" "can't fork" "output of a fork loop over TasksMax"
    local cur
    cur=$(cat "$(cgroup_file "$n" pids pids.current pids.current)")
    ((cur <= 32)) || h_fail "pids.current is $cur with pids.max 32"
    # The container survives hitting its limit.
    bctl terminate "$n"
}

test_usage_properties() {
    local n mem tasks cpu
    new_container n li-usage
    bctl create "$n"
    bctl start "$n"
    # Burn a little CPU inside so CPU time is measurable.
    bctl exec "$n" -- /bin/sh -c 'i=0; while [ $i -lt 30000 ]; do i=$((i + 1)); done'
    mem=$(prop "$n" MemoryCurrent)
    tasks=$(prop "$n" TasksCurrent)
    cpu=$(prop "$n" CPUUsageNSec)
    # systemd reports "no value" as UINT64_MAX; a running container has real, non-zero numbers.
    [[ "$mem" -gt 0 && "$mem" != 18446744073709551615 ]] || h_fail "MemoryCurrent is $mem while running"
    [[ "$tasks" -gt 0 && "$tasks" != 18446744073709551615 ]] || h_fail "TasksCurrent is $tasks while running"
    # CPU time comes from systemd, which needs cpuacct co-mounted with cpu on cgroup v1 hosts: where systemd
    # itself has no value for the scope (this test host mounts them apart), berth reports 0 too.
    if [[ "$(systemctl show -p CPUUsageNSec --value "$(scope_of "$n")")" == "[not set]" ]]; then
        assert_eq 0 "$cpu" "CPUUsageNSec where systemd has no CPU accounting"
    else
        [[ "$cpu" -gt 0 && "$cpu" != 18446744073709551615 ]] || h_fail "CPUUsageNSec is $cpu while running"
    fi
    [[ "$(bctl status "$n" --json | jq -r .TasksCurrent)" -gt 0 ]] || h_fail "TasksCurrent is 0 in status --json"
    bctl terminate "$n"
    assert_eq 0 "$(prop "$n" MemoryCurrent)" "MemoryCurrent when stopped"
    assert_eq 0 "$(prop "$n" TasksCurrent)" "TasksCurrent when stopped"
}

test_memory_max_enforced() {
    local n rc=0
    new_container n li-oom
    bctl create "$n" --memory 16M
    bctl start "$n"
    # Allocating 64 MiB in a shell variable inside a 16 MiB container gets the shell OOM-killed.
    bctl exec "$n" -- /bin/sh -c 'x=$(head -c 67108864 /dev/zero | tr "\0" a); echo ${#x}' >/dev/null 2>&1 || rc=$?
    ((rc != 0)) || h_fail "a 64 MiB allocation succeeded under a 16 MiB limit"
}
