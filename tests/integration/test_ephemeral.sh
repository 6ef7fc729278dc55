# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# Ephemeral containers: a volatile overlay over the shared, idmapped image. Nothing is copied at create, writes
# never reach the image, and nothing is left when the container is gone.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

_pool_containers() { ls "$BERTH_STATE_DIR/pools/default/containers" 2>/dev/null; }

test_run_rm_writes_never_reach_the_image() {
    local before after out
    before=$(find "$BERTH_STATE_DIR/pools/default/images/busybox" -newer "$BERTH_STATE_DIR" 2>/dev/null | wc -l)
    out=$(bctl run --rm -- /bin/sh -c 'echo scratch > /etc/berth-scratch; cat /etc/berth-scratch; id -u')
    assert_eq "scratch"$'\n'"0" "$out" "write and read back inside an ephemeral root"
    [[ ! -e "$BERTH_STATE_DIR/pools/default/images/busybox/rootfs/etc/berth-scratch" ]] ||
        h_fail "a write in an ephemeral container reached the image"
    after=$(find "$BERTH_STATE_DIR/pools/default/images/busybox" -newer "$BERTH_STATE_DIR" 2>/dev/null | wc -l)
    assert_eq "$before" "$after" "files changed in the image"
    # The root is an overlay inside the container.
    out=$(bctl run --rm -- /bin/sh -c 'grep " / " /proc/mounts')
    assert_contains "$out" "overlay" "the root mount of an ephemeral container"
}

test_ephemeral_create_copies_nothing() {
    local n out
    new_container n eph
    bctl create "$n" --ephemeral --boot
    assert_eq true "$(prop "$n" Ephemeral)" "Ephemeral property"
    [[ -z "$(_pool_containers | grep -x "$n")" ]] || h_fail "an ephemeral container got a copy of its image"
    bctl start "$n"
    bctl exec "$n" -- /bin/sh -c 'echo one > /root/state'
    assert_eq one "$(bctl exec "$n" -- cat /root/state)" "a file written inside"
    assert_contains "$(bctl status "$n")" "ephemeral" "status of an ephemeral container"
    # The image cannot go while the container runs on it; the error names the container.
    expect_fail "$n" bctl image remove busybox
    bctl poweroff "$n"
    wait_state "$n" stopped 15
    # Stopped and started again: the writes are gone.
    bctl start "$n"
    expect_fail "No such file" bctl exec "$n" -- cat /root/state
    bctl remove --force "$n"
    assert_no_trace "$n"
}
