# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# berthctl console: attach to the console pty the supervisor holds, see what init wrote, type on it, detach with
# Ctrl-] three times; logging to console.log goes on; one client at a time.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

PTY_SESSION="$(dirname "${BASH_SOURCE[0]}")/pty_session.py"

# A command container whose PID 1 talks on its console (its stdio is the console when not attached).
_console_container() {   # VAR PREFIX
    new_container "$1" "$2"
    bctl create "${!1}" -- /bin/sh -c 'echo console-hello-$((6*7)); while read -r l; do echo "got:$l"; done'
    bctl start "${!1}"
}

test_console_attach_type_detach() {
    local n out rc=0
    _console_container n co-attach
    wait_until 10 bctl exec "$n" -- /bin/true || h_fail "container did not come up"
    # The replay shows what PID 1 wrote before we attached; what we type reaches it; ^]^]^] detaches.
    out=$(python3 "$PTY_SESSION" expect:"three times" expect:console-hello-42 'send:ping\r' expect:got:ping \
        detach -- "$BERTHCTL" console "$n") || rc=$?
    ((rc == 0)) || h_fail "berthctl console exited $rc: $out"
    assert_contains "$out" "Press ^] three times within 1s to detach" "the detach key shown on attach"
    assert_contains "$out" "Detached from the console of $n" "message after detaching"
    # Detaching leaves the container running, and the console can be attached again.
    assert_eq running "$(prop "$n" State)" "State after detaching"
    out=$(python3 "$PTY_SESSION" 'send:again\r' expect:got:again detach -- "$BERTHCTL" console "$n") ||
        h_fail "second attach failed: $out"
}

test_console_keeps_logging() {
    local n out log
    _console_container n co-log
    wait_until 10 bctl exec "$n" -- /bin/true || h_fail "container did not come up"
    out=$(python3 "$PTY_SESSION" 'send:while-attached\r' expect:got:while-attached detach -- "$BERTHCTL" console "$n") ||
        h_fail "console session failed: $out"
    # Output written while a client was attached is in console.log too, and so is output after it left.
    bctl exec "$n" -- /bin/sh -c 'echo after-detach >/dev/console'
    log=$BERTH_RUNTIME_DIR/containers/$n/console.log
    [[ -f "$log" ]] || h_fail "no $log"
    wait_until 5 grep -q after-detach "$log" || h_fail "console.log misses output after detaching: $(cat "$log")"
    grep -q got:while-attached "$log" || h_fail "console.log misses output while attached: $(cat "$log")"
}

test_console_one_client_at_a_time() {
    local n pid d
    _console_container n co-busy
    wait_until 10 bctl exec "$n" -- /bin/true || h_fail "container did not come up"
    # The first client stays attached (its stdin, a FIFO we hold open, never ends); a second one gets Busy.
    new_tmpdir d
    mkfifo "$d/in"
    "$BERTHCTL" console "$n" <"$d/in" >"$d/out" 2>&1 &
    pid=$!
    track_pid "$pid"
    exec 7>"$d/in"
    wait_until 5 grep -q "three times" "$d/out" || h_fail "first client did not attach: $(cat "$d/out")"
    expect_fail "another client is attached" bctl console "$n"
    assert_eq org.berth1.Error.Busy "$(cmd_error_name bus call org.berth1 "$(obj_of "$n")" org.berth1.Container OpenConsole)" \
        "D-Bus error of a second OpenConsole"
    exec 7>&-
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    # Once it is gone the console is free again.
    wait_until 5 bash -c "python3 '$PTY_SESSION' detach -- '$BERTHCTL' console '$n'" ||
        h_fail "the console stayed busy after the first client left"
}

test_console_of_stopped_container() {
    local n
    new_container n co-stopped
    bctl create "$n"
    expect_fail "not running" bctl console "$n"
}
