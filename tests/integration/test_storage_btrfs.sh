# shellcheck shell=bash
# The storage suite (storage_suite.sh) on a loop-backed `btrfs` pool made by berthd, plus what only btrfs does:
# CoW clones whose time does not grow with the image.
STORAGE_DRIVER=btrfs
source "$(dirname "${BASH_SOURCE[0]}")/storage_suite.sh"

test_storage_btrfs_pool_lifecycle() { suite_pool_lifecycle; }
test_storage_btrfs_snapshots() { suite_snapshots; }
test_storage_btrfs_clone() { suite_clone; }
test_storage_btrfs_quota_enforced() { suite_quota; }
test_storage_btrfs_bad_names() { suite_bad_names; }
test_storage_btrfs_restart_keeps_pools() { suite_restart; }

# ms CMD...: run CMD and print how long it took in milliseconds.
_ms() {
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}

# A clone on btrfs is a snapshot: it takes the same time for a 2 MB and a 250 MB image (measured on `clone` of a
# container made from each; the first use of an image in the pool copies it, which is not timed).
test_storage_btrfs_cow_clone_is_flat() {
    local p small big cs cb t ms_small ms_big
    STORAGE_LOOP_SIZE=1G new_pool p cow
    new_tmpdir t
    new_image small cows
    new_image big cowb
    mkdir -p "$t/small/bin" "$t/big/bin"
    cp /bin/busybox "$t/small/bin/"
    cp /bin/busybox "$t/big/bin/"
    head -c 2M /dev/urandom >"$t/small/blob"
    head -c 250M /dev/urandom >"$t/big/blob"
    tar -C "$t/small" -cf "$t/small.tar" .
    tar -C "$t/big" -cf "$t/big.tar" .
    rm -rf "$t/small" "$t/big"
    bctl image import "$t/small.tar" "$small"
    bctl image import "$t/big.tar" "$big"
    rm -f "$t/small.tar" "$t/big.tar"
    new_container cs cows
    new_container cb cowb
    bctl create "$cs" --pool "$p" --image "$small" -- /bin/busybox sleep 1000
    bctl create "$cb" --pool "$p" --image "$big" -- /bin/busybox sleep 1000
    local c2s c2b
    new_container c2s cows
    new_container c2b cowb
    ms_small=$(_ms bctl clone "$cs" "$c2s")
    ms_big=$(_ms bctl clone "$cb" "$c2b")
    echo "clone of a 2 MB root: ${ms_small} ms, of a 250 MB root: ${ms_big} ms" >&2
    ((ms_big < ms_small * 4 + 150)) || h_fail "clone of 250 MB took ${ms_big} ms vs ${ms_small} ms for 2 MB"
    cmp -s "$(pool_root "$p")/containers/$cb/rootfs/blob" "$(pool_root "$p")/containers/$c2b/rootfs/blob" ||
        h_fail "the clone's data differs"
    # The image's cached copy in the pool goes with the image.
    bctl remove --force "$cs" "$c2s"
    bctl image remove "$small"
    [[ ! -e $(pool_root "$p")/images/$small ]] || h_fail "cached copy of image $small left in pool $p"
}

# A pool too small for the image: create fails with the file system's error and leaves nothing behind (no cached
# image, no root, no work files, no container).
test_storage_btrfs_full_pool_leaves_nothing() {
    local p c img t
    STORAGE_LOOP_SIZE=128M new_pool p full
    new_tmpdir t
    new_image img fullimg
    mkdir -p "$t/tree/bin"
    cp /bin/busybox "$t/tree/bin/"
    head -c 200M /dev/urandom >"$t/tree/blob"
    tar -C "$t/tree" -cf "$t/img.tar" .
    rm -rf "$t/tree"
    bctl image import "$t/img.tar" "$img"
    rm -f "$t/img.tar"
    new_container c full
    expect_fail "space" bctl create "$c" --pool "$p" --image "$img" -- /bin/busybox true
    ! container_exists "$c" || h_fail "container exists after a failed create"
    [[ ! -e $(pool_root "$p")/images/$img ]] || h_fail "half-copied image left in the pool"
    [[ ! -e $(pool_root "$p")/containers/$c ]] || h_fail "root left in the pool"
    [[ -z $(ls -A "$(pool_root "$p")/.tmp") ]] || h_fail "work files left: $(ls -A "$(pool_root "$p")/.tmp")"
    # (btrfs frees a deleted subvolume's space in the background, at its next cleaner run, up to 30 s later:
    # the pool is usable again then, not at once.)
}

# What a crash leaves in the pool's .tmp (a half-made subvolume in a work directory) is cleared at the next start.
test_storage_btrfs_interrupted_work_cleared_at_start() {
    local p root
    new_pool p tmpc
    root=$(pool_root "$p")
    mkdir "$root/.tmp/create-x-123456"
    btrfs subvolume create "$root/.tmp/create-x-123456/tree" >/dev/null
    echo half >"$root/.tmp/create-x-123456/tree/file"
    systemctl stop berthd.service
    bctl pool status "$p" >/dev/null
    [[ -z $(ls -A "$root/.tmp") ]] || h_fail "work files left after the restart: $(ls -A "$root/.tmp")"
}
