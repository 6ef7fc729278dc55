# The test host itself and berth's installed files: what every other integration test relies on.

test_berthd_unit_installed() {
    local unit
    unit=$(systemctl cat berthd.service)
    assert_contains "$unit" "Type=dbus"
    assert_contains "$unit" "BusName=org.berth1"
    # Stopping berthd must never stop containers: they live in their own scopes.
    assert_eq process "$(systemctl show -P KillMode berthd.service)" "KillMode"
    assert_eq no "$(systemctl show -P Delegate berthd.service)" "Delegate"
    local exec_start
    exec_start=$(systemctl show -P ExecStart berthd.service)
    assert_contains "$exec_start" "path=/usr/bin/berthd"
}

test_bus_policy_and_activation_installed() {
    [[ -f /usr/share/dbus-1/system.d/org.berth1.conf ]] || fail "bus policy not installed"
    [[ -f /usr/share/dbus-1/system-services/org.berth1.service ]] || fail "activation file not installed"
    assert_contains "$(</usr/share/dbus-1/system-services/org.berth1.service)" "SystemdService=berthd.service"
    # dbus-daemon read the activation file: org.berth1 is activatable on the system bus.
    assert_contains "$(busctl --system list --activatable --no-legend)" "org.berth1"
}

test_default_config_installed() {
    [[ -f /etc/berth/berthd.toml ]] || fail "/etc/berth/berthd.toml not installed"
    [[ -d /var/lib/berth && -w /var/lib/berth ]] || fail "/var/lib/berth is not writable"
}

test_scope_limits_reach_the_cgroup() {
    # The limits berth sets as unit properties must really land in the cgroups (v1 here, or v2).
    local out
    out=$(systemd-run --quiet --scope -p MemoryMax=64M -p TasksMax=20 -- \
        sh -c 'cg=$(sed -n "s/^[0-9]*:pids://p" /proc/self/cgroup)
               cat /sys/fs/cgroup/pids$cg/pids.max 2>/dev/null || cat /sys/fs/cgroup/unified$cg/pids.max')
    assert_eq 20 "$out" "pids.max of a scope with TasksMax=20"
}

test_harness_assertions() {
    assert_fails false
    assert_fails --stderr "No such file" ls /nonexistent-berth-path
    assert_exit 3 sh -c 'exit 3'
    assert_eq "" "$(container_state no-such-container)" "state of a missing container"
    local name
    name=$(BERTH_TEST_NAMES="" unique_name harness)   # not a real container: nothing to clean up
    assert_match "$name" '^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$' "unique name"
    local flag=$BERTH_TEST_TMP/flag
    (sleep 0.2; touch "$flag") &
    wait_for --timeout 5 test -e "$flag"
}
