# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# export/import of containers and volumes: export -> remove -> import gives back the same files, owners, modes and
# config; formats by name; a corrupt or truncated archive leaves nothing behind; running containers refused.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

# Host path of a container's root (in any pool).
_root_of() {
    find "$BERTH_STATE_DIR/pools" -maxdepth 4 -path "*/containers/$1/rootfs" -type d | head -n 1
}

# Listing of a tree: path, owner, group, mode, size and link target, sorted.
_listing() {
    (cd "$1" && find . -xdev -printf '%p %U %G %m %s %l\n' | sort)
}

_export_container() {   # VAR PREFIX: a stopped container with files of several owners and kinds
    new_container "$1" "$2"
    bctl create "${!1}" --memory 64M --env GREETING=hello -- /bin/sh -c 'while :; do sleep 1; done'
    bctl start "${!1}"
    bctl exec "${!1}" -- /bin/sh -c '
        mkdir -p /home/user && echo data > /home/user/file && chown -R 1000:1001 /home/user
        chmod 4750 /home/user/file; ln -s /home/user/file /link; ln /home/user/file /hard
        dd if=/dev/urandom of=/blob bs=64k count=4 2>/dev/null'
    bctl terminate "${!1}"
}

test_export_import_roundtrip() {
    local n d before after cmd_before
    _export_container n exp
    new_tmpdir d
    before=$(_listing "$(_root_of "$n")")
    cmd_before=$(prop "$n" Command)
    bctl export "$n" "$d/c.tar.zst"
    [[ -s "$d/c.tar.zst" ]] || h_fail "empty archive"
    zstd -dc "$d/c.tar.zst" | tar -t >"$d/list"
    [[ "$(head -n 1 "$d/list")" == berth/definition.toml ]] || h_fail "the definition is not the archive's first entry"
    bctl remove "$n"
    bctl import "$d/c.tar.zst"
    container_exists "$n" || h_fail "import did not recreate $n"
    after=$(_listing "$(_root_of "$n")")
    assert_eq "$before" "$after" "files, owners and modes after export -> remove -> import"
    assert_eq "$cmd_before" "$(prop "$n" Command)" "Command"
    assert_eq $((64 * 1024 * 1024)) "$(prop "$n" MemoryMax)" "MemoryMax"
    grep -q 'GREETING=hello' "$BERTH_STATE_DIR/containers/$n.toml" || h_fail "environment lost"
    bctl start "$n"
    assert_eq data "$(bctl exec "$n" -- cat /link)" "symlink inside the imported container"
    assert_eq "1000 1001" "$(bctl exec "$n" -- stat -c '%u %g' /hard)" "owner inside the imported container"
}

test_export_running_refused_and_formats() {
    local n d copy f
    _export_container n expf
    new_tmpdir d
    bctl start "$n"
    expect_fail "stop it" bctl export "$n" "$d/x.tar"
    [[ ! -e "$d/x.tar" ]] || h_fail "a refused export left its file"
    bctl terminate "$n"
    for f in tar tar.gz tar.xz; do
        bctl export "$n" "$d/c.$f"
        new_container copy "imp${f//./}"
        bctl import "$d/c.$f" "$copy"
        assert_eq "$(_listing "$(_root_of "$n")")" "$(_listing "$(_root_of "$copy")")" "tree of the $f import"
    done
    gzip -t "$d/c.tar.gz" || h_fail "c.tar.gz is not gzip"
    xz -t "$d/c.tar.xz" || h_fail "c.tar.xz is not xz"
    bctl export "$n" - --format tar >"$d/stdout.tar"
    tar -tf "$d/stdout.tar" >"$d/list"
    grep -qx 'rootfs/home/user/file' "$d/list" || h_fail "export to stdout"
    expect_fail "already exists" bctl import "$d/c.tar" "$n"
}

test_import_corrupt_leaves_nothing() {
    local n d bad
    _export_container n expc
    new_tmpdir d
    bctl export "$n" "$d/c.tar" --format tar
    new_container bad impbad
    head -c $(($(stat -c %s "$d/c.tar") / 2)) "$d/c.tar" >"$d/half.tar"
    expect_fail "" bctl import "$d/half.tar" "$bad"
    ! container_exists "$bad" || h_fail "a truncated import made a container"
    [[ -z "$(_root_of "$bad")" ]] || h_fail "a truncated import left a root"
    head -c 100000 /dev/urandom >"$d/garbage"
    expect_fail "" bctl import "$d/garbage" "$bad"
    ! container_exists "$bad" || h_fail "garbage made a container"
    # A plain root tarball is not an export.
    tar -C "$(_root_of "$n")" -cf "$d/plain.tar" .
    expect_fail "not a berth export" bctl import "$d/plain.tar" "$bad"
    [[ -z "$(_root_of "$bad")" ]] || h_fail "a refused import left a root"
}

test_volume_export_import() {
    local c d v w p path
    p=default
    v="$p/ve$BASHPID$RANDOM"
    w="$p/vi$BASHPID$RANDOM"
    on_exit bctl volume remove "$v"
    on_exit bctl volume remove "$w"
    new_tmpdir d
    bctl volume create "$v"
    new_container c volexp
    bctl create "$c" -- /bin/sh -c 'while :; do sleep 1; done'
    bctl volume attach "$c" "$v" /v --mkdir
    bctl start "$c"
    bctl exec "$c" -- /bin/sh -c 'echo vol > /v/f; mkdir /v/d; chown 7:8 /v/d'
    bctl remove --force "$c"
    bctl volume export "$v" "$d/v.tar.zst"
    bctl volume import "$d/v.tar.zst" "$w"
    path=$(bus --json=short get-property org.berth1 "/org/berth1/volume/$p/${w#*/}" org.berth1.Volume Path | jq -r .data)
    assert_eq vol "$(cat "$path/f")" "volume data after import"
    assert_eq "7 8" "$(stat -c '%u %g' "$path/d")" "owner in the imported volume"
    expect_fail "already exists" bctl volume import "$d/v.tar.zst" "$w"
    expect_fail "not a berth export" bctl import "$d/v.tar.zst"
}

test_import_pool_full_leaves_nothing() {
    local n d p bad
    new_tmpdir d
    p="ef$BASHPID$RANDOM"
    on_exit bctl pool remove "$p"
    bctl pool create "$p" --driver btrfs --size 160M
    new_container n expfull
    bctl create "$n" -- /bin/sh -c 'while :; do sleep 1; done'
    bctl start "$n"
    bctl exec "$n" -- /bin/sh -c 'dd if=/dev/urandom of=/big bs=1M count=200 2>/dev/null'
    bctl terminate "$n"
    bctl export "$n" "$d/big.tar" --format tar
    new_container bad impfull
    expect_fail "no space left" bctl import "$d/big.tar" "$bad" --pool "$p"
    ! container_exists "$bad" || h_fail "an import into a full pool made a container"
    [[ -z "$(_root_of "$bad")" ]] || h_fail "an import into a full pool left a root"
    expect_fail "" bctl import "$d/big.tar" "$bad" --pool "nopool$RANDOM"
}

test_volume_import_keeps_size() {
    local d p v w x size
    new_tmpdir d
    p="es$BASHPID$RANDOM"
    on_exit bctl pool remove "$p"
    bctl pool create "$p" --driver btrfs --size 256M
    v="$p/sized"
    w="$p/again"
    x="default/nosize$BASHPID$RANDOM"
    on_exit bctl volume remove "$x"
    bctl volume create "$v" --size 16M
    bctl volume export "$v" "$d/v.tar"
    tar -xOf "$d/v.tar" berth/volume.toml | grep -q "^size = $((16 * 1024 * 1024))$" || h_fail "size not recorded"
    bctl volume import "$d/v.tar" "$w"
    size=$(bctl volume list --json | jq -r --arg p "$p" '.[] | select(.pool == $p and .name == "again") | .size')
    assert_eq $((16 * 1024 * 1024)) "$size" "size limit of the imported volume"
    # The default pool (dir) cannot limit sizes: refused, nothing made, unless --ignore-size.
    expect_fail "cannot limit a volume's size" bctl volume import "$d/v.tar" "$x"
    ! bctl volume list --json | jq -e --arg n "${x#*/}" '.[] | select(.name == $n)' >/dev/null ||
        h_fail "a refused import left a volume"
    bctl volume import --ignore-size "$d/v.tar" "$x"
    size=$(bctl volume list --json | jq -r --arg n "${x#*/}" '.[] | select(.pool == "default" and .name == $n) | .size')
    assert_eq 0 "$size" "size of a volume imported with --ignore-size"
}

test_export_import_snapshots() {
    local n d
    _export_container n exps
    new_tmpdir d
    bctl start "$n"
    bctl exec "$n" -- /bin/sh -c 'echo one > /state'
    bctl terminate "$n"
    bctl snapshot create "$n" first
    bctl start "$n"
    bctl exec "$n" -- /bin/sh -c 'echo two > /state; echo new > /later'
    bctl terminate "$n"
    bctl snapshot create "$n" second
    bctl start "$n"
    bctl exec "$n" -- /bin/sh -c 'echo three > /state'
    bctl terminate "$n"
    bctl export "$n" "$d/plain.tar" --format tar
    tar -tf "$d/plain.tar" | grep -q '^snapshots/' && h_fail "snapshots exported without --snapshots"
    bctl export "$n" "$d/s.tar.zst" --snapshots
    bctl remove "$n"
    bctl import "$d/s.tar.zst"
    assert_eq "first second" "$(bctl snapshot list "$n" --json | jq -r '[.[].name] | join(" ")')" "snapshots after import"
    assert_eq three "$(cat "$(_root_of "$n")/state")" "root after import"
    bctl snapshot restore "$n" first
    assert_eq one "$(cat "$(_root_of "$n")/state")" "root after restoring snapshot first"
    [[ ! -e "$(_root_of "$n")/later" ]] || h_fail "snapshot first has a file made after it"
    bctl snapshot restore "$n" second
    assert_eq two "$(cat "$(_root_of "$n")/state")" "root after restoring snapshot second"
    assert_eq "1000 1001" "$(stat -c '%u %g' "$(_root_of "$n")/home/user/file")" "owner in a restored snapshot"
}
