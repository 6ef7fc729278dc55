# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# Container lifecycle through berthctl: create, start, status, list, poweroff, reboot, terminate, kill, remove,
# command mode, run, and the exit status of PID 1. Checked against the bus properties and systemd's view.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

test_create_is_silent_and_stopped() {
    local n out
    new_container n lc-create
    out=$(bctl create "$n")
    assert_eq "" "$out" "output of create"
    assert_eq stopped "$(prop "$n" State)" "State after create"
    assert_eq 0 "$(prop "$n" Leader)" "Leader of a stopped container"
    assert_eq 0 "$(prop "$n" StartedAt)" "StartedAt of a stopped container"
    assert_eq -1 "$(prop "$n" ExitStatus)" "ExitStatus before the first stop"
    assert_eq busybox "$(prop "$n" Image)" "default image"
    assert_eq boot "$(prop "$n" Mode)" "default mode"
    assert_eq "$n" "$(prop "$n" Name)" "Name"
    assert_eq "berth-$n.scope" "$(prop "$n" Unit)" "Unit"
    [[ "$(prop "$n" CreatedAt)" -gt 0 ]] || h_fail "CreatedAt is not set"
    # list shows running containers only; --all shows every one.
    assert_not_contains "$(bctl list)" "$n" "berthctl list (running only)"
    assert_contains "$(bctl list --all)" "$n" "berthctl list --all"
    assert_eq stopped "$(bctl list --all --json | jq -r --arg n "$n" '.[] | select(.name == $n) | .state')" \
        "state in list --all --json"
    scope_gone "$n" || h_fail "a stopped container has a running scope"
}

test_start_status_list() {
    local n leader obj json
    new_container n lc-start
    bctl create "$n"
    bctl start "$n"
    assert_eq running "$(prop "$n" State)" "State after start returned"
    leader=$(prop "$n" Leader)
    [[ "$leader" -gt 1 ]] || h_fail "Leader is '$leader' for a running container"
    [[ -d "/proc/$leader" ]] || h_fail "Leader $leader is not a live process"
    [[ "$(prop "$n" StartedAt)" -gt 0 ]] || h_fail "StartedAt is 0 while running"
    assert_eq active "$(systemctl show -p ActiveState --value "berth-$n.scope")" "scope ActiveState"
    assert_eq machine.slice "$(systemctl show -p Slice --value "berth-$n.scope")" "scope Slice"
    # The leader lives in the scope's cgroup.
    assert_contains "$(cat "/proc/$leader/cgroup")" "machine.slice/berth-$n.scope" "cgroup of the leader"

    obj=$(obj_of "$n")
    assert_contains "$(bctl list)" "$n" "berthctl list"
    json=$(bctl list --json | jq -c --arg n "$n" '.[] | select(.name == $n)')
    [[ -n "$json" ]] || h_fail "$n missing from list --json"
    assert_eq running "$(jq -r .state <<<"$json")" "list --json state"
    assert_eq busybox "$(jq -r .image <<<"$json")" "list --json image"
    assert_eq boot "$(jq -r .mode <<<"$json")" "list --json mode"
    assert_eq "$leader" "$(jq -r .leader <<<"$json")" "list --json leader"
    assert_eq "$obj" "$(jq -r .object <<<"$json")" "list --json object"

    # status prints something readable, and --json every property under its D-Bus name.
    assert_contains "$(bctl status "$n")" "$n" "berthctl status"
    assert_contains "$(bctl status "$n")" running "berthctl status"
    json=$(bctl status "$n" --json)
    assert_eq "$n" "$(jq -r .Name <<<"$json")" "status --json Name"
    assert_eq running "$(jq -r .State <<<"$json")" "status --json State"
    assert_eq "$leader" "$(jq -r .Leader <<<"$json")" "status --json Leader"
    assert_eq "berth-$n.scope" "$(jq -r .Unit <<<"$json")" "status --json Unit"
    local key
    for key in Name State Image Mode Command AutoRemove Unit Leader IdMapBase IdMapSize IdMapMode CreatedAt \
        StartedAt ExitStatus MemoryMax MemoryHigh CPUs CPUWeight TasksMax IOWeight MemoryCurrent CPUUsageNSec \
        TasksCurrent; do
        jq -e --arg k "$key" 'has($k)' <<<"$json" >/dev/null || h_fail "status --json lacks property $key"
    done
    bctl terminate "$n"
}

test_poweroff_and_start_again() {
    local n leader
    new_container n lc-poweroff
    bctl create "$n"
    bctl start "$n"
    leader=$(prop "$n" Leader)
    bctl poweroff "$n"
    # busybox init runs its shutdown (TERM, a second, KILL) and powers off: a few seconds at most.
    wait_state "$n" stopped 15
    assert_eq 0 "$(prop "$n" Leader)" "Leader after poweroff"
    assert_eq 0 "$(prop "$n" StartedAt)" "StartedAt after poweroff"
    wait_until 5 scope_gone "$n" || h_fail "scope of $n still running after poweroff"
    wait_until 5 test ! -d "/proc/$leader" || h_fail "old leader $leader still alive after poweroff"
    assert_not_contains "$(bctl list)" "$n" "berthctl list after poweroff"

    # It starts again, and `stop` is the same verb as poweroff.
    bctl start "$n"
    assert_eq running "$(prop "$n" State)" "State after the second start"
    bctl stop "$n"
    wait_state "$n" stopped 15
}

test_reboot_changes_leader() {
    local n leader base
    new_container n lc-reboot
    bctl create "$n"
    bctl start "$n"
    leader=$(prop "$n" Leader)
    base=$(prop "$n" IdMapBase)
    bctl reboot "$n"
    wait_leader_changed "$n" "$leader" 15
    wait_state "$n" running 5
    assert_eq active "$(systemctl show -p ActiveState --value "berth-$n.scope")" "scope after reboot"
    assert_eq "$base" "$(prop "$n" IdMapBase)" "IdMapBase is kept across reboot"
    # The new init works.
    assert_eq ok "$(bctl exec "$n" -- /bin/echo ok)" "exec after reboot"
    bctl terminate "$n"
}

test_terminate_returns_stopped() {
    local n
    new_container n lc-term
    bctl create "$n"
    bctl start "$n"
    bctl terminate "$n"
    # Terminate returns when the container is stopped.
    assert_eq stopped "$(prop "$n" State)" "State right after terminate"
    assert_eq 0 "$(prop "$n" Leader)" "Leader after terminate"
    wait_until 5 scope_gone "$n" || h_fail "scope still running after terminate"
}

test_kill_signal() {
    local n
    new_container n lc-kill
    bctl create "$n" -- /bin/sleep 1000
    bctl start "$n"
    bctl kill "$n" --signal KILL
    wait_state "$n" stopped 10
    assert_eq 137 "$(prop "$n" ExitStatus)" "ExitStatus after SIGKILL (128+9)"

    # A signal init handles: SIGUSR2 asks busybox init to power off.
    local b
    new_container b lc-killusr2
    bctl create "$b"
    bctl start "$b"
    # PID 1 of a pid namespace drops a signal it has no handler for yet, and start returns as soon as init
    # runs: an init still starting up ignores the first SIGUSR2, so it is sent again until the container stops.
    wait_until 15 _usr2_stops "$b" || h_fail "container $b did not stop on SIGUSR2 within 15 s"
}

_usr2_stops() {   # NAME
    bctl kill "$1" --signal SIGUSR2 --kill-whom leader >/dev/null 2>&1 || true
    wait_until 1 state_is "$1" stopped
}

_has_children() {   # PID N: PID has at least N child processes
    [[ "$(pgrep -c -P "$1" 2>/dev/null)" -ge "$2" ]]
}

test_kill_whom_all() {
    local n leader
    new_container n lc-killall
    bctl create "$n" -- /bin/sh -c 'sleep 1000 & sleep 1000 & wait'
    bctl start "$n"
    leader=$(prop "$n" Leader)
    # Wait for both children to exist, then SIGKILL every process of the container.
    wait_until 5 _has_children "$leader" 2 || h_fail "children of $leader not seen"
    bctl kill "$n" --signal KILL --kill-whom all
    wait_state "$n" stopped 10
    wait_until 5 scope_gone "$n" || h_fail "scope still running after kill --kill-whom all"
}

test_remove_and_rm_alias() {
    local a b
    new_container a lc-remove
    new_container b lc-rm
    bctl create "$a"
    bctl create "$b"
    bctl remove "$a"
    bctl rm "$b"
    expect_fail "$a" bctl status "$a"
    assert_not_contains "$(bctl list --all)" "$a" "list --all after remove"
    assert_no_trace "$a"
    assert_no_trace "$b"
}

test_remove_force_running() {
    local n leader
    new_container n lc-rmforce
    bctl create "$n"
    bctl start "$n"
    leader=$(prop "$n" Leader)
    bctl remove --force "$n"
    wait_until 10 test ! -d "/proc/$leader" || h_fail "leader $leader survived remove --force"
    assert_no_trace "$n"
}

test_command_mode() {
    local n cmdline
    new_container n lc-cmd
    bctl create "$n" -- /bin/sleep 1000
    assert_eq command "$(prop "$n" Mode)" "Mode"
    assert_eq "/bin/sleep 1000" "$(prop "$n" Command)" "Command"
    bctl start "$n"
    assert_eq running "$(prop "$n" State)" "State"
    # The command is PID 1 inside.
    cmdline=$(bctl exec "$n" -- /bin/cat /proc/1/cmdline | tr '\0' ' ')
    assert_eq "/bin/sleep 1000 " "$cmdline" "PID 1's command line"
    bctl terminate "$n"
    assert_eq stopped "$(prop "$n" State)" "State after terminate"
}

test_command_exit_status() {
    local n
    new_container n lc-exit
    bctl create "$n" -- /bin/sh -c 'exit 5'
    assert_eq -1 "$(prop "$n" ExitStatus)" "ExitStatus before the first run"
    bctl start "$n"
    wait_state "$n" stopped 10
    assert_eq 5 "$(prop "$n" ExitStatus)" "ExitStatus after 'exit 5'"
    wait_until 5 scope_gone "$n" || h_fail "scope still running after PID 1 exited"
    # The status is kept in the definition: it is still there on the next read, and the container starts again.
    bctl start "$n"
    wait_state "$n" stopped 10
    assert_eq 5 "$(prop "$n" ExitStatus)" "ExitStatus after the second run"
}

test_run_rm_exit_code() {
    local before after rc=0
    before=$(all_container_names)
    bctl run --rm -- /bin/sh -c 'exit 3' || rc=$?
    assert_eq 3 "$rc" "exit status of run --rm"
    after=$(all_container_names)
    assert_eq "$before" "$after" "containers after run --rm (none may be left)"

    # With a name, too: nothing of it is left.
    local n
    new_container n lc-runrm
    rc=0
    bctl run --rm --name "$n" -- /bin/sh -c 'exit 0' || rc=$?
    assert_eq 0 "$rc" "exit status of run --rm --name"
    wait_until 5 eval '! container_exists "$n"' || h_fail "run --rm left $n behind"
    assert_no_trace "$n"
}

test_run_keeps_container() {
    local before after new out
    before=$(all_container_names)
    out=$(bctl run -- echo hi)
    assert_eq hi "$out" "output of run -- echo hi"
    after=$(all_container_names)
    new=$(comm -13 <(echo "$before") <(echo "$after"))
    [[ -n "$new" && "$new" != *$'\n'* ]] || h_fail "run should leave exactly one new container, got: '$new'"
    track_container "$new"
    assert_eq stopped "$(prop "$new" State)" "state of the container run left"
    assert_eq 0 "$(prop "$new" ExitStatus)" "ExitStatus of the container run left"
    assert_eq command "$(prop "$new" Mode)" "Mode of a run container"
    bctl remove "$new"
    assert_no_trace "$new"
}

test_run_named_stdin_and_status() {
    local n out rc=0
    new_container n lc-run
    out=$(echo piped | bctl run --name "$n" -- /bin/sh -c 'read x; echo "got $x"; exit 4') || rc=$?
    assert_eq 4 "$rc" "exit status of run"
    assert_eq "got piped" "$out" "run passes stdin and stdout"
    assert_eq stopped "$(prop "$n" State)" "state after run"
    assert_eq 4 "$(prop "$n" ExitStatus)" "ExitStatus after run"
}
