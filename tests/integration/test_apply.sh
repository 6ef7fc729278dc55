# shellcheck shell=bash
# Declarative definitions: apply with stacked profiles, show --toml, updates of stopped and running containers,
# the definitions directory applied at daemon start, and errors that name the file and key.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

: "${BERTH_PROFILES_DIR:=$(_h_config_value paths profiles /etc/berth/profiles)}"
: "${BERTH_DEFINITIONS_DIR:=$(_h_config_value paths definitions /etc/berth/containers)}"

_AP_FILES=()
_ap_cleanup() {
    local f
    for f in "${_AP_FILES[@]}"; do rm -f -- "$f"; done
}
# _ap_write FILE: stdin to FILE, removed when the test ends (profiles and definitions outlive the test otherwise).
_ap_write() {
    if ((${#_AP_FILES[@]} == 0)); then on_exit _ap_cleanup; fi
    mkdir -p "$(dirname "$1")"
    cat >"$1"
    _AP_FILES+=("$1")
}

_profiles() {   # PREFIX: profiles PREFIX-base and PREFIX-web
    _ap_write "$BERTH_PROFILES_DIR/$1-base.toml" <<'TOML'
environment = ["TIER=base", "LANG=C.UTF-8"]
[limits]
memory_max = "256M"
tasks_max = 100
TOML
    _ap_write "$BERTH_PROFILES_DIR/$1-web.toml" <<'TOML'
environment = ["TIER=web"]
[limits]
tasks_max = 200
cpus = 0.5
[autostart]
order = 5
TOML
}

test_apply_stacked_profiles_and_show() {
    local c p tmp out
    new_container c ap
    p=ap$RANDOM
    _profiles "$p"
    new_tmpdir tmp
    cat >"$tmp/$c.toml" <<TOML
profiles = ["$p-base", "$p-web"]
command = ["/bin/sh", "-c", "echo \$TIER \$LANG; sleep 1000"]
environment = ["EXTRA=1"]
[limits]
cpus = 1.5
TOML
    out=$(bctl apply "$tmp/$c.toml")
    assert_contains "$out" "container $c created" "apply output"
    # Later profiles win, the definition wins last; limits key by key, environment by variable.
    assert_eq 268435456 "$(prop "$c" MemoryMax)" "memory_max from the first profile"
    assert_eq 200 "$(prop "$c" TasksMax)" "tasks_max from the second profile"
    assert_eq 1.5 "$(prop "$c" CPUs)" "cpus from the definition"
    assert_eq 5 "$(prop "$c" AutostartOrder)" "autostart order from a profile"
    out=$(bctl show "$c" --toml)
    assert_contains "$out" 'environment = ["LANG=C.UTF-8", "TIER=web", "EXTRA=1"]' "merged environment"
    assert_contains "$out" 'name = "'"$c"'"' "name in show --toml"
    assert_not_contains "$out" "idmap" "show --toml leaves out berthd's own keys"
    bctl start "$c"
    assert_eq 268435456 "$(systemctl show -p MemoryMax --value "berth-$c.scope")" "scope MemoryMax"
    # show --toml is a valid definition: applying it again changes nothing.
    bctl show "$c" --toml >"$tmp/again.toml"
    assert_contains "$(bctl apply "$tmp/again.toml")" "container $c unchanged" "re-apply of show --toml"
    # A running container: limits at once, the rest at the next start.
    sed -i 's/^cpus = 1.5/cpus = 0.25/; s/EXTRA=1/EXTRA=2/' "$tmp/again.toml"
    out=$(bctl apply "$tmp/again.toml")
    assert_contains "$out" "updated" "apply to a running container"
    assert_contains "$out" "limits applied" "live limits noted"
    assert_contains "$out" "next start: environment" "restart-bound change noted"
    assert_eq 250ms "$(systemctl show -p CPUQuotaPerSecUSec --value "berth-$c.scope")" "new CPU quota applied live"
    bctl profile list | grep -qx "$p-web" || h_fail "profile list misses $p-web"
    assert_contains "$(bctl profile show "$p-web")" "tasks_max = 200" "profile show"
    assert_contains "$(bctl profile show --effective "$p-web")" "tasks_max = 200" "profile show --effective"
}

test_apply_updates_a_stopped_container() {
    local c tmp
    new_container c ap-upd
    new_tmpdir tmp
    printf 'name = "%s"\n[limits]\ntasks_max = 50\n' "$c" >"$tmp/def.toml"
    bctl apply "$tmp/def.toml"
    assert_eq boot "$(prop "$c" Mode)" "a definition without command boots"
    printf 'name = "%s"\ncommand = ["/bin/sleep", "100"]\n[limits]\ntasks_max = 60\n' "$c" >"$tmp/def.toml"
    assert_contains "$(bctl apply "$tmp/def.toml")" "container $c updated" "update output"
    assert_eq 60 "$(prop "$c" TasksMax)" "updated limit"
    assert_eq command "$(prop "$c" Mode)" "updated mode"
    printf 'name = "%s"\nimage = "other%s"\n' "$c" "$RANDOM" >"$tmp/def.toml"
    expect_fail "remove the container" bctl apply "$tmp/def.toml"
}

test_apply_errors_name_file_and_key() {
    local tmp p
    new_tmpdir tmp
    printf 'name = "ap-err"\n[limits]\nmemory_maxx = "1G"\n' >"$tmp/typo.toml"
    expect_fail "typo.toml:3" bctl apply "$tmp/typo.toml"
    assert_contains "$H_STDERR" "limits.memory_maxx" "unknown key named"
    printf 'name = "ap-err"\nprofiles = ["nosuch%s"]\n' "$RANDOM" >"$tmp/noprof.toml"
    expect_fail "noprof.toml:2" bctl apply "$tmp/noprof.toml"
    assert_contains "$H_STDERR" "no profile named" "missing profile"
    p=aperr$RANDOM
    _ap_write "$BERTH_PROFILES_DIR/$p.toml" <<'TOML'
[limits]
tasks_max = "lots"
TOML
    printf 'name = "ap-err"\nprofiles = ["%s"]\n' "$p" >"$tmp/badprof.toml"
    expect_fail "$p.toml:2" bctl apply "$tmp/badprof.toml"
    assert_contains "$H_STDERR" "limits.tasks_max" "bad key in a profile named"
    printf 'name = "ap-err"\n[idmap]\nbase = 524288\n' >"$tmp/idmap.toml"
    expect_fail "kept by berthd" bctl apply "$tmp/idmap.toml"
    printf 'name = "ap-err"\nmode = "boot"\ncommand = ["/bin/true"]\n' >"$tmp/mode.toml"
    expect_fail "mode.toml:3" bctl apply "$tmp/mode.toml"
    printf 'name = [' >"$tmp/syntax.toml"
    expect_fail "syntax.toml:1" bctl apply "$tmp/syntax.toml"
    container_exists ap-err && h_fail "a bad definition created a container"
    return 0
}

test_definitions_dir_applied_at_start() {
    local c broken
    new_container c ap-dir
    broken=ap-broken$RANDOM
    _ap_write "$BERTH_DEFINITIONS_DIR/$c.toml" <<'TOML'
command = ["/bin/sleep", "1000"]
[limits]
tasks_max = 77
[autostart]
enabled = true
TOML
    _ap_write "$BERTH_DEFINITIONS_DIR/$broken.toml" <<'TOML'
bogus = 1
TOML
    systemctl restart berthd.service
    bctl list --all >/dev/null
    container_exists "$c" || h_fail "the definition in $BERTH_DEFINITIONS_DIR was not applied at start"
    assert_eq 77 "$(prop "$c" TasksMax)" "limit from the definitions directory"
    wait_state "$c" running 10
    container_exists "$broken" && h_fail "a broken definition created a container"
    journalctl -u berthd.service --no-pager -n 300 | grep -q "$broken.toml:1:1: unknown key 'bogus'" ||
        h_fail "the broken definition is not reported with file and key in berthd's log"
    bctl disable "$c"
}
