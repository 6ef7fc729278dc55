# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# berthd can crash, stop or restart at any time without touching running containers; a new berthd (started by
# D-Bus activation or by systemctl) finds them again, and every definition persists.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

_berthd_pid() {
    systemctl show -p MainPID --value berthd.service
}

# Make sure berthd runs (activating it through any call) and print its pid.
_berthd_up() {
    bctl list --all >/dev/null
    _berthd_pid
}

_two_running() {   # VAR-A VAR-B PREFIX: a busybox (boot) and a command-mode container, both running
    new_container "$1" "$3-boot"
    new_container "$2" "$3-cmd"
    bctl create "${!1}"
    bctl create "${!2}" -- /bin/sleep 1000
    bctl start "${!1}"
    bctl start "${!2}"
}

# Containers survive; check them, then check the new daemon sees them as they are and can still drive them.
_check_survivors() {   # A B LEADER-A LEADER-B
    local a=$1 b=$2 la=$3 lb=$4 c l
    for c in "$a" "$b"; do
        assert_eq active "$(systemctl show -p ActiveState --value "berth-$c.scope")" "scope of $c without berthd"
    done
    for l in "$la" "$lb"; do
        kill -0 "$l" 2>/dev/null || h_fail "container leader $l died with berthd"
    done
    # Any berthctl call brings the daemon back (D-Bus activation).
    local out
    out=$(bctl list --json)
    assert_eq running "$(jq -r --arg n "$a" '.[] | select(.name == $n) | .state' <<<"$out")" "state of $a after restart"
    assert_eq running "$(jq -r --arg n "$b" '.[] | select(.name == $n) | .state' <<<"$out")" "state of $b after restart"
    assert_eq "$la" "$(jq -r --arg n "$a" '.[] | select(.name == $n) | .leader' <<<"$out")" "leader of $a after restart"
    assert_eq "$lb" "$(jq -r --arg n "$b" '.[] | select(.name == $n) | .leader' <<<"$out")" "leader of $b after restart"
    assert_eq "$la" "$(prop "$a" Leader)" "Leader property of $a after restart"
    # exec and poweroff work through the new daemon.
    assert_eq "$a" "$(bctl exec "$a" -- /bin/cat /proc/sys/kernel/hostname)" "exec in $a after restart"
    assert_eq "$b" "$(bctl exec "$b" -- /bin/cat /proc/sys/kernel/hostname)" "exec in $b after restart"
    bctl poweroff "$a"
    wait_state "$a" stopped 15
    wait_until 5 scope_gone "$a" || h_fail "scope of $a still running after poweroff"
    bctl terminate "$b"
    assert_eq stopped "$(prop "$b" State)" "State of $b after terminate"
    # And both start again.
    bctl start "$a"
    assert_eq running "$(prop "$a" State)" "State of $a started by the new daemon"
}

test_containers_survive_daemon_kill() {
    local a b la lb old
    _two_running a b rs-kill
    la=$(prop "$a" Leader)
    lb=$(prop "$b" Leader)
    old=$(_berthd_up)
    [[ "$old" -gt 0 ]] || h_fail "berthd is not running"
    systemctl kill -s KILL berthd.service
    wait_until 10 test ! -e "/proc/$old" || h_fail "berthd (pid $old) survived SIGKILL"
    _check_survivors "$a" "$b" "$la" "$lb"
    [[ "$(_berthd_pid)" != "$old" ]] || h_fail "berthd was not restarted"
}

test_containers_survive_daemon_stop() {
    local a b la lb
    _two_running a b rs-stop
    la=$(prop "$a" Leader)
    lb=$(prop "$b" Leader)
    systemctl stop berthd.service
    assert_eq inactive "$(systemctl show -p ActiveState --value berthd.service)" "berthd after systemctl stop"
    _check_survivors "$a" "$b" "$la" "$lb"
}

test_definitions_persist_across_restart() {
    local s e created
    new_container s rs-def
    new_container e rs-exit
    bctl create "$s" --memory 96M --tasks 48 --cpus 0.25 -- /bin/sleep 7
    bctl create "$e" -- /bin/sh -c 'exit 5'
    bctl start "$e"
    wait_state "$e" stopped 10
    created=$(prop "$s" CreatedAt)
    systemctl restart berthd.service
    assert_contains "$(bctl list --all)" "$s" "list --all after restart"
    assert_not_contains "$(bctl list)" "$s" "list (running) after restart"
    assert_eq stopped "$(prop "$s" State)" "State of $s after restart"
    assert_eq command "$(prop "$s" Mode)" "Mode after restart"
    assert_eq "/bin/sleep 7" "$(prop "$s" Command)" "Command after restart"
    assert_eq busybox "$(prop "$s" Image)" "Image after restart"
    assert_eq 100663296 "$(prop "$s" MemoryMax)" "MemoryMax after restart"
    assert_eq 48 "$(prop "$s" TasksMax)" "TasksMax after restart"
    assert_eq 0.25 "$(prop "$s" CPUs)" "CPUs after restart"
    assert_eq "$created" "$(prop "$s" CreatedAt)" "CreatedAt after restart"
    assert_eq 5 "$(prop "$e" ExitStatus)" "ExitStatus after restart"
    # A restarted daemon starts them with the kept settings.
    bctl start "$s"
    assert_eq 100663296 "$(systemctl show -p MemoryMax --value "berth-$s.scope")" "scope MemoryMax after restart"
    bctl terminate "$s"
}

test_container_ending_while_daemon_down() {
    local n leader old
    new_container n rs-gone
    bctl create "$n" -- /bin/sleep 2
    bctl start "$n"
    leader=$(prop "$n" Leader)
    old=$(_berthd_pid)
    systemctl kill -s KILL berthd.service
    wait_until 10 test ! -e "/proc/$old" || h_fail "berthd survived SIGKILL"
    # PID 1 ends while nobody watches; the new daemon must not report it running.
    wait_until 10 test ! -e "/proc/$leader" || h_fail "the container's sleep did not end"
    wait_state "$n" stopped 10
    assert_eq 0 "$(prop "$n" Leader)" "Leader of a container that ended while berthd was down"
    wait_until 5 scope_gone "$n" || h_fail "scope of $n left running"
    # It starts again normally.
    bctl start "$n"
    assert_eq running "$(prop "$n" State)" "State after starting it again"
}
