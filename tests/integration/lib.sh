# lib.sh: helpers for berth's integration tests. Sourced by run-all before each tests/integration/test_*.sh.
#
# Each test is a function named test_* that runs in its own bash process with `set -eE -o pipefail`:
# any failing command fails the test. Use the assertions below for checks that need a message, and
# unique_name for every container a test creates: run-all removes those containers afterwards
# (berthctl remove --force), whether the test passed or not.
#
# Environment (set by run-all / testhost): BERTH_SOURCE, BERTH_BUILD, BERTH_TEST_NAME (the running test),
# BERTH_TEST_NAMES (file collecting the names made by unique_name), BERTH_TEST_TMP (a private temp dir).

BERTH_BUS_NAME=org.berth1
BERTH_BUS_PATH=/org/berth1

# ---- failing ---------------------------------------------------------------------------------------------

# fail MESSAGE...: end the test as failed, with MESSAGE and where it was called from.
fail() {
    local where="${BASH_SOURCE[1]##*/}:${BASH_LINENO[0]}"
    local i
    for ((i = 1; i < ${#FUNCNAME[@]}; i++)); do
        [[ ${FUNCNAME[$i]} == assert_* || ${FUNCNAME[$i]} == wait_for ]] && \
            where="${BASH_SOURCE[$i + 1]##*/}:${BASH_LINENO[$i]}"
    done
    echo "assertion failed at $where: $*" >&2
    exit 1
}

# _berth_on_err STATUS COMMAND FILE LINE: run-all's ERR trap. It fires once per enclosing subshell or
# function, which prints the chain of failing commands; `exit`/`return` only pass a failure on (fail did
# report it) and are not repeated.
_berth_on_err() {
    case $2 in exit*|return*) return 0 ;; esac
    echo "command failed (exit $1) at ${3##*/}:$4: $2" >&2
}

# skip REASON: end the test as skipped (it needs something this machine does not have).
skip() {
    echo "skipped: $*" >&2
    exit 77
}

# ---- assertions ------------------------------------------------------------------------------------------

# assert_eq EXPECTED ACTUAL [WHAT]
assert_eq() {
    [[ $1 == "$2" ]] || fail "${3:-value}: expected '$1', got '$2'"
}

# assert_ne UNEXPECTED ACTUAL [WHAT]
assert_ne() {
    [[ $1 != "$2" ]] || fail "${3:-value}: expected anything but '$1'"
}

# assert_contains HAYSTACK NEEDLE [WHAT]
assert_contains() {
    [[ $1 == *"$2"* ]] || fail "${3:-output} does not contain '$2':"$'\n'"$1"
}

# assert_not_contains HAYSTACK NEEDLE [WHAT]
assert_not_contains() {
    [[ $1 != *"$2"* ]] || fail "${3:-output} contains '$2':"$'\n'"$1"
}

# assert_match HAYSTACK REGEX [WHAT]   (bash extended regex)
assert_match() {
    [[ $1 =~ $2 ]] || fail "${3:-output} does not match /$2/:"$'\n'"$1"
}

# assert_fails [--stderr TEXT] CMD...: CMD must exit non-zero (and, with --stderr, say TEXT on stderr).
# Sets LAST_STDOUT, LAST_STDERR and LAST_STATUS.
assert_fails() {
    local want_err=""
    if [[ $1 == --stderr ]]; then want_err=$2; shift 2; fi
    capture "$@"
    ((LAST_STATUS != 0)) || fail "expected failure, but it succeeded: $*"$'\n'"stdout: $LAST_STDOUT"
    if [[ -n $want_err && $LAST_STDERR != *"$want_err"* ]]; then
        fail "'$*' failed ($LAST_STATUS) but its stderr lacks '$want_err':"$'\n'"$LAST_STDERR"
    fi
    return 0
}

# assert_exit CODE CMD...: CMD must exit with CODE. Sets LAST_STDOUT, LAST_STDERR and LAST_STATUS.
assert_exit() {
    local want=$1
    shift
    capture "$@"
    ((LAST_STATUS == want)) ||
        fail "'$*' exited $LAST_STATUS, expected $want"$'\n'"stdout: $LAST_STDOUT"$'\n'"stderr: $LAST_STDERR"
}

# assert_succeeds CMD...: like running CMD, but the failure message shows its stdout and stderr.
assert_succeeds() {
    assert_exit 0 "$@"
}

# capture CMD...: run CMD, never fail; sets LAST_STDOUT, LAST_STDERR, LAST_STATUS.
capture() {
    local err
    err=$(mktemp "${BERTH_TEST_TMP:-/tmp}/stderr.XXXXXX")
    LAST_STATUS=0
    LAST_STDOUT=$("$@" 2>"$err") || LAST_STATUS=$?
    LAST_STDERR=$(<"$err")
    rm -f "$err"
}

# ---- waiting ---------------------------------------------------------------------------------------------

# wait_for [--timeout SEC] CMD...: poll CMD (every 50 ms) until it succeeds; fail after SEC (default 10).
wait_for() {
    local timeout=10
    if [[ $1 == --timeout ]]; then timeout=$2; shift 2; fi
    local deadline=$((SECONDS + timeout))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || fail "timed out after ${timeout}s waiting for: $*"
        sleep 0.05
    done
}

# ---- containers ------------------------------------------------------------------------------------------

# unique_name [PREFIX]: a fresh, valid container name; run-all removes the container after the test.
unique_name() {
    local prefix=${1:-t}
    local name="$prefix-$$-$RANDOM$RANDOM"
    name=${name:0:63}
    [[ -n ${BERTH_TEST_NAMES:-} ]] && echo "$name" >>"$BERTH_TEST_NAMES"
    echo "$name"
}

# container_state NAME: the container's State property (read from the bus), or nothing when it does not exist.
container_state() {
    local path
    path=$(berth_container_path "$1" 2>/dev/null) || return 0
    [[ -n $path ]] || return 0
    busctl --system get-property "$BERTH_BUS_NAME" "$path" org.berth1.Container State 2>/dev/null |
        sed -n 's/^s "\(.*\)"$/\1/p'
}

# container_scope NAME: the container's systemd unit.
container_scope() {
    echo "berth-$1.scope"
}

# scope_cgroup_file NAME CONTROLLER FILE: path of a cgroup file of the container's scope (v1 or v2).
scope_cgroup_file() {
    local cg
    cg=$(systemctl show -P ControlGroup "$(container_scope "$1")")
    [[ -n $cg ]] || fail "container $1 has no control group"
    if [[ -e /sys/fs/cgroup/$2/$cg/$3 ]]; then
        echo "/sys/fs/cgroup/$2/$cg/$3"
    else
        echo "/sys/fs/cgroup/unified/$cg/$3"
    fi
}

# ---- D-Bus -----------------------------------------------------------------------------------------------

# berth_call INTERFACE-SUFFIX METHOD [SIGNATURE ARGS...] on /org/berth1, e.g. berth_call Manager ListContainers
berth_call() {
    local iface=$1 method=$2
    shift 2
    busctl --system call "$BERTH_BUS_NAME" "$BERTH_BUS_PATH" "org.berth1.$iface" "$method" "$@"
}

# berth_container_path NAME: the object path of a container (GetContainer).
berth_container_path() {
    berth_call Manager GetContainer s "$1" | sed -n 's/^o "\(.*\)"$/\1/p'
}

# berth_property NAME PROPERTY: one org.berth1.Container property of a container, as busctl prints it.
berth_property() {
    local path
    path=$(berth_container_path "$1")
    [[ -n $path ]] || fail "no container $1 on the bus"
    busctl --system get-property "$BERTH_BUS_NAME" "$path" org.berth1.Container "$2"
}

# berth_bus_error CMD...: run a busctl call that must fail; prints the D-Bus error text it got.
berth_bus_error() {
    capture "$@"
    ((LAST_STATUS != 0)) || fail "expected a D-Bus error from: $*"
    echo "$LAST_STDERR"
}

# berthd_pid: main PID of berthd.service (0 when it is not running).
berthd_pid() {
    systemctl show -P MainPID berthd.service
}

# ---- cleanup inside a test --------------------------------------------------------------------------------

# on_exit CMD...: run CMD when the test ends (pass or fail), last registered first.
BERTH_ON_EXIT=()
on_exit() {
    local q
    printf -v q '%q ' "$@"
    BERTH_ON_EXIT=("$q" "${BERTH_ON_EXIT[@]}")
}
_berth_run_on_exit() {
    local c
    for c in "${BERTH_ON_EXIT[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
}
