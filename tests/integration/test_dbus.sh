# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# The D-Bus API as a client other than berthctl sees it: introspection, ObjectManager, signals, the methods of
# org.berth1.Container called directly, typed error names, and the bus policy for non-root callers.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

# monitor_start VAR: record every signal berthd sends from now on into a file (path in $VAR); the monitor is
# killed at the end of the test.
monitor_start() {
    local d
    new_tmpdir d
    printf -v "$1" '%s' "$d/signals"
    bctl list >/dev/null   # berthd is up, so the monitor sees its first signal
    dbus-monitor --system "type='signal',sender='org.berth1'" >"$d/signals" 2>&1 &
    track_pid $!
    wait_until 3 grep -q NameLost "$d/signals" || sleep 0.5
}

# signal_blocks FILE MEMBER [PATH]: the recorded signals called MEMBER (sent from PATH), header and arguments.
signal_blocks() {
    awk -v m="member=$2" -v p="${3:+path=$3;}" '
        /^[^ ]/ { keep = (index($0, m) > 0 && (p == "" || index($0, p) > 0)); if (keep) print "----" }
        keep { print }' "$1"
}

# has_signal FILE MEMBER PATH NEEDLE: a signal MEMBER from PATH whose arguments contain NEEDLE was recorded.
has_signal() {
    signal_blocks "$1" "$2" "$3" | grep -qF -- "$4"
}

# The object path label of a name, escaped as sd-bus does: bytes outside [A-Za-z0-9] become _XX.
escape_label() {
    local s=$1 out="" c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        if [[ "$c" == [A-Za-z0-9] ]]; then
            out+=$c
        else
            out+=$(printf '_%02x' "'$c")
        fi
    done
    echo "$out"
}

test_introspection() {
    local out n obj
    out=$(bus introspect org.berth1 /org/berth1)
    assert_contains "$out" org.berth1.Manager "interfaces at /org/berth1"
    assert_contains "$out" org.freedesktop.DBus.ObjectManager "interfaces at /org/berth1"
    local m
    for m in CreateContainer GetContainer ListContainers StartContainer PowerOffContainer RebootContainer \
        TerminateContainer KillContainer RemoveContainer ListImages ImportImage RemoveImage ContainerNew \
        ContainerRemoved Version CgroupMode DefaultImage; do
        assert_contains "$out" ".$m " "members of org.berth1.Manager"
    done
    [[ -n "$(mgr_prop Version)" ]] || h_fail "Manager.Version is empty"
    local want=v1
    if [[ -e /sys/fs/cgroup/cgroup.controllers ]]; then
        want=v2
    elif [[ -d /sys/fs/cgroup/unified ]]; then
        want=hybrid
    fi
    assert_eq "$want" "$(mgr_prop CgroupMode)" "Manager.CgroupMode"

    new_container n db-intro
    bctl create "$n"
    obj=$(obj_of "$n")
    out=$(bus introspect org.berth1 "$obj")
    assert_contains "$out" org.berth1.Container "interfaces of a container object"
    for m in Start StartAttached PowerOff Reboot Terminate Kill Remove SetLimits Exec OpenShell Wait State Leader \
        IdMapBase MemoryCurrent; do
        assert_contains "$out" ".$m " "members of org.berth1.Container"
    done
    assert_contains "$(bus tree org.berth1)" "$obj" "busctl tree"
}

test_object_paths_are_escaped() {
    local n obj
    new_container n db.esc_a-b
    bctl create "$n"
    obj=$(obj_of "$n")
    assert_eq "/org/berth1/container/$(escape_label "$n")" "$obj" "object path of $n"
    assert_eq "$n" "$(prop "$n" Name)" "Name read through the escaped path"
}

test_managed_objects_and_list() {
    local n obj out
    new_container n db-om
    obj=$(bus --json=short call org.berth1 /org/berth1 org.berth1.Manager CreateContainer 'sa{sv}' "$n" 2 \
        Command as 2 /bin/sleep 1000 TasksMax t 77 | jq -r '.data[0]')
    assert_eq "$(obj_of "$n")" "$obj" "path returned by CreateContainer"
    out=$(bus --json=short call org.berth1 /org/berth1 org.freedesktop.DBus.ObjectManager GetManagedObjects)
    assert_eq "$n" "$(jq -r --arg o "$obj" '.data[0][$o]["org.berth1.Container"].Name.data' <<<"$out")" \
        "Name in GetManagedObjects"
    assert_eq stopped "$(jq -r --arg o "$obj" '.data[0][$o]["org.berth1.Container"].State.data' <<<"$out")" \
        "State in GetManagedObjects"
    assert_eq 77 "$(jq -r --arg o "$obj" '.data[0][$o]["org.berth1.Container"].TasksMax.data' <<<"$out")" \
        "TasksMax in GetManagedObjects"
    out=$(bus --json=short call org.berth1 /org/berth1 org.berth1.Manager ListContainers)
    assert_eq "[\"$n\",\"stopped\",\"busybox\",\"command\",0,\"$obj\"]" \
        "$(jq -c --arg n "$n" '.data[0][] | select(.[0] == $n)' <<<"$out")" "ListContainers entry"
}

test_new_and_removed_signals() {
    local n obj sig
    monitor_start sig
    new_container n db-sig
    bctl create "$n"
    obj=$(obj_of "$n")
    wait_until 3 has_signal "$sig" ContainerNew /org/berth1 "\"$n\"" || h_fail "no ContainerNew for $n:
$(cat "$sig")"
    has_signal "$sig" ContainerNew /org/berth1 "object path \"$obj\"" || h_fail "ContainerNew lacks $obj"
    wait_until 3 has_signal "$sig" InterfacesAdded /org/berth1 "object path \"$obj\"" ||
        h_fail "no InterfacesAdded for $obj"
    bctl remove "$n"
    wait_until 3 has_signal "$sig" ContainerRemoved /org/berth1 "\"$n\"" || h_fail "no ContainerRemoved for $n"
    wait_until 3 has_signal "$sig" InterfacesRemoved /org/berth1 "object path \"$obj\"" ||
        h_fail "no InterfacesRemoved for $obj"
}

test_state_changes_are_signalled() {
    local n obj sig
    new_container n db-state
    bctl create "$n" -- /bin/sleep 1000
    obj=$(obj_of "$n")
    monitor_start sig
    bctl start "$n"
    wait_until 3 has_signal "$sig" PropertiesChanged "$obj" '"running"' ||
        h_fail "no PropertiesChanged State=running for $obj:
$(cat "$sig")"
    signal_blocks "$sig" PropertiesChanged "$obj" | grep -qF '"State"' || h_fail "PropertiesChanged lacks State"
    bctl terminate "$n"
    wait_until 3 has_signal "$sig" PropertiesChanged "$obj" '"stopped"' ||
        h_fail "no PropertiesChanged State=stopped for $obj"
}

test_container_methods_direct() {
    local n obj out
    new_container n db-direct
    bctl create "$n" -- /bin/sleep 1000
    obj=$(obj_of "$n")
    bus call org.berth1 "$obj" org.berth1.Container Start
    assert_eq running "$(prop "$n" State)" "State after Container.Start"
    bus call org.berth1 "$obj" org.berth1.Container SetLimits 'a{sv}' 1 TasksMax t 50
    assert_eq 50 "$(prop "$n" TasksMax)" "TasksMax after Container.SetLimits"
    assert_eq 50 "$(systemctl show -p TasksMax --value "berth-$n.scope")" "scope TasksMax after SetLimits"
    bus call org.berth1 "$obj" org.berth1.Container Kill si leader 9
    wait_state "$n" stopped 10
    # Wait on a stopped container answers at once with the last exit status.
    out=$(bus --json=short call org.berth1 "$obj" org.berth1.Container Wait)
    assert_eq 137 "$(jq -r '.data[0]' <<<"$out")" "Wait after SIGKILL"
}

test_wait_direct() {
    local n obj out pid
    new_container n db-wait
    bctl create "$n" -- /bin/sh -c 'sleep 1; exit 4'
    obj=$(obj_of "$n")
    pid=$(systemctl show -p MainPID --value berthd.service)
    # Wait while running: the reply comes when PID 1 ends, with its status. (StartAttached takes fds, which
    # busctl cannot pass; berthctl run covers it.)
    bus call org.berth1 "$obj" org.berth1.Container Start
    out=$(bus --json=short call org.berth1 "$obj" org.berth1.Container Wait)
    assert_eq 4 "$(jq -r '.data[0]' <<<"$out")" "Wait's reply"
    assert_eq stopped "$(prop "$n" State)" "State when Wait answered"
    sleep 0.5
    assert_eq "$pid" "$(systemctl show -p MainPID --value berthd.service)" "berthd's pid after answering Wait"
}

test_remove_through_container_object() {
    local n obj sig pid
    new_container n db-objrm
    bctl create "$n"
    obj=$(obj_of "$n")
    pid=$(systemctl show -p MainPID --value berthd.service)
    monitor_start sig
    # The object removes itself while it answers the call: the reply and the signals must still be right.
    bus call org.berth1 "$obj" org.berth1.Container Remove b false
    ! container_exists "$n" || h_fail "Container.Remove left $n"
    wait_until 3 has_signal "$sig" ContainerRemoved /org/berth1 "\"$n\"" || h_fail "no ContainerRemoved for $n"
    sleep 0.5
    assert_eq "$pid" "$(systemctl show -p MainPID --value berthd.service)" "berthd's pid after Container.Remove"
    assert_no_trace "$n"
}

test_error_names() {
    local n ghost msg
    new_container n db-err
    new_container ghost db-ghost
    bctl create "$n" -- /bin/sleep 1000
    expect_bus_error NoSuchContainer call org.berth1 /org/berth1 org.berth1.Manager GetContainer s "$ghost"
    expect_bus_error AlreadyExists call org.berth1 /org/berth1 org.berth1.Manager CreateContainer 'sa{sv}' "$n" 0
    expect_bus_error InvalidArgument call org.berth1 /org/berth1 org.berth1.Manager CreateContainer 'sa{sv}' \
        "bad/name" 0
    expect_bus_error NoSuchImage call org.berth1 /org/berth1 org.berth1.Manager RemoveImage sb "no-such-$ghost" false
    bctl start "$n"
    expect_bus_error InvalidState call org.berth1 /org/berth1 org.berth1.Manager StartContainer s "$n"
    # The message says what is wrong with what: it names the container.
    msg=$(bus call org.berth1 /org/berth1 org.berth1.Manager GetContainer s "$ghost" 2>&1 || true)
    assert_contains "$msg" "$ghost" "message of NoSuchContainer"
    msg=$(bus call org.berth1 /org/berth1 org.berth1.Manager StartContainer s "$n" 2>&1 || true)
    assert_contains "$msg" "$n" "message of InvalidState"
}

test_non_root_policy() {
    local n name
    new_container n db-nobody
    bctl create "$n"
    # Anyone may read state...
    setpriv --reuid=65534 --regid=65534 --clear-groups \
        busctl call org.berth1 /org/berth1 org.berth1.Manager ListContainers >/dev/null ||
        h_fail "a non-root caller cannot list containers"
    setpriv --reuid=65534 --regid=65534 --clear-groups \
        busctl get-property org.berth1 "$(obj_of "$n")" org.berth1.Container State >/dev/null ||
        h_fail "a non-root caller cannot read a container's state"
    # ...but not change anything.
    local ghost
    new_container ghost db-nobody-new
    name=$(cmd_error_name setpriv --reuid=65534 --regid=65534 --clear-groups \
        busctl call org.berth1 /org/berth1 org.berth1.Manager CreateContainer 'sa{sv}' "$ghost" 0)
    [[ "$name" == *AccessDenied ]] || h_fail "non-root CreateContainer answered $name, expected AccessDenied"
    name=$(cmd_error_name setpriv --reuid=65534 --regid=65534 --clear-groups \
        busctl call org.berth1 /org/berth1 org.berth1.Manager StartContainer s "$n")
    [[ "$name" == *AccessDenied ]] || h_fail "non-root StartContainer answered $name, expected AccessDenied"
    ! container_exists "$ghost" || h_fail "a non-root caller created a container"
    assert_eq stopped "$(prop "$n" State)" "State after a non-root start"
}
