# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# berthctl exec and shell: exit codes, stdio passing, errors, and the daemon staying responsive meanwhile.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

# A running busybox container for the exec tests.
_exec_container() {   # VAR PREFIX
    new_container "$1" "$2"
    bctl create "${!1}"
    bctl start "${!1}"
}

test_exec_exit_codes() {
    local n
    _exec_container n ex-codes
    expect_status 0 bctl exec "$n" -- /bin/true
    expect_status 7 bctl exec "$n" -- /bin/sh -c 'exit 7'
    # Killed by a signal: 128 + N, as shells report it.
    expect_status 137 bctl exec "$n" -- /bin/sh -c 'kill -9 $$'
    expect_status 143 bctl exec "$n" -- /bin/sh -c 'kill -TERM $$'
    # The container is unaffected by its commands' exits.
    assert_eq running "$(prop "$n" State)" "State after the execs"
}

test_exec_stdout_stderr_separate() {
    local n d
    _exec_container n ex-stdio
    new_tmpdir d
    bctl exec "$n" -- /bin/sh -c 'echo out; echo err >&2' >"$d/out" 2>"$d/err"
    assert_eq out "$(cat "$d/out")" "stdout of exec"
    assert_eq err "$(cat "$d/err")" "stderr of exec"
}

test_exec_stdin() {
    local n d
    _exec_container n ex-stdin
    assert_eq data "$(echo data | bctl exec "$n" -- /bin/cat)" "stdin passed to cat"
    # End of input reaches the command: cat on an empty stdin ends at once.
    assert_eq "" "$(bctl exec "$n" -- /bin/cat </dev/null)" "cat of empty stdin"
    # Several megabytes both ways, byte for byte.
    new_tmpdir d
    head -c 3000000 /dev/urandom >"$d/blob"
    bctl exec "$n" -- /bin/cat <"$d/blob" >"$d/copy"
    cmp -s "$d/blob" "$d/copy" || h_fail "3 MB through exec cat came back different ($(stat -c %s "$d/copy") bytes)"
}

test_exec_environment_is_minimal() {
    local n out
    _exec_container n ex-env
    out=$(BERTH_TEST_LEAK=leaked bctl exec "$n" -- /bin/sh -c 'echo "${BERTH_TEST_LEAK:-unset}"')
    assert_eq unset "$out" "the caller's environment must not leak into the container"
    out=$(bctl exec "$n" -- /bin/sh -c 'echo "$PATH"')
    assert_contains "$out" /bin "PATH inside"
}

test_exec_missing_command() {
    local n
    _exec_container n ex-missing
    expect_status 127 bctl exec "$n" -- /no/such/command
    assert_contains "$H_STDERR" /no/such/command "error for a missing command"
    assert_eq running "$(prop "$n" State)" "State after a failed exec"
}

test_exec_in_stopped_container() {
    local n
    new_container n ex-stopped
    bctl create "$n"
    expect_fail "" bctl exec "$n" -- /bin/true
    # (Exec takes fds, which busctl cannot pass: the error name is not checked here.)
    assert_eq stopped "$(prop "$n" State)" "State after the refused exec"
}

test_exec_unknown_container() {
    local n
    new_container n ex-ghost
    expect_fail "$n" bctl exec "$n" -- /bin/true
}

test_exec_does_not_block_daemon() {
    local n pid start
    _exec_container n ex-async
    bctl exec "$n" -- /bin/sleep 3 &
    pid=$!
    track_pid "$pid"
    sleep 0.3
    # While that exec waits, the daemon answers other calls at once, including another exec.
    start=$SECONDS
    timeout 2 "$BERTHCTL" status "$n" >/dev/null || h_fail "status blocked while an exec was running"
    expect_status 0 timeout 2 "$BERTHCTL" exec "$n" -- /bin/true
    ((SECONDS - start < 2)) || h_fail "calls took $((SECONDS - start)) s while an exec was running"
    wait "$pid" || h_fail "the long exec failed"
}

test_shell_pty() {
    local n out cmd
    _exec_container n ex-shell
    printf -v cmd '%q ' "$BERTHCTL" shell "$n"
    # script(1) gives berthctl a terminal; the shell inside must have one too ([ -t 0 ]).
    out=$(printf '%s\n' 'echo hello-$((6*7)); [ -t 0 ] && echo tty-$((1+1)); exit' |
        timeout 20 script -qec "$cmd" /dev/null) || h_fail "berthctl shell failed or hung: $out"
    assert_contains "$out" hello-42 "output of the shell"
    assert_contains "$out" tty-2 "the shell's stdin is a terminal"
    assert_eq running "$(prop "$n" State)" "State after leaving the shell"
}

test_shell_in_stopped_container() {
    local n
    new_container n ex-shellstop
    bctl create "$n"
    # Under script(1) berthctl's stderr is the terminal, so its message arrives on script's stdout.
    local out rc=0
    out=$(timeout 10 script -qec "$(printf '%q ' "$BERTHCTL" shell "$n")" /dev/null </dev/null 2>&1) || rc=$?
    ((rc != 0 && rc != 124)) || h_fail "berthctl shell of a stopped container: exit $rc, output: $out"
    [[ -n "$out" ]] || h_fail "berthctl shell of a stopped container failed without a message"
}
