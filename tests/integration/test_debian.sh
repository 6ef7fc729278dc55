# shellcheck shell=bash
# Debian guests: `image build debian` (once per test-host run, shared through debian_image), boot to READY over
# the notify socket, no failed units, os-release and guest state in status, reboot and poweroff from inside,
# berthctl poweroff, start --wait and its timeout, ephemeral Debian containers, the boot work trimmed. Checked from outside: properties
# on the bus, the container's root on disk, the scope.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

_deb_root() { echo "$BERTH_STATE_DIR/pools/default/containers/$1/rootfs"; }

# _deb_booted VAR: a started, ready Debian container named in $VAR.
_deb_booted() {
    local _img _dn
    _img=$(debian_image)
    new_container _dn deb
    bctl create "$_dn" --image "$_img" --boot
    bctl start --wait --timeout 60 "$_dn"
    printf -v "$1" '%s' "$_dn"
}

test_debian_build_refuses_bad_input() {
    local i
    new_image i deb
    expect_fail "suite" bctl image build debian "$i" --suite '../x'
    expect_fail "package" bctl image build debian "$i" --include 'Bad_Name'
    expect_fail "mirror" bctl image build debian "$i" --mirror 'file:///etc'
    expect_fail "debian" bctl image build fedora "$i"
    image_exists "$i" && h_fail "a refused build left image $i"
    return 0
}

test_debian_image_is_guest_ready() {
    local img root
    img=$(debian_image)
    assert_contains "$(bctl image list)" "$img" "image list"
    root=$BERTH_STATE_DIR/pools/default/images/$img/rootfs
    [[ -d $root ]] || root=$(find "$BERTH_STATE_DIR" -maxdepth 5 -type d -path "*/images/$img/rootfs" | head -n 1)
    [[ -d $root ]] || h_fail "no rootfs of image $img under $BERTH_STATE_DIR"
    assert_eq "" "$(cat "$root/etc/machine-id")" "machine-id of the image (fresh per container)"
    [[ ! -e $root/etc/hostname ]] || h_fail "the image carries a hostname"
    assert_not_contains "$(cat "$root/etc/resolv.conf")" "nameserver" "the builder's resolv.conf"
    assert_eq /dev/null "$(readlink "$root/etc/systemd/system/sys-kernel-debug.mount")" "masked unit"
    [[ -x $root/lib/systemd/systemd && -x $root/usr/bin/dbus-daemon && -x $root/usr/bin/ip ]] ||
        [[ -x $root/usr/lib/systemd/systemd && -x $root/usr/bin/dbus-daemon && -x $root/usr/sbin/ip ]] ||
        h_fail "systemd, dbus or iproute2 missing from the image"
}

test_debian_boots_to_ready_without_failed_units() {
    local n out mid
    _deb_booted n
    assert_eq running "$(prop "$n" State)" "State after start --wait"
    assert_eq running "$(prop "$n" GuestState)" "the guest's own state"
    out=$(bctl exec "$n" -- systemctl --failed --no-legend --plain)
    assert_eq "" "$out" "failed units in the guest"
    assert_eq "$n" "$(bctl exec "$n" -- hostname)" "hostname of the guest"
    mid=$(bctl exec "$n" -- cat /etc/machine-id)
    assert_match "$mid" '^[0-9a-f]{32}$' "the guest's machine-id"
    out=$(bctl status "$n")
    assert_contains "$out" "OS: Debian GNU/Linux" "status"
    assert_contains "$out" "Guest: running" "status"
    assert_contains "$(prop "$n" OSName)" "Debian GNU/Linux" "OSName"
    # The notify socket is the guest's, bound at /run/host/notify; commands run by exec do not see it.
    assert_eq "" "$(bctl exec "$n" -- sh -c 'echo $NOTIFY_SOCKET')" "NOTIFY_SOCKET of an exec'd command"
    bctl exec "$n" -- test -S /run/host/notify
}

# The boot work trimmed at image build (core/guest_boot_trim.h): checked on disk, and in a booted guest that
# systemd-sysusers was skipped by its condition while the console getty still runs.
test_debian_boot_is_trimmed() {
    local n root
    _deb_booted n
    root=$(_deb_root "$n")
    assert_eq /dev/null "$(readlink "$root/etc/systemd/system-generators/systemd-gpt-auto-generator")" \
        "masked generator"
    assert_eq /dev/null "$(readlink "$root/etc/systemd/system/systemd-update-utmp-runlevel.service")" "masked unit"
    [[ ! -e $root/etc/systemd/system-generators/systemd-getty-generator ]] || h_fail "the getty generator is masked"
    (($(stat -c %Y "$root/etc/.updated") > $(stat -c %Y "$root/usr"))) || h_fail "/etc/.updated is not newer than /usr"
    assert_eq no "$(bctl exec "$n" -- systemctl show -P ConditionResult systemd-sysusers.service)" \
        "systemd-sysusers ran at boot"
    assert_eq active "$(bctl exec "$n" -- systemctl show -P ActiveState console-getty.service)" "console getty"
}

test_debian_machine_ids_differ() {
    local a b
    _deb_booted a
    _deb_booted b
    [[ "$(bctl exec "$a" -- cat /etc/machine-id)" != "$(bctl exec "$b" -- cat /etc/machine-id)" ]] ||
        h_fail "two containers of one image share a machine-id"
}

test_debian_reboot_from_inside() {
    local n leader
    _deb_booted n
    leader=$(prop "$n" Leader)
    bctl exec "$n" -- systemctl reboot || true
    wait_leader_changed "$n" "$leader" 30
    wait_state "$n" running 60
    assert_eq reboot "$(prop "$n" StopReason)" "StopReason after a reboot from inside"
    assert_eq "$n" "$(bctl exec "$n" -- hostname)" "hostname after the reboot"
}

test_debian_poweroff_from_inside() {
    local n
    _deb_booted n
    bctl exec "$n" -- systemctl poweroff || true
    wait_state "$n" stopped 30
    assert_eq poweroff "$(prop "$n" StopReason)" "StopReason"
    wait_until 5 scope_gone "$n" || h_fail "the scope of $n is still there"
    assert_contains "$(bctl status "$n")" "Stopped by: poweroff" "status"
}

test_debian_berthctl_poweroff_is_clean() {
    local n
    _deb_booted n
    bctl poweroff "$n"
    wait_state "$n" stopped 30
    # The guest's systemd went through its shutdown: SIGRTMIN+3 -> poweroff.target -> reboot(POWER_OFF).
    assert_eq poweroff "$(prop "$n" StopReason)" "StopReason after berthctl poweroff"
    wait_until 5 scope_gone "$n" || h_fail "the scope of $n is still there"
}

test_debian_start_wait_timeout() {
    local img n
    img=$(debian_image)
    new_container n deb
    bctl create "$n" --image "$img" --boot
    expect_fail "not ready after" bctl start --wait --timeout 0.001 "$n"
    # It keeps booting and becomes ready.
    wait_state "$n" running 60
    expect_fail "--wait" bctl start --timeout 5 "$n"
}

test_debian_ephemeral() {
    local img n
    img=$(debian_image)
    new_container n deb
    bctl create "$n" --image "$img" --ephemeral --boot
    bctl start --wait --timeout 60 "$n"
    assert_eq "" "$(bctl exec "$n" -- systemctl --failed --no-legend --plain)" "failed units (ephemeral)"
    bctl exec "$n" -- sh -c 'echo x > /root/scratch'
    bctl poweroff "$n"
    wait_state "$n" stopped 30
    bctl start --wait --timeout 60 "$n"
    expect_fail "No such file" bctl exec "$n" -- cat /root/scratch
    assert_eq "$(bctl run --rm --image "$img" -- cat /etc/debian_version | cut -d. -f1)" 12 "run --rm on Debian"
}

# Named to run first in this file: the shared image is built here (see debian_image), the other tests reuse it.
# berth-test-timeout: 480
test_debian_aa_build_image() {
    local img
    img=$(debian_image)
    assert_eq debian "$(bctl image list --json | jq -r --arg n "$img" '.[] | select(.name == $n) | .origin')" \
        "origin of a built image"
}
