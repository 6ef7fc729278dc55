# shellcheck shell=bash
# Where the pool's file system refuses idmapped mounts (overlayfs does), berth shifts a container's root once,
# records it (IdMapMode "shifted"), and the container runs with the same ids; ephemeral containers, which need an
# idmapped image, are refused with a clear error.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

_shift_cleanup() {
    local dir=$1
    systemctl stop berthd.service 2>/dev/null || true
    umount "$BERTH_STATE_DIR" 2>/dev/null || true
    rm -rf "$dir"
}

test_root_is_shifted_where_idmapped_mounts_are_refused() {
    local dir n base out
    dir=$(mktemp -d /var/tmp/berth-shift.XXXXXX)
    mkdir -p "$dir"/{lower,upper,work}
    # berthd must not hold the real state dir while another file system is mounted over it.
    systemctl stop berthd.service
    on_exit _shift_cleanup "$dir"
    mount -t overlay overlay -o "lowerdir=$dir/lower,upperdir=$dir/upper,workdir=$dir/work" "$BERTH_STATE_DIR"

    n=shift-$$
    bctl create "$n" -- /bin/sh -c 'touch /root/made-inside; sleep 1000'   # activates berthd on the overlay
    assert_eq idmapped "$(prop "$n" IdMapMode)" "IdMapMode before the first start"
    bctl start "$n"
    assert_eq shifted "$(prop "$n" IdMapMode)" "IdMapMode after starting on a file system without idmapped mounts"
    base=$(prop "$n" IdMapBase)
    assert_eq 0 "$(bctl exec "$n" -- id -u)" "uid inside a shifted container"
    out=$(bctl exec "$n" -- stat -c %u /bin/busybox)
    assert_eq 0 "$out" "owner of /bin/busybox seen inside"
    # On disk the root now belongs to the container's range, once and for all.
    local root=$BERTH_STATE_DIR/pools/default/containers/$n/rootfs
    assert_eq "$base" "$(stat -c %u "$root/bin/busybox")" "on-disk owner of a shifted file"
    wait_for --timeout 5 test -e "$root/root/made-inside"
    assert_eq "$base" "$(stat -c %u "$root/root/made-inside")" "on-disk owner of a file made inside"
    # Restarted, it stays shifted and is not shifted twice.
    bctl terminate "$n"
    bctl start "$n"
    assert_eq shifted "$(prop "$n" IdMapMode)" "IdMapMode after a restart"
    assert_eq "$base" "$(stat -c %u "$root/bin/busybox")" "on-disk owner after a second start"
    bctl remove --force "$n"

    # An ephemeral container runs on the shared image, which must never be shifted: refused, nothing left.
    bctl create "$n-eph" --ephemeral -- /bin/true
    expect_fail "idmapped" bctl start "$n-eph"
    assert_eq stopped "$(prop "$n-eph" State)" "State after the refused start"
    bctl remove "$n-eph"
}
