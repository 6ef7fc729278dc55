# shellcheck shell=bash
# Helpers shared by the issue-2 integration tests (tests/integration/test_*.sh), sourced after lib.sh.
#
# They run inside the private systemd test host (tests/testhost/testhost), as root, next to berthd. Every test
# creates uniquely named objects through new_container/new_image/new_tmpdir; those are removed when the test's
# subshell exits, pass or fail (see h_cleanup). Nothing here touches objects a test did not create.

: "${BERTHCTL:=berthctl}"
: "${BERTH_CMD_TIMEOUT:=60}"   # seconds before a hung berthctl/busctl call is killed, so the suite cannot hang
: "${BERTH_CONFIG:=/etc/berth/berthd.toml}"

# ---------------------------------------------------------------------------------------------------------------
# Failing and asserting. lib.sh provides assert_eq/assert_contains/assert_not_contains; the fallbacks below only
# exist so that a file can be sourced on its own (bash -n, or a quick run by hand).

# h_fail MESSAGE: end the test as failed, naming the test file's line that called into these helpers.
h_fail() {
    local i where=""
    for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
        case "${BASH_SOURCE[$i]##*/}" in
            helpers.sh | lib.sh) ;;
            *) where="${BASH_SOURCE[$i]##*/}:${BASH_LINENO[$((i - 1))]}"; break ;;
        esac
    done
    echo "assertion failed at ${where:-?}: $*" >&2
    exit 1
}

# h_skip MESSAGE: note that one check of a test was skipped (the test goes on).
h_skip() {
    echo "skipped check: $*" >&2
}

if ! declare -F assert_eq >/dev/null; then
    assert_eq() {   # EXPECTED ACTUAL [WHAT]
        [[ "$1" == "$2" ]] || h_fail "${3:-value}: expected '$1', got '$2'"
    }
fi
if ! declare -F assert_contains >/dev/null; then
    assert_contains() {   # HAYSTACK NEEDLE [WHAT]
        [[ "$1" == *"$2"* ]] || h_fail "${3:-output}: expected to contain '$2', got: $1"
    }
fi
if ! declare -F assert_not_contains >/dev/null; then
    assert_not_contains() {   # HAYSTACK NEEDLE [WHAT]
        [[ "$1" != *"$2"* ]] || h_fail "${3:-output}: must not contain '$2', got: $1"
    }
fi

# expect_fail SUBSTRING CMD...: CMD must exit non-zero and print an error on stderr that contains SUBSTRING
# (case-insensitive; "" only requires a non-empty message). The error text is kept in $H_STDERR.
expect_fail() {
    local want=$1 rc=0 errfile
    shift
    errfile=$(mktemp)
    "$@" >/dev/null 2>"$errfile" || rc=$?
    H_STDERR=$(cat "$errfile")
    rm -f "$errfile"
    ((rc != 0)) || h_fail "'$*' succeeded, expected it to fail"
    ((rc != 124)) || h_fail "'$*' timed out instead of failing"
    [[ -n "$H_STDERR" ]] || h_fail "'$*' failed (exit $rc) without an error message on stderr"
    [[ "${H_STDERR,,}" == *"${want,,}"* ]] || h_fail "'$*': error should mention '$want', got: $H_STDERR"
}

# expect_status CODE CMD...: CMD must exit with CODE. Its stdout is kept in $H_STDOUT, its stderr in $H_STDERR.
expect_status() {
    local want=$1 rc=0 outfile errfile
    shift
    outfile=$(mktemp)
    errfile=$(mktemp)
    "$@" >"$outfile" 2>"$errfile" || rc=$?
    # shellcheck disable=SC2034 # read by callers
    H_STDOUT=$(cat "$outfile")
    H_STDERR=$(cat "$errfile")
    rm -f "$outfile" "$errfile"
    ((rc == want)) || h_fail "'$*' exited $rc, expected $want; stderr: $H_STDERR"
}

# wait_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds; non-zero if it never did.
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    while true; do
        "$@" >/dev/null 2>&1 && return 0
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

# ---------------------------------------------------------------------------------------------------------------
# The programs under test.

# berthctl with a hard time limit (stdin, stdout and stderr pass through).
bctl() {
    timeout -k 5 "$BERTH_CMD_TIMEOUT" "$BERTHCTL" "$@"
}

# The daemon's directories: from the environment, else berthd.toml's [paths], else the built-in defaults.
_h_config_value() {   # SECTION KEY DEFAULT
    local v=""
    if [[ -r "$BERTH_CONFIG" ]]; then
        v=$(awk -v sec="[$1]" -v key="$2" '
            /^[[:space:]]*\[/ { gsub(/[[:space:]]/, ""); insec = ($0 == sec); next }
            insec && $0 ~ "^[[:space:]]*" key "[[:space:]]*=" {
                sub(/^[^=]*=[[:space:]]*"/, ""); sub(/".*$/, ""); print; exit
            }' "$BERTH_CONFIG")
    fi
    echo "${v:-$3}"
}
: "${BERTH_STATE_DIR:=$(_h_config_value paths state /var/lib/berth)}"
: "${BERTH_RUNTIME_DIR:=$(_h_config_value paths runtime /run/berth)}"

# ---------------------------------------------------------------------------------------------------------------
# Objects a test creates, and their removal when the test ends.

_H_CONTAINERS=()
_H_IMAGES=()
_H_TMPDIRS=()
_H_PIDS=()
_H_SEQ=0

# Registers the cleanup once per test process: through lib.sh's on_exit when there is one (run-all's EXIT trap
# runs it), else with a trap of our own.
_h_arm() {
    [[ "${_H_ARMED:-}" == "$BASHPID" ]] && return 0
    _H_ARMED=$BASHPID
    _H_CONTAINERS=() _H_IMAGES=() _H_TMPDIRS=() _H_PIDS=()
    if declare -F on_exit >/dev/null; then
        on_exit h_cleanup
    else
        trap h_cleanup EXIT
    fi
}

# Containers are also written to run-all's list (BERTH_TEST_NAMES), which removes them even when the test was
# killed by its timeout and no trap ran.
_h_track_name() {
    _H_CONTAINERS+=("$1")
    if [[ -n "${BERTH_TEST_NAMES:-}" ]]; then
        echo "$1" >>"$BERTH_TEST_NAMES"
    fi
}

# new_container VAR PREFIX: a fresh, valid, unused container name in $VAR, removed (with --force) at the end.
new_container() {
    _h_arm
    _H_SEQ=$((_H_SEQ + 1))
    printf -v "$1" '%s-%d-%d%d' "$2" "$BASHPID" "$_H_SEQ" "$RANDOM"
    _h_track_name "${!1}"
}

# track_container NAME: remove a container the test did not name itself (e.g. made by `run` without --name).
track_container() {
    _h_arm
    _h_track_name "$1"
}

# new_image VAR PREFIX: a fresh image name, removed at the end if the test imported it.
new_image() {
    _h_arm
    _H_SEQ=$((_H_SEQ + 1))
    printf -v "$1" '%s-%d-%d%d' "$2" "$BASHPID" "$_H_SEQ" "$RANDOM"
    _H_IMAGES+=("${!1}")
}

# new_tmpdir VAR: a scratch directory, deleted at the end.
new_tmpdir() {
    _h_arm
    printf -v "$1" '%s' "$(mktemp -d "${BERTH_TEST_TMP:-/tmp}/itest.XXXXXX")"
    _H_TMPDIRS+=("${!1}")
}

# track_pid PID: a background process the test started; killed (by pid) at the end if still there.
track_pid() {
    _h_arm
    _H_PIDS+=("$1")
}

h_cleanup() {
    local rc=$? c i d p
    set +e
    for p in "${_H_PIDS[@]}"; do
        kill "$p" 2>/dev/null
    done
    for c in "${_H_CONTAINERS[@]}"; do
        if container_exists "$c"; then
            bctl remove --force "$c" >/dev/null 2>&1 || echo "cleanup: could not remove container $c" >&2
        fi
        # A scope left behind by a broken daemon is ours too (the name is unique to this test): stop it.
        if systemctl is-active --quiet "berth-$c.scope" 2>/dev/null; then
            echo "cleanup: stopping leftover berth-$c.scope" >&2
            systemctl stop "berth-$c.scope" >/dev/null 2>&1
        fi
    done
    for i in "${_H_IMAGES[@]}"; do
        if image_exists "$i"; then
            bctl image remove --force "$i" >/dev/null 2>&1 || echo "cleanup: could not remove image $i" >&2
        fi
    done
    for d in "${_H_TMPDIRS[@]}"; do
        rm -rf -- "$d"
    done
    return "$rc"
}

# ---------------------------------------------------------------------------------------------------------------
# Reading state through the bus (busctl), independent of berthctl's output format.

# bus ARGS...: busctl with a time limit. Options go before the verb; a "--" is put after the verb so that
# arguments starting with "-" (names like "-x", "sh -c", negative numbers) are not taken for options.
# busctl (systemd 252) cannot pass file descriptors ("h"), so Exec, StartAttached and ImportImage are
# only called through berthctl.
bus() {
    local a args=() verb=""
    for a in "$@"; do
        args+=("$a")
        if [[ -z "$verb" && "$a" != -* ]]; then
            verb=$a
            args+=(--)
        fi
    done
    timeout -k 5 "$BERTH_CMD_TIMEOUT" busctl "${args[@]}"
}

container_exists() {
    bus call org.berth1 /org/berth1 org.berth1.Manager GetContainer s "$1" >/dev/null 2>&1
}

image_exists() {
    bus --json=short call org.berth1 /org/berth1 org.berth1.Manager ListImages 2>/dev/null |
        jq -e --arg n "$1" '.data[0] | map(.[0]) | index($n) != null' >/dev/null
}

# obj_of NAME: the container's object path.
obj_of() {
    local out
    out=$(bus --json=short call org.berth1 /org/berth1 org.berth1.Manager GetContainer s "$1") ||
        h_fail "GetContainer $1 failed"
    jq -r '.data[0]' <<<"$out"
}

# prop NAME PROPERTY: a property of org.berth1.Container, printed plainly (arrays joined by spaces).
prop() {
    local obj out
    obj=$(obj_of "$1")
    out=$(bus --json=short get-property org.berth1 "$obj" org.berth1.Container "$2") ||
        h_fail "reading property $2 of $1 failed"
    jq -r '.data | if type == "array" then map(tostring) | join(" ") else tostring end' <<<"$out"
}

# mgr_prop PROPERTY: a property of org.berth1.Manager.
mgr_prop() {
    local out
    out=$(bus --json=short get-property org.berth1 /org/berth1 org.berth1.Manager "$1") ||
        h_fail "reading Manager property $1 failed"
    jq -r '.data | tostring' <<<"$out"
}

state_is() {   # NAME STATE
    [[ "$(prop "$1" State 2>/dev/null)" == "$2" ]]
}

# wait_state NAME STATE [SECONDS]
wait_state() {
    wait_until "${3:-10}" state_is "$1" "$2" ||
        h_fail "container $1 did not reach state '$2' within ${3:-10} s (state: $(prop "$1" State 2>/dev/null))"
}

# wait_leader_changed NAME OLD [SECONDS]: a new, non-zero Leader.
_h_leader_is_new() {
    local l
    l=$(prop "$1" Leader 2>/dev/null) || return 1
    [[ "$l" != 0 && "$l" != "$2" ]]
}
wait_leader_changed() {
    wait_until "${3:-10}" _h_leader_is_new "$1" "$2" ||
        h_fail "Leader of $1 did not change from $2 within ${3:-10} s"
}

# cmd_error_name CMD...: runs CMD (a D-Bus call that must fail) and prints the D-Bus error name of the reply.
# busctl prints only the message, so the name is read from a bus monitor (root only) started first.
cmd_error_name() {
    local mon err rc=0 mpid name=""
    mon=$(mktemp)
    err=$(mktemp)
    dbus-monitor --system "type='error'" >"$mon" 2>&1 &
    mpid=$!
    # The monitor is ready once it became a monitor: the bus then takes its unique name away (NameLost).
    wait_until 3 grep -q NameLost "$mon" || sleep 0.5
    "$@" >/dev/null 2>"$err" || rc=$?
    if ((rc != 0)); then
        wait_until 3 grep -q 'error_name=' "$mon" || true
        name=$(grep -o 'error_name=[^ ]*' "$mon" | tail -n 1 | cut -d= -f2 || true)
    fi
    kill "$mpid" 2>/dev/null || true
    wait "$mpid" 2>/dev/null || true
    if ((rc == 0)); then
        rm -f "$mon" "$err"
        h_fail "$* succeeded, expected a D-Bus error"
    fi
    # No error on the bus: the call failed before it was sent; say why.
    [[ -n "$name" ]] || name="(no D-Bus error: $(head -c 300 "$err"))"
    rm -f "$mon" "$err"
    echo "$name"
}

# bus_error_name BUSCTL-ARGS...: the error name `busctl BUSCTL-ARGS` gets.
bus_error_name() {
    cmd_error_name bus "$@"
}

# expect_bus_error ERROR-NAME BUSCTL-ARGS...: the call fails with org.berth1.Error.ERROR-NAME (or the full name).
expect_bus_error() {
    local want=$1 got
    shift
    [[ "$want" == *.* ]] || want="org.berth1.Error.$want"
    got=$(bus_error_name "$@")
    assert_eq "$want" "$got" "D-Bus error of busctl $*"
}

# ---------------------------------------------------------------------------------------------------------------
# Host-side views of a container.

# Container names in `berthctl list --all --json`, one a line, sorted.
all_container_names() {
    bctl list --all --json | jq -r '.[].name' | sort
}

image_names() {
    bctl image list --json | jq -r '.[].name' | sort
}

scope_of() {
    echo "berth-$1.scope"
}

# scope_gone NAME: the container's scope is not running (gone, or inactive/failed and about to be collected).
scope_gone() {
    local st
    st=$(systemctl show -p ActiveState --value "$(scope_of "$1")" 2>/dev/null) || return 0
    [[ "$st" != active && "$st" != activating && "$st" != deactivating ]]
}

# cgroup_file NAME CONTROLLER FILE-V1 FILE-V2: the path of a limit file in the scope's cgroup, for the v1 controller
# hierarchy when the controller is mounted there (legacy/hybrid), else in the unified hierarchy.
cgroup_file() {
    local cg dir
    cg=$(systemctl show -p ControlGroup --value "$(scope_of "$1")") || h_fail "no ControlGroup for $1"
    [[ -n "$cg" ]] || h_fail "scope of $1 has no ControlGroup"
    for dir in "/sys/fs/cgroup/$2" "/sys/fs/cgroup/$2,cpuacct" "/sys/fs/cgroup/cpuacct,$2"; do
        if [[ -e "$dir$cg/$3" ]]; then
            echo "$dir$cg/$3"
            return 0
        fi
    done
    if [[ -e "/sys/fs/cgroup$cg/$4" ]]; then
        echo "/sys/fs/cgroup$cg/$4"
        return 0
    fi
    h_fail "no $3 or $4 for $cg under /sys/fs/cgroup"
}

# _h_trace NAME: prints the first thing left of container NAME (nothing when there is none).
_h_trace() {
    local n=$1 found pid
    if container_exists "$n"; then
        echo "container $n still exists"
        return
    fi
    found=$(find "$BERTH_STATE_DIR" "$BERTH_RUNTIME_DIR" -name "*$n*" 2>/dev/null | head -n 5)
    if [[ -n "$found" ]]; then
        echo "files of $n left behind: $found"
        return
    fi
    found=$(systemctl list-units --all --plain --no-legend "$(scope_of "$n")" 2>/dev/null |
        grep -F "$(scope_of "$n")" || true)
    if [[ -n "$found" ]]; then
        echo "scope of $n left behind: $found"
        return
    fi
    found=$(grep -F -- "$n" /proc/self/mountinfo || true)
    pid=$(systemctl show -p MainPID --value berthd.service 2>/dev/null || echo 0)
    if [[ -z "$found" && -n "$pid" && "$pid" != 0 && -r "/proc/$pid/mountinfo" ]]; then
        found=$(grep -F -- "$n" "/proc/$pid/mountinfo" || true)
    fi
    [[ -z "$found" ]] || echo "mount of $n left behind: $found"
}

_h_no_trace() {
    [[ -z "$(_h_trace "$1")" ]]
}

# assert_no_trace NAME: nothing of container NAME is left: no definition, no root or runtime directory, no scope,
# no mount (in this mount namespace or berthd's). Clean-up that ends just after the call that caused it (a
# scope being collected, a runtime directory of a container that just stopped) gets up to 3 s.
assert_no_trace() {
    wait_until 3 _h_no_trace "$1" || h_fail "$(_h_trace "$1")"
}

# A small root tree for images: static busybox with a few applets, and /data/owned owned by uid:gid 1000.
make_rootfs_tree() {   # DIR
    local d=$1 a bb
    bb=$(command -v busybox) || h_fail "busybox is needed to build a test image"
    mkdir -p "$d/bin" "$d/sbin" "$d/etc" "$d/data" "$d/root" "$d/tmp" "$d/proc" "$d/sys" "$d/dev"
    cp "$bb" "$d/bin/busybox"
    for a in sh cat ls stat sleep echo id true; do
        ln -s busybox "$d/bin/$a"
    done
    echo "root:x:0:0:root:/root:/bin/sh" >"$d/etc/passwd"
    echo "root:x:0:" >"$d/etc/group"
    echo "berth test image" >"$d/data/owned"
    chown 1000:1000 "$d/data/owned"
    chmod 0644 "$d/data/owned"
}

# ---------------------------------------------------------------------------------------------------------------
# Debian guests (guestboot).

: "${BERTH_TEST_DEBIAN_IMAGE:=test-debian}"

# debian_image: prints the name of a bootable Debian image, building it with `berthctl image build debian` the
# first time in this test host run (about a minute, more on a loaded machine; later calls reuse it). Tests share
# it: never remove it. The build runs as a transient service of its own, so a test that times out waiting for
# it does not stop it and the next test picks it up. Fails (with the reason on stderr) when it cannot be built,
# e.g. no route to the mirror; the failure is remembered, so later tests fail at once instead of retrying.
# Usage: img=$(debian_image)
debian_image() {
    local img=$BERTH_TEST_DEBIAN_IMAGE unit=berth-test-debian-build
    local log=/run/berth-test-debian.log failed=/run/berth-test-debian.failed
    (
        flock -w 60 9 || exit 1
        image_exists "$img" && exit 0
        [[ -f $failed ]] && exit 0
        systemctl is-active --quiet "$unit" && exit 0
        systemd-run --quiet --unit="$unit" --collect -p RuntimeMaxSec=1200 /bin/sh -c \
            "$BERTHCTL image build debian '$img' >'$log' 2>&1 || cp '$log' '$failed'"
    ) 9>/run/berth-test-debian.lock || { echo "debian_image: cannot start the image build" >&2; return 1; }
    while ! image_exists "$img"; do
        if [[ -f $failed ]]; then
            echo "debian_image: 'berthctl image build debian $img' failed:" >&2
            tail -n 20 "$failed" >&2
            return 1
        fi
        if ! systemctl is-active --quiet "$unit" && ! image_exists "$img"; then
            sleep 0.5
            image_exists "$img" && break
            [[ -f $failed ]] && continue
            echo "debian_image: the image build ended without an image:" >&2
            tail -n 20 "$log" >&2 2>/dev/null
            return 1
        fi
        sleep 0.5
    done
    echo "$img"
}
