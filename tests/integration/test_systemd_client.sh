# shellcheck shell=bash
# berth's sd-bus systemd client on its own, against the test host's real systemd: transient scopes with limits in
# the cgroup files, live limit changes, usage, kill, stop, and a restart of the same name (tests/systemd/).
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

test_scope_check_program() {
    local exe=$BERTH_BUILD/tests/systemd/scope-check
    [[ -x $exe ]] || h_fail "scope-check is not built in $BERTH_BUILD"
    "$exe" --quick --iterations 3
}
