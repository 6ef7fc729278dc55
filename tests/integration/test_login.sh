# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# berthctl login (the guest's getty on a new pty) and berthctl shell through the guest's PAM, on a Debian guest
# with systemd; the plain shell and the NotSupported answer on busybox.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

PTY_SESSION="$(dirname "${BASH_SOURCE[0]}")/pty_session.py"

# A booted Debian guest with user alice (password "berth-pw"); waits until its systemd runs the system.
_debian_guest() {   # VAR PREFIX
    local img
    img=$(debian_image) || h_fail "no Debian image (see above)"
    new_container "$1" "$2"
    bctl create "${!1}" --image "$img" --boot
    bctl start "${!1}"
    wait_until 60 bctl exec "${!1}" -- test -S /run/systemd/private || h_fail "the guest's systemd did not come up"
    # Boot finished (or degraded): the getty and PAM services are loaded.
    bctl exec "${!1}" -- timeout 60 systemctl is-system-running --wait >/dev/null 2>&1 || true
    bctl exec "${!1}" -- /bin/sh -c 'useradd -m -s /bin/bash alice && echo alice:berth-pw | chpasswd'
}

test_login_getty_and_password() {
    local n out rc=0
    _debian_guest n lg-login
    # The guest's own agetty and login(1) with its PAM check the password; after logout the getty prompts again,
    # and Ctrl-] three times leaves.
    out=$(python3 "$PTY_SESSION" --timeout 30 expect:"three times" expect:"login: " 'send:alice\r' \
        expect:"Password: " 'send:berth-pw\r' sleep:1 'send:echo "in as $(id -un) on $(tty) $((6*7))"\r' \
        expect:"in as alice on /dev/pts/" expect:42 'send:exit\r' expect:"login: " detach \
        -- "$BERTHCTL" login "$n") || rc=$?
    ((rc == 0)) || h_fail "berthctl login exited $rc: $out"
    assert_contains "$out" "Connected to $n" "login banner"
    # The guest's agetty announced the container's own pty.
    assert_contains "$out" "pts/" "the getty's banner names the pty"
}

test_login_wrong_password() {
    local n out
    _debian_guest n lg-badpw
    out=$(python3 "$PTY_SESSION" --timeout 30 expect:"login: " 'send:alice\r' expect:"Password: " 'send:wrong\r' \
        expect:"Login incorrect" detach -- "$BERTHCTL" login "$n") || h_fail "login session failed: $out"
}

test_shell_through_guest_pam() {
    local n out
    _debian_guest n lg-shell
    # Exit codes of the command come back (machinectl shell loses them).
    expect_status 7 bctl shell "$n" -- /bin/sh -c 'exit 7' </dev/null
    expect_status 0 bctl shell "$n" alice -- true </dev/null
    expect_status 127 bctl shell "$n" -- no-such-command-here </dev/null
    # As alice, in her home, through a service of the guest's systemd with a PAM session.
    out=$(bctl shell "$n" alice -- /bin/sh -c 'echo "$(id -un) $(pwd) $SHELL"; cat /proc/self/cgroup' </dev/null)
    assert_contains "$out" "alice /home/alice /bin/bash" "user, home and shell of the session"
    assert_contains "$out" "berth-shell-" "the session runs as a berth-shell-*.service of the guest"
    # An interactive login shell on a terminal.
    out=$(python3 "$PTY_SESSION" --timeout 30 expect:"PAM" sleep:1 'send:echo "shell-$(id -un)-$((6*7))"; exit 5\r' \
        -- "$BERTHCTL" shell "$n" alice) && h_fail "exit 5 of the login shell was lost: $out"
    assert_contains "$out" shell-alice-42 "output of alice's login shell"
    # An unknown user: the guest's systemd cannot start the service (its status 217/USER); no hang.
    expect_status 217 bctl shell "$n" no-such-user -- true </dev/null
}

test_login_needs_guest_systemd() {
    local n
    new_container n lg-busybox
    bctl create "$n"
    bctl start "$n"
    expect_fail "does not run systemd" bctl login "$n"
    assert_contains "$H_STDERR" "berthctl shell" "the error says what to use instead"
    expect_bus_error NotSupported call org.berth1 "$(obj_of "$n")" org.berth1.Container OpenLogin
}

test_shell_plain_without_systemd() {
    local n out
    new_container n lg-plain
    bctl create "$n"
    bctl start "$n"
    bctl exec "$n" -- /bin/sh -c 'echo "alice:x:1000:1000::/tmp:/bin/sh" >>/etc/passwd'
    expect_status 9 bctl shell "$n" -- /bin/sh -c 'exit 9' </dev/null
    out=$(bctl shell "$n" alice -- /bin/sh -c 'echo "$(id -u) $(pwd)"' </dev/null)
    assert_contains "$out" "1000 /tmp" "plain shell as alice in her home"
    expect_fail "no user" bctl shell "$n" mallory </dev/null
}
