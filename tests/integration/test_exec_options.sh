# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# berthctl exec --user, --workdir and --env: ids from the container's own passwd/group, the user's environment,
# no capabilities, the working directory entered with the user's rights; exit codes and separate stdout/stderr.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

# A running busybox container with user alice (1000, group alice 1000, also in staff 50) and a private /srv/a.
_users_container() {   # VAR PREFIX
    new_container "$1" "$2"
    bctl create "${!1}"
    bctl start "${!1}"
    bctl exec "${!1}" -- /bin/sh -c '
        echo "alice:x:1000:1000:Alice:/home/alice:/bin/sh" >>/etc/passwd
        printf "alice:x:1000:\nstaff:x:50:bob,alice\n" >>/etc/group
        mkdir -p /home/alice /srv/a && chown 1000:1000 /home/alice && chmod 700 /srv/a'
}

test_exec_user_by_name() {
    local n
    _users_container n eo-user
    assert_eq "1000 1000" "$(bctl exec --user alice "$n" -- /bin/sh -c 'echo $(id -u) $(id -g)')" "ids of alice"
    assert_contains " $(bctl exec --user alice "$n" -- id -G) " " 50 " "supplementary group staff of alice"
    assert_eq "/home/alice alice alice /bin/sh" \
        "$(bctl exec -u alice "$n" -- /bin/sh -c 'echo $HOME $USER $LOGNAME $SHELL')" "environment of alice"
    # The user's process has no capabilities (root's exec keeps the container's set).
    assert_eq 0000000000000000 "$(bctl exec -u alice "$n" -- /bin/sh -c 'grep CapEff /proc/self/status | cut -f2')" \
        "effective capabilities of alice"
    # Files it creates belong to it, seen from the host through the container's id range.
    bctl exec -u alice "$n" -- /bin/sh -c 'echo hi >/home/alice/f'
    assert_eq "1000:1000" "$(bctl exec "$n" -- stat -c %u:%g /home/alice/f)" "owner of alice's file"
}

test_exec_user_numeric_and_group() {
    local n
    _users_container n eo-uid
    assert_eq "1000 1000" "$(bctl exec --user 1000 "$n" -- /bin/sh -c 'echo $(id -u) $(id -g)')" "uid 1000"
    assert_eq "1000 50" "$(bctl exec --user alice:staff "$n" -- /bin/sh -c 'echo $(id -u) $(id -g)')" "alice:staff"
    assert_eq "4242 4343" "$(bctl exec --user 4242:4343 "$n" -- /bin/sh -c 'echo $(id -u) $(id -g)')" \
        "uid:gid without a passwd entry"
    # A bare uid without an entry, an unknown user or group, ids outside the container: refused, with a reason.
    expect_fail "4242:GID" bctl exec --user 4242 "$n" -- /bin/true
    expect_fail "no user 'mallory'" bctl exec --user mallory "$n" -- /bin/true
    expect_fail "no group 'nogrp'" bctl exec --user alice:nogrp "$n" -- /bin/true
    expect_fail "outside" bctl exec --user 70000:0 "$n" -- /bin/true
    expect_fail "is not USER" bctl exec --user 'a b' "$n" -- /bin/true
    # busctl cannot pass fds: the error name of berthctl's ExecWithOptions call, from a bus monitor.
    assert_eq org.berth1.Error.InvalidArgument "$(cmd_error_name bctl exec --user mallory "$n" -- /bin/true)" \
        "D-Bus error for an unknown user"
}

test_exec_user_passwd_is_not_followed_out() {
    local n
    _users_container n eo-link
    # A container whose /etc/passwd points at the host's: read inside the container's root, never the host's.
    bctl exec "$n" -- /bin/sh -c 'mv /etc/passwd /etc/passwd.real; ln -s /../../../../etc/passwd /etc/passwd'
    expect_fail "no user" bctl exec --user "$(id -un 2>/dev/null || echo root)x" "$n" -- /bin/true
    expect_fail "no user 'alice'" bctl exec --user alice "$n" -- /bin/true
    bctl exec "$n" -- /bin/sh -c 'rm /etc/passwd; mv /etc/passwd.real /etc/passwd'
    assert_eq 1000 "$(bctl exec --user alice "$n" -- id -u)" "alice after the file came back"
}

test_exec_workdir() {
    local n
    _users_container n eo-wd
    assert_eq / "$(bctl exec "$n" -- pwd)" "default working directory"
    assert_eq /tmp "$(bctl exec --workdir /tmp "$n" -- pwd)" "--workdir /tmp"
    assert_eq /home/alice "$(bctl exec -u alice -w /home/alice "$n" -- pwd)" "alice in her home"
    expect_fail "change to directory /no/such" bctl exec --workdir /no/such "$n" -- /bin/true
    # Entered with the user's rights: alice may not enter root's 0700 directory.
    expect_fail "change to directory /srv/a" bctl exec -u alice -w /srv/a "$n" -- /bin/true
    expect_fail "absolute" bctl exec --workdir relative/dir "$n" -- /bin/true
}

test_exec_env_with_user() {
    local n
    _users_container n eo-env
    assert_eq "1 two=2 /home/alice" \
        "$(bctl exec --env A=1 --env B=two=2 -u alice "$n" -- /bin/sh -c 'echo $A $B $HOME')" "--env values"
    # The caller's --env wins over the user's defaults.
    assert_eq /elsewhere "$(bctl exec -u alice --env HOME=/elsewhere "$n" -- /bin/sh -c 'echo $HOME')" "HOME override"
    expect_fail "KEY=VALUE" bctl exec --env NOEQUALS -u alice "$n" -- /bin/true
}

test_exec_options_exit_codes_and_stdio() {
    local n d
    _users_container n eo-stdio
    new_tmpdir d
    # Exact status, stdout and stderr kept apart, also as another user and in another directory.
    expect_status 3 bctl exec -u alice -w /tmp "$n" -- /bin/sh -c 'echo out; echo err >&2; exit 3'
    assert_eq out "$H_STDOUT" "stdout"
    assert_eq err "$H_STDERR" "stderr"
    bctl exec -u alice "$n" -- /bin/sh -c 'echo only-out; echo only-err >&2' >"$d/out" 2>"$d/err"
    assert_eq only-out "$(cat "$d/out")" "redirected stdout"
    assert_eq only-err "$(cat "$d/err")" "redirected stderr"
    expect_status 143 bctl exec -u alice "$n" -- /bin/sh -c 'kill -TERM $$'
    expect_status 127 bctl exec -u alice "$n" -- /no/such/program
    expect_status 126 bctl exec -u alice "$n" -- /etc/passwd
    # stderr to a file while stdout is the terminal (script), and the other way round.
    local out
    out=$(timeout 20 script -qec "$(printf '%q ' "$BERTHCTL" exec -u alice "$n" -- /bin/sh -c 'echo tty-out; echo file-err >&2') 2>$d/err2" /dev/null)
    assert_contains "$out" tty-out "stdout on the terminal"
    assert_not_contains "$out" file-err "stderr must not reach the terminal"
    assert_eq file-err "$(cat "$d/err2")" "stderr in its file"
}
