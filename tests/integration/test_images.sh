# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# Images: the built-in busybox image, import of plain/gzip/xz/zstd tarballs made here from a small tree (with a
# file owned by uid 1000), containers from an imported image, and image removal.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

# _image_field NAME FIELD: a field of `image list --json` for one image.
_image_field() {
    bctl image list --json | jq -r --arg n "$1" --arg f "$2" '.[] | select(.name == $n) | .[$f]'
}

test_builtin_busybox_listed() {
    local json
    assert_contains "$(bctl image list)" busybox "berthctl image list"
    json=$(bctl image list --json | jq -c '.[] | select(.name == "busybox")')
    [[ -n "$json" ]] || h_fail "busybox missing from image list --json"
    assert_eq builtin "$(jq -r .origin <<<"$json")" "origin of busybox"
    [[ "$(jq -r .size <<<"$json")" -gt 0 ]] || h_fail "busybox has size $(jq -r .size <<<"$json")"
    [[ "$(jq -r .created <<<"$json")" -gt 0 ]] || h_fail "busybox has no creation time"
    assert_eq busybox "$(mgr_prop DefaultImage)" "Manager.DefaultImage"
    # ListImages on the bus agrees.
    bus --json=short call org.berth1 /org/berth1 org.berth1.Manager ListImages |
        jq -e '.data[0] | map(select(.[0] == "busybox" and .[1] == "builtin")) | length == 1' >/dev/null ||
        h_fail "ListImages does not list busybox as builtin"
}

# Import one tarball under a fresh name and check it from the listing and from a container.
_import_and_use() {   # TARBALL PREFIX
    local tarball=$1 img out
    new_image img "$2"
    out=$(bctl image import "$tarball" "$img")
    assert_contains "$(bctl image list)" "$img" "image list after importing $(basename "$tarball")"
    assert_eq import "$(_image_field "$img" origin)" "origin of $img"
    [[ "$(_image_field "$img" size)" -gt 1000000 ]] || h_fail "$img has size $(_image_field "$img" size)"
    [[ "$(_image_field "$img" created)" -gt 0 ]] || h_fail "$img has no creation time"
    # A container from it sees the file with its owner kept (1000 inside, through the id mapping).
    out=$(bctl run --rm --image "$img" -- /bin/sh -c 'cat /data/owned; stat -c "%u:%g" /data/owned')
    assert_eq "berth test image"$'\n'"1000:1000" "$out" "the imported file seen in a container from $img"
    # Images are stored unshifted: on disk the file still belongs to 1000.
    local f
    f=$(find "$BERTH_STATE_DIR" -path "*/images/$img/*" -name owned -type f 2>/dev/null | head -n 1)
    if [[ -n "$f" ]]; then
        assert_eq "1000:1000" "$(stat -c %u:%g "$f")" "on-disk owner of the file in image $img"
    fi
    bctl image remove "$img"
    assert_not_contains "$(bctl image list)" "$img" "image list after removing $img"
    [[ -z "$(find "$BERTH_STATE_DIR" -name "$img" 2>/dev/null)" ]] || h_fail "removing $img left files behind"
}

test_import_formats() {
    local d
    new_tmpdir d
    make_rootfs_tree "$d/tree"
    tar -C "$d/tree" --numeric-owner -cf "$d/root.tar" .
    tar -C "$d/tree" --numeric-owner -czf "$d/root.tar.gz" .
    tar -C "$d/tree" --numeric-owner -cJf "$d/root.tar.xz" .
    tar -C "$d/tree" --numeric-owner --zstd -cf "$d/root.tar.zst" .
    # The format comes from the content, not the file name.
    cp "$d/root.tar.xz" "$d/xz-without-suffix"
    _import_and_use "$d/root.tar" im-tar
    _import_and_use "$d/root.tar.gz" im-gz
    _import_and_use "$d/root.tar.xz" im-xz
    _import_and_use "$d/root.tar.zst" im-zst
    _import_and_use "$d/xz-without-suffix" im-nosuffix
}

test_container_from_imported_image() {
    local d img n
    new_tmpdir d
    new_image img im-use
    new_container n im-ctr
    make_rootfs_tree "$d/tree"
    tar -C "$d/tree" --numeric-owner -czf "$d/root.tar.gz" .
    bctl image import "$d/root.tar.gz" "$img"
    bctl create "$n" --image "$img" -- /bin/sleep 1000
    assert_eq "$img" "$(prop "$n" Image)" "Image of the container"
    bctl start "$n"
    assert_eq "berth test image" "$(bctl exec "$n" -- /bin/cat /data/owned)" "exec cat of the imported file"
    # Writes inside go to the container's own root, never to the image.
    bctl exec "$n" -- /bin/sh -c 'echo changed >/data/owned'
    assert_eq changed "$(bctl exec "$n" -- /bin/cat /data/owned)" "the file after writing it inside"
    assert_eq "berth test image" "$(bctl run --rm --image "$img" -- /bin/cat /data/owned)" \
        "the image after a container wrote to its copy"
    # Removing an image that containers were made from is refused, naming them; --force removes it and the
    # container keeps its own root.
    expect_fail "$n" bctl image remove "$img"
    image_exists "$img" || h_fail "a refused image remove removed $img"
    bctl image remove --force "$img"
    assert_eq changed "$(bctl exec "$n" -- /bin/cat /data/owned)" "the container after its image was removed"
    bctl terminate "$n"
    bctl start "$n"
    assert_eq running "$(prop "$n" State)" "restarting a container whose image was removed"
}

test_import_duplicate_and_remove_missing() {
    local d img
    new_tmpdir d
    new_image img im-dup
    make_rootfs_tree "$d/tree"
    tar -C "$d/tree" --numeric-owner -cf "$d/root.tar" .
    bctl image import "$d/root.tar" "$img"
    expect_fail "$img" bctl image import "$d/root.tar" "$img"
    expect_fail busybox bctl image import "$d/root.tar" busybox
    assert_eq builtin "$(_image_field busybox origin)" "busybox after a refused import over it"
    bctl image remove "$img"
    expect_fail "$img" bctl image remove "$img"
    expect_bus_error NoSuchImage call org.berth1 /org/berth1 org.berth1.Manager RemoveImage sb "$img" false
}

test_import_from_stdin_or_pipe() {
    local d img
    new_tmpdir d
    new_image img im-pipe
    make_rootfs_tree "$d/tree"
    # The daemon reads from the fd it is given: a pipe (not seekable, size unknown) works as well as a file.
    tar -C "$d/tree" --numeric-owner -cz . | bctl image import /dev/stdin "$img"
    assert_eq import "$(_image_field "$img" origin)" "image imported from a pipe"
    assert_eq "berth test image" "$(bctl run --rm --image "$img" -- /bin/cat /data/owned)" "content of $img"
}
