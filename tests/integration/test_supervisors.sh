# shellcheck shell=bash
# berthd reaps the supervisors it starts, whether their container stopped, was terminated, removed or
# auto-removed: no zombie is left under berthd.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

_berthd_zombies() {
    local pid
    pid=$(systemctl show -p MainPID --value berthd.service)
    ps --ppid "$pid" -o stat= 2>/dev/null | grep -c '^Z' || true
}

test_no_zombie_supervisors() {
    local n
    bctl run --rm -- /bin/true
    bctl run --rm -- /bin/sh -c 'exit 4' || true
    new_container n sup
    bctl create "$n" --boot
    bctl start "$n"
    bctl terminate "$n"
    bctl start "$n"
    bctl remove --force "$n"
    new_container n sup
    bctl create "$n" -- /bin/true
    bctl start "$n"
    wait_state "$n" stopped 10
    bctl remove "$n"
    wait_for --timeout 5 test "$(_berthd_zombies)" = 0
}
