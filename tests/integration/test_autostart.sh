# shellcheck shell=bash
# Autostart: enabled containers that are stopped come up when berthd starts, in order, with the configured delay;
# disabled ones stay down; a broken one does not stop the others.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

_restart_berthd() {
    systemctl restart berthd.service
    bctl list --all >/dev/null
}

test_autostart_enable_restart_disable() {
    local a b c
    new_container a as-a
    new_container b as-b
    new_container c as-c
    bctl create "$a"
    bctl create "$b"
    bctl create "$c"
    bctl enable "$a" --order 20
    bctl enable "$b" --order 10 --delay 1
    assert_eq true "$(prop "$a" Autostart)" "Autostart of $a"
    assert_eq 20 "$(prop "$a" AutostartOrder)" "AutostartOrder of $a"
    assert_eq 1 "$(prop "$b" AutostartDelay)" "AutostartDelay of $b"
    assert_eq false "$(prop "$c" Autostart)" "Autostart of a container never enabled"
    grep -q '^enabled = true' "$BERTH_STATE_DIR/containers/$a.toml" || h_fail "autostart not persisted"

    _restart_berthd
    wait_state "$b" running 10
    wait_state "$a" running 10
    assert_eq stopped "$(prop "$c" State)" "a container not enabled stays stopped"
    local sa sb
    sa=$(prop "$a" StartedAt)
    sb=$(prop "$b" StartedAt)
    ((sb < sa)) || h_fail "$b (order 10) must start before $a (order 20): $sb vs $sa"
    ((sa - sb >= 900000)) || h_fail "$a must wait $b's delay of 1 s, started $(((sa - sb) / 1000)) ms after"

    # Running containers are left alone by the next start; disabled ones are not started.
    bctl disable "$a"
    assert_eq false "$(prop "$a" Autostart)" "Autostart after disable"
    assert_eq 20 "$(prop "$a" AutostartOrder)" "disable keeps the order"
    bctl poweroff "$a" "$b"
    wait_state "$a" stopped 15
    wait_state "$b" stopped 15
    _restart_berthd
    wait_state "$b" running 10
    sleep 0.5
    assert_eq stopped "$(prop "$a" State)" "a disabled container stays stopped"
    bctl disable "$b"
}

test_autostart_failure_is_not_fatal() {
    local bad good
    new_container bad as-bad
    new_container good as-good
    bctl create "$bad" -- /no/such/program
    bctl create "$good"
    bctl enable "$bad" --order 1
    bctl enable "$good" --order 2
    _restart_berthd
    wait_state "$good" running 10
    bctl disable "$bad" "$good"
    journalctl -u berthd.service --no-pager -n 200 | grep -q "autostart: container $bad" ||
        h_fail "the failed autostart of $bad is not in berthd's log"
}

test_autostart_bad_arguments() {
    local a
    new_container a as-args
    bctl create "$a"
    expect_fail "--delay" bctl enable "$a" --delay -1
    expect_fail "--order" bctl enable "$a" --order x
    expect_fail "no container" bctl enable "nosuch-$RANDOM"
    expect_fail "unknown option" bus call org.berth1 /org/berth1 org.berth1.Manager SetAutostart 'sba{sv}' "$a" true 1 Bogus u 1
}
