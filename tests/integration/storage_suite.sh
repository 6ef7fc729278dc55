# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# The storage suite, run once per driver by test_storage_dir.sh and test_storage_btrfs.sh: pools, containers in
# them, snapshots, clones, quotas, bad names and a daemon restart, each verified from outside (files on disk,
# mounts, loop devices, the bus). $STORAGE_DRIVER is "dir" or "btrfs" (a loop-backed pool made by berthd).
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

: "${STORAGE_LOOP_SIZE:=512M}"

# new_pool VAR PREFIX: a fresh pool of $STORAGE_DRIVER in $VAR, removed at the end (after the test's containers).
new_pool() {
    printf -v "$1" '%s%d%d' "$2" "$BASHPID" "$RANDOM"
    local p=${!1}
    on_exit _suite_remove_pool "$p"
    if [[ $STORAGE_DRIVER == btrfs ]]; then
        bctl pool create "$p" --driver btrfs --size "$STORAGE_LOOP_SIZE"
    else
        bctl pool create "$p" --driver dir
    fi
    _h_arm   # container cleanup registers after the pool's, so it runs first
}

_suite_remove_pool() {
    local c
    for c in $(bus --json=short get-property org.berth1 "/org/berth1/pool/$1" org.berth1.Pool Containers 2>/dev/null |
        jq -r '.data[]' 2>/dev/null); do
        bctl remove --force "$c" >/dev/null 2>&1
    done
    bctl pool remove "$1" >/dev/null 2>&1
}

pool_root() { echo "$BERTH_STATE_DIR/pools/$1"; }

loop_of() {   # POOL: the loop device backing a loop pool ("" when none)
    losetup -n -O NAME,BACK-FILE 2>/dev/null | awk -v f="$BERTH_STATE_DIR/storage/disks/$1.img" '$2 == f { print $1 }'
}

suite_pool_lifecycle() {
    local p c out root
    new_pool p pl
    root=$(pool_root "$p")
    out=$(bctl pool list --json)
    assert_eq "$STORAGE_DRIVER" "$(jq -r --arg n "$p" '.[] | select(.name == $n) | .driver' <<<"$out")" "driver in pool list"
    (( $(jq -r --arg n "$p" '.[] | select(.name == $n) | .size' <<<"$out") > 0 )) || h_fail "pool size is 0: $out"
    assert_contains "$(bctl pool list)" "$p"
    out=$(bctl pool status "$p")
    assert_contains "$out" "snapshots" "capabilities"
    if [[ $STORAGE_DRIVER == btrfs ]]; then
        assert_contains "$out" "cow-clone"
        assert_contains "$out" "quotas"
        assert_eq btrfs "$(stat -f -c %T "$root")" "file system type of the pool"
        [[ -n $(loop_of "$p") ]] || h_fail "no loop device backs pool $p"
    else
        assert_not_contains "$out" "quotas"
    fi
    assert_eq "$STORAGE_DRIVER" "$(bus --json=short get-property org.berth1 "/org/berth1/pool/$p" org.berth1.Pool Driver | jq -r .data)" "Pool.Driver"
    bus --json=short call org.berth1 /org/berth1 org.freedesktop.DBus.ObjectManager GetManagedObjects |
        jq -e --arg o "/org/berth1/pool/$p" '.data[0] | has($o)' >/dev/null || h_fail "pool $p not in the ObjectManager"
    new_container c pl
    bctl create "$c" --pool "$p" -- /bin/sh -c 'echo hi > /hello; sleep 1000'
    assert_eq "$p" "$(prop "$c" Pool)" "Pool property"
    [[ -d $root/containers/$c/rootfs/bin ]] || h_fail "no root of $c in $root"
    [[ -d $root/images/busybox/rootfs/bin ]] || h_fail "the image was not copied into pool $p"
    bctl start "$c"
    assert_eq hi "$(bctl exec "$c" -- /bin/cat /hello)" "a file the container wrote"
    assert_eq hi "$(cat "$root/containers/$c/rootfs/hello")" "the file, from outside"
    expect_fail "in use" bctl pool remove "$p"
    assert_contains "$H_STDERR" "$c" "the refusal names the container"
    bctl remove --force "$c"
    [[ ! -e $root/containers/$c ]] || h_fail "root of $c left behind"
    local loop
    loop=$(loop_of "$p")
    bctl pool remove "$p"
    [[ ! -e $root ]] || h_fail "pool directory $root left behind"
    assert_not_contains "$(bctl pool list)" "$p"
    if [[ $STORAGE_DRIVER == btrfs ]]; then
        ! findmnt "$root" >/dev/null || h_fail "pool still mounted"
        [[ -z $(loop_of "$p") ]] || h_fail "loop device $loop of pool $p left attached"
        [[ ! -e $BERTH_STATE_DIR/storage/disks/$p.img ]] || h_fail "loop image left behind"
    fi
}

suite_snapshots() {
    local p c out
    new_pool p sn
    new_container c sn
    bctl create "$c" --pool "$p" -- /bin/sleep 1000
    echo one >"$(pool_root "$p")/containers/$c/rootfs/data"
    bctl snapshot create "$c" first
    assert_eq snap0 "$(bctl snapshot create "$c")" "generated snapshot name"
    echo two >"$(pool_root "$p")/containers/$c/rootfs/data"
    out=$(bctl snapshot list "$c" --json)
    assert_eq "first snap0" "$(jq -r 'map(.name) | join(" ")' <<<"$out")" "snapshots listed"
    [[ -d $(pool_root "$p")/snapshots/containers/$c/first ]] || h_fail "snapshot not on disk"
    expect_fail "already exists" bctl snapshot create "$c" first
    bctl start "$c"
    expect_fail "running" bctl snapshot restore "$c" first
    bctl snapshot restore "$c" first --stop
    assert_eq stopped "$(prop "$c" State)" "state after restore --stop"
    assert_eq one "$(cat "$(pool_root "$p")/containers/$c/rootfs/data")" "content after restore"
    bctl start "$c"
    assert_eq one "$(bctl exec "$c" -- /bin/cat /data)" "content seen inside after restore"
    if [[ $STORAGE_DRIVER == btrfs ]]; then
        # read-only snapshot
        ! touch "$(pool_root "$p")/snapshots/containers/$c/first/x" 2>/dev/null || h_fail "snapshot is writable"
    fi
    expect_fail "no snapshot" bctl snapshot restore "$c" nope --stop
    bctl snapshot remove "$c" snap0
    assert_eq first "$(bctl snapshot list "$c" --json | jq -r 'map(.name) | join(" ")')" "after remove"
    bctl remove --force "$c"
    [[ ! -e $(pool_root "$p")/snapshots/containers/$c ]] || h_fail "snapshots left behind after remove"
}

suite_clone() {
    local p a b
    new_pool p cl
    new_container a cl
    new_container b cl
    bctl create "$a" --pool "$p" -- /bin/sleep 1000
    echo original >"$(pool_root "$p")/containers/$a/rootfs/data"
    bctl clone "$a" "$b"
    assert_eq original "$(cat "$(pool_root "$p")/containers/$b/rootfs/data")" "clone's file"
    echo changed >"$(pool_root "$p")/containers/$b/rootfs/data"
    assert_eq original "$(cat "$(pool_root "$p")/containers/$a/rootfs/data")" "source unchanged by the clone"
    assert_ne "$(prop "$a" IdMapBase)" "$(prop "$b" IdMapBase)" "id ranges of source and clone"
    bctl start "$b"
    assert_eq changed "$(bctl exec "$b" -- /bin/cat /data)" "clone runs"
    expect_fail "already exists" bctl clone "$a" "$b"
    if [[ $STORAGE_DRIVER == btrfs ]]; then
        bctl start "$a"
        local c
        new_container c cl
        bctl clone "$a" "$c"   # a running source is snapshotted atomically on btrfs
        assert_eq stopped "$(prop "$c" State)"
    else
        bctl start "$a"
        local c
        new_container c cl
        expect_fail "stop it first" bctl clone "$a" "$c"
    fi
}

suite_quota() {
    local p c
    new_pool p qu
    new_container c qu
    if [[ $STORAGE_DRIVER == dir ]]; then
        expect_fail "cannot limit disk use" bctl create "$c" --pool "$p" --disk 64M -- /bin/sleep 1000
        ! container_exists "$c" || h_fail "container made despite the refused quota"
        bctl create "$c" --pool "$p" -- /bin/sleep 1000
        expect_fail "cannot limit disk use" bctl set-limits "$c" --disk 64M
        return 0
    fi
    bctl create "$c" --pool "$p" --disk 32M -- /bin/sleep 1000
    assert_eq $((32 * 1024 * 1024)) "$(prop "$c" Disk)" "Disk property"
    bctl start "$c"
    local rc=0 err
    err=$(bctl exec "$c" -- /bin/sh -c 'dd if=/dev/zero of=/big bs=1M count=100 2>&1; sync' ) || rc=$?
    assert_contains "$err" "quota exceeded" "dd past the limit inside the container"
    # Raising the limit lets it write.
    bctl exec "$c" -- /bin/rm -f /big
    bctl set-limits "$c" --disk 256M
    bctl exec "$c" -- /bin/sh -c 'dd if=/dev/zero of=/big bs=1M count=64 2>/dev/null && sync'
    assert_eq $((256 * 1024 * 1024)) "$(prop "$c" Disk)" "Disk property after set-limits"
}

suite_bad_names() {
    local p c
    new_pool p bn
    for bad in "a/b" ".." "../x" ".hidden"; do
        expect_fail "" bctl pool create "$bad" --driver dir
    done
    expect_fail "unknown storage driver" bctl pool create "zz$RANDOM" --driver zfs
    expect_fail "btrfs" bctl pool create "zz$RANDOM" --driver btrfs --source /tmp
    expect_fail "no storage pool" bctl create "x$RANDOM" --pool nosuchpool
    expect_bus_error NoSuchPool call org.berth1 /org/berth1 org.berth1.Manager GetPool s nosuchpool
    expect_bus_error NoSuchPool call org.berth1 /org/berth1 org.berth1.Manager RemovePool s nosuchpool
    new_container c bn
    bctl create "$c" --pool "$p" -- /bin/sleep 1000
    for bad in "../x" "a/b" ".."; do
        expect_fail "" bctl snapshot create "$c" "$bad"
    done
    [[ -z $(ls -A "$(pool_root "$p")/.tmp") ]] || h_fail "work files left in the pool"
    expect_fail "cannot be removed" bctl pool remove default
}

suite_restart() {
    local p c root
    new_pool p rs
    root=$(pool_root "$p")
    new_container c rs
    bctl create "$c" --pool "$p" -- /bin/sleep 1000
    bctl snapshot create "$c" keep
    systemctl stop berthd.service
    if [[ $STORAGE_DRIVER == btrfs ]]; then
        # As after a reboot: the pool is not mounted; berthd mounts it again.
        umount "$root"
        [[ -z $(loop_of "$p") ]] || h_fail "loop device not released by the unmount"
    fi
    assert_contains "$(bctl pool list)" "$p" "pool after restart"
    assert_eq keep "$(bctl snapshot list "$c" --json | jq -r 'map(.name) | join(" ")')" "snapshots after restart"
    [[ -d $root/containers/$c/rootfs/bin ]] || h_fail "root of $c missing after restart"
    bctl start "$c"
    assert_eq running "$(prop "$c" State)"
}
