# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# berthctl bind/unbind: host directories mounted into running containers (live) and at every start (--persist);
# read-only enforced, ids shown as they are or idmapped, targets resolved inside the container's root.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

_bind_container() {   # VAR PREFIX
    new_container "$1" "$2"
    bctl create "${!1}" -- /bin/sh -c 'while :; do sleep 1; done'
    bctl start "${!1}"
}

test_bind_live_read_only() {
    local n d
    _bind_container n bind-ro
    new_tmpdir d
    chmod 755 "$d"   # the container's root is "other" to a plain bind of host files
    echo hello >"$d/file"
    bctl bind "$n" "$d" /mnt/host --read-only --mkdir
    assert_eq hello "$(bctl exec "$n" -- cat /mnt/host/file)" "file read through the bind"
    expect_status 1 bctl exec "$n" -- /bin/sh -c 'echo x > /mnt/host/new 2>/dev/null || exit 1'
    # Not even the container's root can lift read-only: the flag is locked from the host.
    bctl exec "$n" -- /bin/sh -c 'mount -o remount,rw /mnt/host 2>/dev/null; echo y > /mnt/host/new2' 2>/dev/null || true
    [[ ! -e "$d/new" && ! -e "$d/new2" ]] || h_fail "a read-only bind was written through"
    bctl unbind "$n" /mnt/host
    expect_status 1 bctl exec "$n" -- test -e /mnt/host/file
    [[ -f "$d/file" ]] || h_fail "unbind touched the host directory"
}

test_bind_owners_plain_and_idmapped() {
    local n d e base
    _bind_container n bind-ids
    new_tmpdir d
    new_tmpdir e
    chmod 777 "$d"   # plain: the container's root is "other" here and needs write access to make a file
    echo root-owned >"$d/file"
    echo root-owned >"$e/file"
    base=$(prop "$n" IdMapBase)
    # Default: host ids as they are; host root is outside the container's range, so it is nobody inside.
    bctl bind "$n" "$d" /plain --mkdir
    assert_eq 65534 "$(bctl exec "$n" -- stat -c %u /plain/file)" "owner of a host root file (plain)"
    bctl exec "$n" -- /bin/sh -c 'echo from-container > /plain/made'
    assert_eq "$base" "$(stat -c %u "$d/made")" "host owner of a file the container's root made (plain)"
    # --idmap: host 0 is the container's root, and what it writes is host root's.
    bctl bind "$n" "$e" /mapped --mkdir --idmap
    assert_eq 0 "$(bctl exec "$n" -- stat -c %u /mapped/file)" "owner of a host root file (idmapped)"
    bctl exec "$n" -- /bin/sh -c 'echo from-container > /mapped/made'
    assert_eq 0 "$(stat -c %u "$e/made")" "host owner of a file the container's root made (idmapped)"
}

test_bind_symlink_escape_stays_inside() {
    local n d outside
    _bind_container n bind-esc
    new_tmpdir d
    new_tmpdir outside
    chmod 755 "$d"
    echo data >"$d/file"
    # A symlink in the container that names a host directory, and one that climbs: both resolve in the root.
    bctl exec "$n" -- mkdir -p "$outside"
    bctl exec "$n" -- ln -s "$outside" /esc
    bctl exec "$n" -- ln -s ../../../../../../.. /up
    bctl bind "$n" "$d" /esc/sub --mkdir
    bctl bind "$n" "$d" /up/tmp/climb --mkdir
    [[ ! -e "$outside/sub" ]] || h_fail "bind through a symlink created $outside/sub on the host"
    [[ ! -e /tmp/climb ]] || h_fail "bind through a climbing symlink reached the host's /tmp"
    assert_eq data "$(bctl exec "$n" -- cat "$outside/sub/file")" "bind landed inside the container"
    assert_eq data "$(bctl exec "$n" -- cat /tmp/climb/file)" "climbing bind landed inside the container"
    # Magic links (/proc/PID/root) are refused outright.
    expect_fail "" bctl bind "$n" "$d" /proc/1/root/x --mkdir
    expect_fail "absolute" bctl bind "$n" "$d" relative/path
    expect_fail ".." bctl bind "$n" "$d" /a/../b
    expect_fail "does not exist" bctl bind "$n" "$d" /no/such/dir
}

test_bind_persist() {
    local n d
    new_container n bind-persist
    new_tmpdir d
    chmod 755 "$d"
    echo kept >"$d/file"
    bctl create "$n" -- /bin/sh -c 'while :; do sleep 1; done'
    expect_fail "not running" bctl bind "$n" "$d" /data
    bctl bind "$n" "$d" /data --persist --mkdir --read-only
    assert_contains "$(prop "$n" Mounts)" "$d"
    grep -q "\[\[mounts\]\]" "$BERTH_STATE_DIR/containers/$n.toml" || h_fail "definition lacks [[mounts]]"
    bctl start "$n"
    assert_eq kept "$(bctl exec "$n" -- cat /data/file)" "persistent bind after start"
    expect_fail "already mounted" bctl bind "$n" "$d" /data --persist
    bctl terminate "$n"
    bctl start "$n"
    assert_eq kept "$(bctl exec "$n" -- cat /data/file)" "persistent bind after a restart"
    bctl unbind "$n" /data
    expect_status 1 bctl exec "$n" -- test -e /data/file
    assert_eq "" "$(prop "$n" Mounts)" "Mounts after unbind"
}

test_bind_status_lists_mounts() {
    local c d out
    new_tmpdir d
    new_container c bst
    bctl create "$c" -- /bin/sh -c 'while :; do sleep 1; done'
    bctl bind "$c" "$d" /srv/b --persist --read-only --mkdir
    out=$(bctl status "$c")
    assert_contains "$out" "Mount: /srv/b <- bind $d (ro)" "status lists the bind"
}
