# shellcheck shell=bash
# What the start and exec fast paths must not break: exec addresses the container's object by its path (no
# GetContainer first) and still names a missing container; exec'd commands still get the container's cgroup,
# capabilities and seccomp filter (compiled once per supervisor); run --rm answers before its clean-up and still
# leaves nothing; berthctl loads libarchive only for copy-to/copy-from.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

test_exec_by_path_names_missing_container() {
    local n
    new_container n lat-missing
    expect_fail "$n" bctl exec "$n" -- /bin/true
    assert_contains "${H_STDERR,,}" "no container" "error for exec into a missing container"
    # A name berthd would refuse: the daemon's own message, not a bus error about object paths.
    expect_fail "container name" bctl exec "bad..name" -- /bin/true
}

test_exec_keeps_cgroup_caps_and_seccomp() {
    local n out
    new_container n lat-exec
    bctl create "$n" --ephemeral --boot
    bctl start "$n"
    # The cgroup namespace is rooted at the container's payload cgroup, where the exec'd command is born.
    out=$(bctl exec "$n" -- /bin/cat /proc/self/cgroup)
    [[ $(grep '^0::' <<<"$out") == "0::/" ]] || h_fail "exec'd command outside the payload cgroup: $out"
    # The seccomp filter (loaded from the supervisor's compiled copy) and the capability bounding set apply.
    out=$(bctl exec "$n" -- /bin/sh -c 'grep -E "^(Seccomp|CapBnd):" /proc/self/status')
    assert_contains "$out" "Seccomp:"$'\t'"2" "seccomp filter mode of an exec'd command"
    assert_not_contains "$out" "CapBnd:"$'\t'"000001ffffffffff" "full capability bounding set"
    out=$(bctl exec "$n" -- /bin/sh -c 'swapoff /nonexistent 2>&1; echo rc=$?')
    assert_contains "$out" "not permitted" "swapoff denied by the filter"
    # Many execs in a row each load the same filter.
    for _ in 1 2 3 4 5; do
        bctl exec "$n" -- /bin/true || h_fail "exec failed in a loop"
    done
}

test_run_rm_replies_then_cleans_up() {
    local n rc=0
    new_container n lat-rm
    bctl run --rm --name "$n" -- /bin/sh -c 'exit 6' || rc=$?
    assert_eq 6 "$rc" "exit status of run --rm"
    # The clean-up follows the reply in the same turn of berthd's loop: the next call never sees the container.
    container_exists "$n" && h_fail "run --rm: $n still listed after the reply"
    assert_no_trace "$n"
}

test_berthctl_does_not_link_libarchive() {
    local libs
    libs=$(ldd "$(command -v "$BERTHCTL")") || h_fail "ldd $BERTHCTL failed"
    assert_not_contains "$libs" libarchive "berthctl's linked libraries"
    assert_not_contains "$libs" libxml2 "berthctl's linked libraries"
}
