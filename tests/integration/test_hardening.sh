# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# What a container controls must not steer the host side, and what a guest needs from its namespaces works:
# loopback, its own cgroup subtree, a PowerOff that races a reboot.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

test_loopback_is_up_and_configurable() {
    local n
    new_container n hard-lo
    bctl create "$n" --boot
    bctl start "$n"
    assert_contains "$(bctl exec "$n" -- ip -o link show lo)" "UP" "lo inside a new container"
    # CAP_NET_ADMIN in its own network namespace, as nspawn gives a private network.
    bctl exec "$n" -- ip link set lo down
    bctl exec "$n" -- ip link set lo up
    bctl exec "$n" -- ping -c 1 -W 2 127.0.0.1 >/dev/null
    bctl remove --force "$n"
}

test_guest_owns_its_cgroup_subtree() {
    local n
    new_container n hard-cg
    bctl create "$n" --boot
    bctl start "$n"
    bctl exec "$n" -- /bin/sh -c 'd=$(awk "\$3 == \"cgroup2\" {print \$2; exit}" /proc/mounts); [ -n "$d" ] &&
        mkdir "$d/berth-probe" && echo $$ > "$d/berth-probe/cgroup.procs" && echo 0 > /dev/null'
    bctl remove --force "$n"
}

test_container_symlinks_never_reach_the_host() {
    local n probe out
    new_container n hard-ln
    probe=/run/berth-probe-group-$$
    printf 'tty:x:4242:\n' >"$probe"
    on_exit rm -f "$probe"
    bctl create "$n" --boot
    bctl start "$n"
    # The container points its /etc/group at a host path; berth-spawn reads it as host root at the next start.
    bctl exec "$n" -- ln -sf "$probe" /etc/group
    bctl terminate "$n"
    bctl start "$n"
    out=$(bctl exec "$n" -- grep devpts /proc/mounts)
    assert_not_contains "$out" "gid=$(( $(prop "$n" IdMapBase) + 4242 ))" "devpts options after the symlink"
    # A FIFO there must not hang the supervisor (and berthd with it).
    bctl exec "$n" -- /bin/sh -c 'rm -f /etc/group && mkfifo /etc/group'
    bctl terminate "$n"
    timeout 20 berthctl start "$n"
    assert_eq running "$(prop "$n" State)" "state after starting with a FIFO as /etc/group"
    bctl remove --force "$n"
}

test_poweroff_right_after_reboot_still_stops() {
    local n
    new_container n hard-rb
    bctl create "$n" --boot
    bctl start "$n"
    sleep 0.5   # busybox init installs its signal handlers
    bctl reboot "$n"
    bctl poweroff "$n"
    wait_state "$n" stopped 20
    bctl remove "$n"
}
