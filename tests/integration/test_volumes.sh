# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# Custom volumes, once per storage driver (dir, and btrfs on a loop pool made by berthd): data that outlives
# containers, stored unshifted and idmapped into each container; live attach/detach; removal refused while
# attached; sizes as btrfs quotas (refused on dir).
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

# _vol_pool VAR DRIVER: a fresh pool in $VAR, removed at the end (with its volumes and their containers).
_vol_pool() {
    printf -v "$1" 'vp%d%d' "$BASHPID" "$RANDOM"
    local p=${!1}
    on_exit _vol_remove_pool "$p"
    if [[ $2 == btrfs ]]; then
        bctl pool create "$p" --driver btrfs --size 384M
    else
        bctl pool create "$p" --driver dir
    fi
    _h_arm
}

_vol_remove_pool() {
    local v c
    for v in $(bctl volume list --json | jq -r --arg p "$1" '.[] | select(.pool == $p) | .name'); do
        for c in $(bctl volume list --json | jq -r --arg p "$1" --arg v "$v" \
            '.[] | select(.pool == $p and .name == $v) | .attached_to[]'); do
            bctl remove --force "$c"
        done
        bctl volume remove "$1/$v"
    done
    bctl pool remove "$1"
}

_vol_container() {   # VAR PREFIX
    new_container "$1" "$2"
    bctl create "${!1}" -- /bin/sh -c 'while :; do sleep 1; done'
}

_vol_path() {   # POOL/NAME -> host path of its data
    local p=${1%%/*} n=${1#*/}
    bus --json=short get-property org.berth1 "/org/berth1/volume/$p/$n" org.berth1.Volume Path | jq -r .data
}

_suite_volume_survives() {   # DRIVER
    local p a b v path
    _vol_pool p "$1"
    v="$p/data"
    bctl volume create "$v"
    path=$(_vol_path "$v")
    [[ -d $path ]] || h_fail "volume data directory $path missing"
    _vol_container a vol-a
    bctl start "$a"
    # Live attach, written by the container's root: on disk it belongs to 0 (stored unshifted).
    bctl volume attach "$a" "$v" /srv --mkdir
    bctl exec "$a" -- /bin/sh -c 'echo persistent > /srv/file; mkdir /srv/dir'
    assert_eq 0 "$(stat -c %u "$path/file")" "owner on disk of a file container root wrote"
    assert_eq "$a" "$(bctl volume list --json | jq -r --arg v data --arg p "$p" \
        '.[] | select(.pool == $p and .name == $v) | .attached_to | join(",")')" "AttachedTo"
    expect_fail "attached to" bctl volume remove "$v"
    bctl remove --force "$a"
    [[ -f "$path/file" ]] || h_fail "the volume's data went with the container"
    # The next container (another id range) sees root's file as its own root's.
    _vol_container b vol-b
    bctl volume attach "$b" "$v" /srv --mkdir
    bctl start "$b"
    assert_eq persistent "$(bctl exec "$b" -- cat /srv/file)" "data in the next container"
    assert_eq 0 "$(bctl exec "$b" -- stat -c %u /srv/file)" "owner inside the next container"
    assert_ne "$(prop "$b" IdMapBase)" "0" "the next container has its own range"
    bctl exec "$b" -- /bin/sh -c 'echo more >> /srv/file'
    # Live detach: gone inside, kept on disk, and not mounted at the next start.
    bctl volume detach "$b" /srv
    expect_status 1 bctl exec "$b" -- test -e /srv/file
    assert_eq "persistent
more" "$(cat "$path/file")" "data kept after detach"
    bctl terminate "$b"
    bctl start "$b"
    expect_status 1 bctl exec "$b" -- test -e /srv/file
    bctl volume remove "$v"
    [[ ! -e $path ]] || h_fail "volume data left after remove"
}

test_volumes_dir_data_survives() { _suite_volume_survives dir; }
test_volumes_btrfs_data_survives() { _suite_volume_survives btrfs; }

test_volumes_read_only_and_bad_input() {
    local p c v
    _vol_pool p dir
    v="$p/ro"
    bctl volume create "$v"
    _vol_container c vol-ro
    bctl start "$c"
    bctl volume attach "$c" "$v" /ro --mkdir --read-only
    expect_status 1 bctl exec "$c" -- /bin/sh -c 'echo x > /ro/file 2>/dev/null'
    expect_fail "already" bctl volume attach "$c" "$v" /ro
    expect_fail "no volume" bctl volume attach "$c" "$p/none" /x --mkdir
    expect_fail "POOL/NAME" bctl volume create novolume
    expect_fail "" bctl volume create "$p/../x"
    expect_fail "already exists" bctl volume create "$v"
    expect_fail "cannot limit" bctl volume create "$p/sized" --size 16M
    bctl volume detach "$c" "$v"
    assert_eq "" "$(prop "$c" Mounts)" "Mounts after detach by name"
}

test_volumes_btrfs_size_enforced() {
    local p c v err
    _vol_pool p btrfs
    v="$p/small"
    bctl volume create "$v" --size 16M
    assert_eq $((16 * 1024 * 1024)) "$(bctl volume list --json | jq -r --arg p "$p" '.[] | select(.pool == $p) | .size')" "size"
    _vol_container c vol-q
    bctl volume attach "$c" "$v" /q --mkdir
    bctl start "$c"
    err=$(bctl exec "$c" -- /bin/sh -c 'dd if=/dev/zero of=/q/big bs=1M count=64 2>&1; sync') || true
    assert_contains "$err" "quota exceeded" "dd past the volume's size"
}
