# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# copy-to / copy-from: files and trees, running and stopped containers, ownership through the container's id
# range both ways, and symlinks in the container that try to lead out of it (they must never reach the host).
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

_copy_running() {   # VAR PREFIX: a running busybox container
    new_container "$1" "$2"
    bctl create "${!1}"
    bctl start "${!1}"
}

# The host's view of a path in a running container (through its leader's root): uid:gid as the host sees them.
_host_owner() {   # NAME PATH
    stat -c '%u:%g' "/proc/$(prop "$1" Leader)/root$2"
}

test_copy_to_tree_owned_by_container_root() {
    local c tmp base
    _copy_running c cp-to
    new_tmpdir tmp
    mkdir -p "$tmp/tree/sub"
    echo hello >"$tmp/tree/a.txt"
    printf 'x%.0s' {1..70000} >"$tmp/tree/sub/big"
    chmod 640 "$tmp/tree/a.txt"
    chmod 750 "$tmp/tree/sub"
    ln -s a.txt "$tmp/tree/link"
    chown 1234:1234 "$tmp/tree/a.txt"
    bctl copy-to "$c" "$tmp/tree" /tmp
    assert_eq hello "$(bctl exec "$c" -- cat /tmp/tree/a.txt)" "copied file content"
    assert_eq 70000 "$(bctl exec "$c" -- wc -c /tmp/tree/sub/big | awk '{print $1}')" "size of a big file"
    assert_eq "0:0 640" "$(bctl exec "$c" -- stat -c '%u:%g %a' /tmp/tree/a.txt)" "owner and mode inside"
    assert_eq 750 "$(bctl exec "$c" -- stat -c '%a' /tmp/tree/sub)" "directory mode inside"
    assert_eq a.txt "$(bctl exec "$c" -- readlink /tmp/tree/link)" "symlink copied as a symlink"
    base=$(prop "$c" IdMapBase)
    assert_eq "$base:$base" "$(_host_owner "$c" /tmp/tree/a.txt)" "host view: the container's root id"
    # A new name when PATH does not exist; --keep-ids keeps the numeric owner inside.
    bctl copy-to --keep-ids "$c" "$tmp/tree/a.txt" /tmp/renamed
    assert_eq "1234:1234" "$(bctl exec "$c" -- stat -c '%u:%g' /tmp/renamed)" "--keep-ids owner inside"
    assert_eq "$((base + 1234)):$((base + 1234))" "$(_host_owner "$c" /tmp/renamed)" "--keep-ids host view"
}

test_copy_to_sees_the_containers_mounts() {
    local c tmp
    _copy_running c cp-mnt
    new_tmpdir tmp
    echo inside-mount >"$tmp/f"
    bctl exec "$c" -- /bin/sh -c 'mkdir -p /mnt/t && mount -t tmpfs none /mnt/t'
    bctl copy-to "$c" "$tmp/f" /mnt/t/f
    assert_eq inside-mount "$(bctl exec "$c" -- cat /mnt/t/f)" "file on the container's own tmpfs"
}

test_copy_to_stopped_container() {
    local c tmp
    new_container c cp-stopped
    bctl create "$c"
    new_tmpdir tmp
    echo cold >"$tmp/cold"
    bctl copy-to "$c" "$tmp/cold" /root/cold
    bctl start "$c"
    assert_eq cold "$(bctl exec "$c" -- cat /root/cold)" "file copied while stopped"
    assert_eq "0:0" "$(bctl exec "$c" -- stat -c '%u:%g' /root/cold)" "owner of a file copied while stopped"
    bctl poweroff "$c"
    wait_state "$c" stopped 15
    new_tmpdir out
    bctl copy-from "$c" /root/cold "$out/back"
    assert_eq cold "$(cat "$out/back")" "copy-from a stopped container"
}

test_copy_from_owned_by_caller_or_kept() {
    local c tmp
    _copy_running c cp-from
    new_tmpdir tmp
    bctl exec "$c" -- /bin/sh -c 'mkdir -p /srv/d/e && echo one >/srv/d/one && echo two >/srv/d/e/two &&
        chown 1000:1001 /srv/d/one && chmod 604 /srv/d/one && ln -s /etc/passwd /srv/d/pw'
    bctl copy-from "$c" /srv/d "$tmp"
    assert_eq one "$(cat "$tmp/d/one")" "file of a copied tree"
    assert_eq two "$(cat "$tmp/d/e/two")" "nested file of a copied tree"
    assert_eq "0:0 604" "$(stat -c '%u:%g %a' "$tmp/d/one")" "owned by the caller, mode kept"
    [[ -L "$tmp/d/pw" ]] || h_fail "a symlink in the tree must stay a symlink"
    assert_eq /etc/passwd "$(readlink "$tmp/d/pw")" "symlink target kept as text"
    bctl copy-from --keep-ids "$c" /srv/d/one "$tmp/kept"
    assert_eq "1000:1001" "$(stat -c '%u:%g' "$tmp/kept")" "--keep-ids: the container's numeric ids"
}

test_copy_symlink_escapes_fail() {
    local c tmp out
    _copy_running c cp-esc
    new_tmpdir tmp
    new_tmpdir out
    echo secret >"$tmp/secret"
    mkdir "$tmp/victim"
    echo payload >"$tmp/payload"
    # Links that would lead to host files if they were followed on the host.
    bctl exec "$c" -- /bin/sh -c "ln -s $tmp/secret /tmp/abs && ln -s ../../../../../../$tmp/secret /tmp/rel &&
        ln -s /etc/shadow /tmp/shadow && ln -s $tmp/victim /tmp/dirlink && ln -s /proc/1/root /tmp/magic &&
        ln -s $tmp/victim/planted /tmp/final"
    bctl exec "$c" -- rm -f /etc/shadow
    # copy-from through them: nothing of the host comes out.
    local p
    for p in /tmp/abs /tmp/rel /tmp/shadow; do
        expect_fail "" bctl copy-from "$c" "$p" "$out/got"
        [[ ! -e "$out/got" ]] || h_fail "copy-from $p produced $(cat "$out/got")"
    done
    expect_fail "" bctl copy-from "$c" /tmp/magic/etc/hostname "$out/got"
    [[ ! -e "$out/got" ]] || h_fail "copy-from through a magic link produced a file"
    # copy-to through them: nothing on the host is written.
    expect_fail "" bctl copy-to "$c" "$tmp/payload" /tmp/dirlink/x
    expect_fail "" bctl copy-to "$c" "$tmp/payload" /tmp/magic/x
    [[ -z "$(ls -A "$tmp/victim")" ]] || h_fail "copy-to wrote into the host directory"
    # A symlink as the last component is replaced inside the container, never written through.
    bctl copy-to "$c" "$tmp/payload" /tmp/final
    [[ ! -e "$tmp/victim/planted" ]] || h_fail "copy-to followed a symlink to the host"
    assert_eq payload "$(bctl exec "$c" -- cat /tmp/final)" "the link was replaced by the file"
    assert_eq secret "$(cat "$tmp/secret")" "host file untouched"
}

test_copy_bad_arguments() {
    local c tmp
    _copy_running c cp-bad
    new_tmpdir tmp
    echo x >"$tmp/x"
    expect_fail "absolute" bctl copy-to "$c" "$tmp/x" relative/path
    expect_fail "does not exist" bctl copy-to "$c" "$tmp/x" /no/such/dir/x
    expect_fail "no container" bctl copy-to "nosuch-$RANDOM" "$tmp/x" /tmp/x
    expect_fail "no such file" bctl copy-from "$c" /no/such/file "$tmp/y"
    expect_fail "" bctl copy-to "$c" "$tmp/missing" /tmp/x
}
