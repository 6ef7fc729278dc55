# shellcheck shell=bash
# Runs last (run-all takes the files in name order): after every other test, berthd must never have crashed.
# D-Bus activation restarts a crashed berthd on the next call, so a crash would otherwise go unnoticed.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

test_berthd_never_crashed() {
    local crashes
    # systemd's own lines about berthd.service: "Main process exited, code=killed, status=7/BUS" or
    # "code=dumped". test_restart kills it with SIGKILL on purpose, and SIGTERM is a plain stop.
    crashes=$(journalctl -u berthd.service -o cat --no-pager 2>/dev/null |
        grep -E 'Main process exited, code=(killed|dumped)' |
        grep -vE 'status=(9/KILL|15/TERM)' || true)
    [[ -z "$crashes" ]] || h_fail "berthd crashed during the tests:
$crashes"
}

test_no_leftovers() {
    local scopes
    # Every test removes what it made, so no container scope may still be running at the end.
    scopes=$(systemctl list-units --plain --no-legend --state=active 'berth-*.scope' 2>/dev/null || true)
    [[ -z "$scopes" ]] || h_fail "container scopes left running after the tests:
$scopes"
}
