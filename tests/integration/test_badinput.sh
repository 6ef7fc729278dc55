# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# Bad input gets a clear, typed error and changes nothing: names, settings, limits, states, unknown objects,
# broken tarballs. Errors are checked twice: berthctl must fail with a message on stderr, and the bus call must
# answer the right org.berth1.Error.* name.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

# What a failed call must not change: defined containers, images, the daemon's files and its mounts.
_snapshot() {
    local pid
    echo "containers: $(all_container_names | tr '\n' ' ')"
    echo "images: $(image_names | tr '\n' ' ')"
    find "$BERTH_STATE_DIR" "$BERTH_RUNTIME_DIR" -maxdepth 4 2>/dev/null | sort
    pid=$(systemctl show -p MainPID --value berthd.service)
    [[ "$pid" == 0 ]] || echo "berthd mounts: $(wc -l <"/proc/$pid/mountinfo")"
}

_assert_unchanged() {   # BEFORE WHAT
    local after
    after=$(_snapshot)
    [[ "$1" == "$after" ]] || h_fail "$2 changed state:
$(diff <(echo "$1") <(echo "$after"))"
}

test_invalid_names() {
    local before bad long
    long=$(printf 'n%.0s' {1..64})
    before=$(_snapshot)
    for bad in "" "-x" "a/b" "../x" "a..b" ".x" "a b" "$long"; do
        expect_fail "" bctl create "$bad"
        expect_bus_error InvalidArgument call org.berth1 /org/berth1 org.berth1.Manager CreateContainer 'sa{sv}' \
            "$bad" 0
    done
    _assert_unchanged "$before" "creating containers with invalid names"
}

test_longest_name_is_valid() {
    local n suffix
    # 63 characters is the limit: allowed, and it works end to end.
    suffix=-$BASHPID-$RANDOM
    n=$(printf 'm%.0s' {1..63})
    n=${n:0:$((63 - ${#suffix}))}$suffix
    assert_eq 63 "${#n}" "length of the test name"
    track_container "$n"
    bctl create "$n"
    bctl start "$n"
    assert_eq running "$(prop "$n" State)" "State of a container with a 63-character name"
    bctl remove --force "$n"
    assert_no_trace "$n"
}

test_duplicate_name() {
    local n before
    new_container n bi-dup
    bctl create "$n" --memory 64M
    before=$(_snapshot)
    expect_fail "$n" bctl create "$n"
    expect_bus_error AlreadyExists call org.berth1 /org/berth1 org.berth1.Manager CreateContainer 'sa{sv}' "$n" 0
    _assert_unchanged "$before" "a duplicate create"
    assert_eq 67108864 "$(prop "$n" MemoryMax)" "the first container's settings after a duplicate create"
}

test_unknown_and_bad_image() {
    local n before img
    new_container n bi-img
    before=$(_snapshot)
    expect_fail no-such-image-x bctl create "$n" --image no-such-image-x
    expect_bus_error NoSuchImage call org.berth1 /org/berth1 org.berth1.Manager CreateContainer 'sa{sv}' "$n" 1 \
        Image s no-such-image-x
    for img in "../busybox" "busybox/../busybox" "/busybox" "a..b"; do
        expect_fail "" bctl create "$n" --image "$img"
        expect_bus_error InvalidArgument call org.berth1 /org/berth1 org.berth1.Manager CreateContainer 'sa{sv}' \
            "$n" 1 Image s "$img"
    done
    _assert_unchanged "$before" "creating from bad images"
    assert_no_trace "$n"
}

test_unknown_and_mistyped_settings() {
    local n before
    new_container n bi-set
    before=$(_snapshot)
    expect_bus_error InvalidArgument call org.berth1 /org/berth1 org.berth1.Manager CreateContainer 'sa{sv}' "$n" 1 \
        Foo s bar
    # Right key, wrong D-Bus type.
    expect_bus_error InvalidArgument call org.berth1 /org/berth1 org.berth1.Manager CreateContainer 'sa{sv}' "$n" 1 \
        MemoryMax s 64M
    # Boot and a Command contradict each other.
    expect_bus_error InvalidArgument call org.berth1 /org/berth1 org.berth1.Manager CreateContainer 'sa{sv}' "$n" 2 \
        Boot b true Command as 1 /bin/true
    expect_bus_error InvalidArgument call org.berth1 /org/berth1 org.berth1.Manager CreateContainer 'sa{sv}' "$n" 1 \
        Environment as 1 NOEQUALSSIGN
    _assert_unchanged "$before" "creates with unknown or mistyped settings"
    assert_no_trace "$n"
}

test_bad_limits() {
    local n before args
    new_container n bi-lim
    before=$(_snapshot)
    for args in "--memory -5" "--memory 1K" "--memory lots" "--cpus 99999" "--cpus -1" "--tasks 0" "--tasks -3"; do
        # shellcheck disable=SC2086 # the option and its value are two words
        expect_fail "" bctl create "$n" $args
    done
    expect_bus_error InvalidArgument call org.berth1 /org/berth1 org.berth1.Manager CreateContainer 'sa{sv}' "$n" 1 \
        MemoryMax t 1024
    expect_bus_error InvalidArgument call org.berth1 /org/berth1 org.berth1.Manager CreateContainer 'sa{sv}' "$n" 1 \
        CPUs d 99999
    expect_bus_error InvalidArgument call org.berth1 /org/berth1 org.berth1.Manager CreateContainer 'sa{sv}' "$n" 1 \
        CPUs d -1
    expect_bus_error InvalidArgument call org.berth1 /org/berth1 org.berth1.Manager CreateContainer 'sa{sv}' "$n" 1 \
        TasksMax t 0
    expect_bus_error InvalidArgument call org.berth1 /org/berth1 org.berth1.Manager CreateContainer 'sa{sv}' "$n" 1 \
        CPUWeight t 20000
    _assert_unchanged "$before" "creates with bad limits"
    assert_no_trace "$n"
}

test_bad_set_limits() {
    local n obj
    new_container n bi-setlim
    bctl create "$n" --memory 64M --tasks 32
    bctl start "$n"
    obj=$(obj_of "$n")
    expect_fail "" bctl set-limits "$n" --memory 1K
    expect_fail "" bctl set-limits "$n" --tasks 0
    expect_fail "" bctl set-limits "$n"
    expect_bus_error InvalidArgument call org.berth1 "$obj" org.berth1.Container SetLimits 'a{sv}' 1 Foo t 1
    expect_bus_error InvalidArgument call org.berth1 "$obj" org.berth1.Container SetLimits 'a{sv}' 1 Image s busybox
    expect_bus_error InvalidArgument call org.berth1 "$obj" org.berth1.Container SetLimits 'a{sv}' 0
    # A refused change changes nothing, not even a part of it.
    expect_bus_error InvalidArgument call org.berth1 "$obj" org.berth1.Container SetLimits 'a{sv}' 2 \
        TasksMax t 50 MemoryMax t 1
    assert_eq 67108864 "$(prop "$n" MemoryMax)" "MemoryMax after refused set-limits"
    assert_eq 32 "$(prop "$n" TasksMax)" "TasksMax after refused set-limits"
    assert_eq 32 "$(systemctl show -p TasksMax --value "berth-$n.scope")" "scope TasksMax after refused set-limits"
}

test_wrong_states() {
    local n leader
    new_container n bi-state
    bctl create "$n"
    bctl start "$n"
    leader=$(prop "$n" Leader)
    # Starting a running container, removing one without --force.
    expect_fail "" bctl start "$n"
    expect_bus_error InvalidState call org.berth1 /org/berth1 org.berth1.Manager StartContainer s "$n"
    expect_fail "" bctl remove "$n"
    expect_bus_error InvalidState call org.berth1 /org/berth1 org.berth1.Manager RemoveContainer sb "$n" false
    assert_eq running "$(prop "$n" State)" "State after refused start/remove"
    assert_eq "$leader" "$(prop "$n" Leader)" "Leader after refused start/remove"
    # Bad kill arguments.
    expect_fail "" bctl kill "$n" --signal NOSUCHSIG
    expect_fail "" bctl kill "$n" --signal KILL --kill-whom nobody
    expect_bus_error InvalidArgument call org.berth1 /org/berth1 org.berth1.Manager KillContainer ssi "$n" bogus 9
    expect_bus_error InvalidArgument call org.berth1 /org/berth1 org.berth1.Manager KillContainer ssi "$n" leader 0
    expect_bus_error InvalidArgument call org.berth1 /org/berth1 org.berth1.Manager KillContainer ssi "$n" leader 65
    assert_eq running "$(prop "$n" State)" "State after refused kills"
}

test_unknown_container_every_verb() {
    local n m
    new_container n bi-ghost
    expect_fail "$n" bctl start "$n"
    expect_fail "$n" bctl poweroff "$n"
    expect_fail "$n" bctl stop "$n"
    expect_fail "$n" bctl reboot "$n"
    expect_fail "$n" bctl terminate "$n"
    expect_fail "$n" bctl kill "$n"
    expect_fail "$n" bctl kill "$n" --signal KILL
    expect_fail "$n" bctl remove "$n"
    expect_fail "$n" bctl rm "$n"
    expect_fail "$n" bctl remove --force "$n"
    expect_fail "$n" bctl status "$n"
    expect_fail "$n" bctl status "$n" --json
    expect_fail "$n" bctl set-limits "$n" --tasks 10
    expect_fail "$n" bctl exec "$n" -- /bin/true
    expect_bus_error NoSuchContainer call org.berth1 /org/berth1 org.berth1.Manager GetContainer s "$n"
    for m in StartContainer PowerOffContainer RebootContainer TerminateContainer; do
        expect_bus_error NoSuchContainer call org.berth1 /org/berth1 org.berth1.Manager "$m" s "$n"
    done
    expect_bus_error NoSuchContainer call org.berth1 /org/berth1 org.berth1.Manager KillContainer ssi "$n" leader 9
    expect_bus_error NoSuchContainer call org.berth1 /org/berth1 org.berth1.Manager RemoveContainer sb "$n" true
    assert_no_trace "$n"
}

test_bad_tarballs() {
    local d img before
    new_tmpdir d
    new_image img bi-tar
    make_rootfs_tree "$d/tree"
    tar -C "$d/tree" --numeric-owner -czf "$d/good.tar.gz" .
    tar -C "$d/tree" --numeric-owner -cf "$d/good.tar" .
    head -c 200000 /dev/urandom >"$d/random.tar"
    head -c "$(($(stat -c %s "$d/good.tar.gz") / 2))" "$d/good.tar.gz" >"$d/truncated.tar.gz"
    head -c "$(($(stat -c %s "$d/good.tar") / 2))" "$d/good.tar" >"$d/truncated.tar"
    # A member that climbs out of the tree.
    mkdir -p "$d/evil/sub"
    echo escaped >"$d/evil/escape-$img"
    tar -C "$d/evil/sub" -cPf "$d/dotdot.tar" "../escape-$img"
    before=$(_snapshot)
    local f
    for f in random.tar truncated.tar.gz truncated.tar dotdot.tar; do
        expect_fail "" bctl image import "$d/$f" "$img"
        _assert_unchanged "$before" "importing $f"
        [[ -z "$(find "$BERTH_STATE_DIR" -name "*$img*" 2>/dev/null)" ]] ||
            h_fail "importing $f left files behind: $(find "$BERTH_STATE_DIR" -name "*$img*")"
        [[ -z "$(find "$BERTH_STATE_DIR" -name "escape-$img" 2>/dev/null)" ]] || h_fail "$f wrote outside its tree"
    done
    # Bad image names and a missing file are refused before anything is read.
    expect_fail "" bctl image import "$d/good.tar.gz" "../$img"
    expect_fail "" bctl image import "$d/good.tar.gz" "a/b"
    expect_fail "no-such-file" bctl image import "$d/no-such-file.tar" "$img"
    expect_fail "" bctl image remove "../busybox"
    _assert_unchanged "$before" "imports with bad names"
}

test_failed_start_leaves_nothing() {
    local n rc=0 pid
    new_container n bi-failstart
    bctl create "$n" -- /no/such/init
    # Either the start fails, or PID 1 cannot exec and exits 127 at once; both end stopped and clean.
    bctl start "$n" >/dev/null 2>&1 || rc=$?
    wait_state "$n" stopped 10
    ((rc != 0)) || assert_eq 127 "$(prop "$n" ExitStatus)" "ExitStatus of a container whose init does not exist"
    wait_until 5 scope_gone "$n" || h_fail "scope of $n left running after a failed start"
    pid=$(systemctl show -p MainPID --value berthd.service)
    ! grep -qF "$n" "/proc/$pid/mountinfo" || h_fail "mounts of $n left in berthd after a failed start"
    ! grep -qF "$n" /proc/self/mountinfo || h_fail "mounts of $n left after a failed start"
    # The definition is intact and can be removed cleanly.
    bctl remove "$n"
    assert_no_trace "$n"
}

test_failed_creates_hold_no_id_range() {
    local p q base
    new_container p bi-rangep
    new_container q bi-rangeq
    bctl create "$p"
    bctl start "$p"
    base=$(prop "$p" IdMapBase)
    bctl remove --force "$p"
    # Failed creates of every kind, and a failed start...
    ! bctl create "$q" --image no-such-image-x 2>/dev/null || h_fail "create from a missing image succeeded"
    ! bctl create "$q" --memory 1K 2>/dev/null || h_fail "create with --memory 1K succeeded"
    ! bus call org.berth1 /org/berth1 org.berth1.Manager CreateContainer 'sa{sv}' "$q" 1 Foo s bar 2>/dev/null ||
        h_fail "create with an unknown setting succeeded"
    # ...must not hold a range: ranges come lowest first (core/idmap_allocator.h), so the next container gets
    # exactly the range the removed one gave back.
    bctl create "$q"
    bctl start "$q"
    assert_eq "$base" "$(prop "$q" IdMapBase)" "IdMapBase after failed creates (a leaked range shifts it)"
}
