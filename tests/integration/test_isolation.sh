# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# What a container is isolated by: namespaces, id mapping (checked from both sides), hostname, /dev, /sys,
# capabilities, seccomp and network.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

_running_container() {   # VAR PREFIX
    new_container "$1" "$2"
    bctl create "${!1}"
    bctl start "${!1}"
}

# cexec NAME CMD...: the stdout of CMD run inside NAME.
cexec() {
    local n=$1
    shift
    bctl exec "$n" -- "$@"
}

test_hostname_and_root_user() {
    local n
    _running_container n is-host
    assert_eq "$n" "$(cexec "$n" /bin/cat /proc/sys/kernel/hostname)" "hostname inside"
    assert_eq "$n" "$(cexec "$n" /bin/hostname)" "hostname(1) inside"
    [[ "$(cat /proc/sys/kernel/hostname)" != "$n" ]] || h_fail "the container changed the host's hostname"
    assert_eq 0 "$(cexec "$n" id -u)" "uid inside"
    assert_eq 0 "$(cexec "$n" id -g)" "gid inside"
}

test_uid_map_matches_allocation() {
    local n base size leader
    _running_container n is-idmap
    base=$(prop "$n" IdMapBase)
    size=$(prop "$n" IdMapSize)
    assert_eq 65536 "$size" "IdMapSize"
    [[ "$base" -gt 0 ]] || h_fail "IdMapBase is $base: root inside must not be root outside"
    assert_eq "0 $base 65536" "$(cexec "$n" /bin/cat /proc/self/uid_map | awk '{print $1, $2, $3}')" "uid_map"
    assert_eq "0 $base 65536" "$(cexec "$n" /bin/cat /proc/self/gid_map | awk '{print $1, $2, $3}')" "gid_map"
    # Seen from the host, the container's PID 1 runs as the first id of the range.
    leader=$(prop "$n" Leader)
    assert_eq "$base" "$(awk '/^Uid:/ {print $2}' "/proc/$leader/status")" "host uid of the leader"
    assert_eq "$base" "$(awk '/^Gid:/ {print $2}' "/proc/$leader/status")" "host gid of the leader"
}

test_files_created_inside() {
    local n base mode root f
    _running_container n is-files
    base=$(prop "$n" IdMapBase)
    mode=$(prop "$n" IdMapMode)
    cexec "$n" /bin/touch /berth-itest-file
    assert_eq "0 0" "$(cexec "$n" /bin/stat -c '%u %g' /berth-itest-file)" "owner of the file seen inside"
    # On disk: through an idmapped mount, container root writes uid 0 (the tree stays unshifted); a shifted
    # root stores the host id.
    root=$(find "$BERTH_STATE_DIR" -maxdepth 6 -type d -path "*/containers/$n/rootfs" 2>/dev/null | head -n 1)
    if [[ -z "$root" ]]; then
        h_skip "container root of $n not found under $BERTH_STATE_DIR; on-disk owner not checked"
        return 0
    fi
    f="$root/berth-itest-file"
    [[ -e "$f" ]] || h_fail "file created inside not found at $f"
    case "$mode" in
        idmapped) assert_eq "0 0" "$(stat -c '%u %g' "$f")" "on-disk owner with an idmapped root" ;;
        shifted) assert_eq "$base $base" "$(stat -c '%u %g' "$f")" "on-disk owner with a shifted root" ;;
        *) h_fail "IdMapMode is '$mode'" ;;
    esac
}

test_ranges_do_not_overlap_and_persist() {
    local a b c ba bb bc
    _running_container a is-rangea
    _running_container b is-rangeb
    ba=$(prop "$a" IdMapBase)
    bb=$(prop "$b" IdMapBase)
    (((ba > bb ? ba - bb : bb - ba) >= 65536)) || h_fail "ranges overlap: $a at $ba, $b at $bb"

    # A stopped container keeps its range too.
    bctl terminate "$b"
    assert_eq "$bb" "$(prop "$b" IdMapBase)" "IdMapBase of a stopped container"

    systemctl restart berthd.service
    assert_eq "$ba" "$(prop "$a" IdMapBase)" "IdMapBase of running $a after daemon restart"
    assert_eq "$bb" "$(prop "$b" IdMapBase)" "IdMapBase of stopped $b after daemon restart"
    bctl start "$b"
    assert_eq "$bb" "$(prop "$b" IdMapBase)" "IdMapBase of $b when started again"
    assert_eq "0 $bb 65536" "$(cexec "$b" /bin/cat /proc/self/uid_map | awk '{print $1, $2, $3}')" "uid_map of $b"

    # A new container after the restart gets a range of its own.
    _running_container c is-rangec
    bc=$(prop "$c" IdMapBase)
    (((bc > ba ? bc - ba : ba - bc) >= 65536)) || h_fail "new range $bc overlaps $a's $ba"
    (((bc > bb ? bc - bb : bb - bc) >= 65536)) || h_fail "new range $bc overlaps $b's $bb"
}

test_namespaces_are_new() {
    local n leader ns mine theirs inside
    _running_container n is-ns
    leader=$(prop "$n" Leader)
    for ns in user mnt pid uts ipc net cgroup; do
        mine=$(readlink "/proc/self/ns/$ns")
        theirs=$(readlink "/proc/$leader/ns/$ns")
        [[ "$mine" != "$theirs" ]] || h_fail "the container shares the host's $ns namespace ($mine)"
        # exec joins the same namespaces as PID 1.
        inside=$(cexec "$n" /bin/readlink "/proc/self/ns/$ns")
        assert_eq "$theirs" "$inside" "$ns namespace of an exec'd process"
    done
    # The cgroup namespace is rooted at the container: no host cgroup path shows inside.
    assert_not_contains "$(cexec "$n" /bin/cat /proc/1/cgroup)" machine.slice "/proc/1/cgroup inside"
}

test_pid1_is_init() {
    local n cmdline
    _running_container n is-init
    cmdline=$(cexec "$n" /bin/cat /proc/1/cmdline | tr '\0' ' ')
    assert_contains "$cmdline" init "PID 1 of a boot-mode container"
    # The leader the daemon reports is that same process, seen from the host.
    assert_eq "$cmdline" "$(tr '\0' ' ' <"/proc/$(prop "$n" Leader)/cmdline")" "Leader's command line"
}

test_dev_has_only_safe_nodes() {
    local n nodes line f
    _running_container n is-dev
    # Every device node under /dev (symlinks such as /dev/fd and /dev/stdin are skipped).
    nodes=$(cexec "$n" /bin/sh -c 'for f in /dev/* /dev/*/*; do
            [ -L "$f" ] && continue
            if [ -b "$f" ]; then echo "b $f"; elif [ -c "$f" ]; then echo "c $f"; fi
        done')
    while IFS= read -r line; do
        [[ -z "$line" ]] && continue
        [[ "$line" =~ ^c\ /dev/(null|zero|full|random|urandom|tty|console|ptmx|net/tun|fuse|pts/ptmx|pts/[0-9]+)$ ]] ||
            h_fail "unsafe device node in the container: $line"
    done <<<"$nodes"
    for f in null zero full random urandom tty; do
        assert_contains "$nodes" "c /dev/$f" "/dev/$f in the container"
    done
    expect_status 0 bctl exec "$n" -- /bin/sh -c 'echo x >/dev/null && head -c 4 /dev/urandom | wc -c'
    assert_eq 4 "$(tr -d ' ' <<<"$H_STDOUT")" "reading /dev/urandom"
    # No new device nodes either (no CAP_MKNOD over the host's devices in a user namespace).
    expect_status 1 bctl exec "$n" -- /bin/sh -c 'mknod /dev/berth-itest-mem c 1 1 2>/dev/null && exit 0; exit 1'
    # devpts is there and private.
    assert_contains "$(cexec "$n" /bin/cat /proc/self/mounts)" devpts "devpts mounted in the container"
}

test_sys_is_read_only() {
    local n opts
    _running_container n is-sys
    expect_status 1 bctl exec "$n" -- /bin/sh -c 'touch /sys/x 2>/dev/null && exit 0; exit 1'
    opts=$(cexec "$n" /bin/cat /proc/self/mounts | awk '$2 == "/sys" { print $4 }' | head -n 1)
    [[ "$opts" == ro* ]] || h_fail "/sys is mounted '$opts', expected read-only"
    # /proc is the container's own: it shows the container's PID 1, not the host's.
    assert_contains "$(cexec "$n" /bin/cat /proc/1/cmdline | tr '\0' ' ')" init "/proc/1 inside"
}

# has_cap HEXMASK BIT: the capability bit is set in a /proc/PID/status mask.
_has_cap() {
    (((16#$1 >> $2) & 1))
}

test_capabilities_bounded() {
    local n bnd self_bnd eff
    _running_container n is-caps
    bnd=$(cexec "$n" /bin/cat /proc/1/status | awk '/^CapBnd:/ { print $2 }')
    [[ -n "$bnd" ]] || h_fail "no CapBnd in /proc/1/status inside"
    ! _has_cap "$bnd" 16 || h_fail "CAP_SYS_MODULE is in PID 1's bounding set ($bnd)"
    _has_cap "$bnd" 0 || h_fail "CAP_CHOWN is missing from PID 1's bounding set ($bnd): root inside can't work"
    _has_cap "$bnd" 6 || h_fail "CAP_SETGID is missing from PID 1's bounding set ($bnd)"
    # exec'd commands get the same bounding set, and as root inside they have capabilities in effect.
    self_bnd=$(cexec "$n" /bin/cat /proc/self/status | awk '/^CapBnd:/ { print $2 }')
    assert_eq "$bnd" "$self_bnd" "bounding set of an exec'd process"
    eff=$(cexec "$n" /bin/cat /proc/self/status | awk '/^CapEff:/ { print $2 }')
    _has_cap "$eff" 0 || h_fail "exec'd root has no CAP_CHOWN in effect ($eff)"
}

test_seccomp_active() {
    local n
    _running_container n is-seccomp
    assert_eq 2 "$(cexec "$n" /bin/cat /proc/1/status | awk '/^Seccomp:/ { print $2 }')" "Seccomp mode of PID 1"
    assert_eq 2 "$(cexec "$n" /bin/cat /proc/self/status | awk '/^Seccomp:/ { print $2 }')" "Seccomp of an exec'd process"
}

test_network_is_private() {
    local n ifaces
    # --network none: loopback only (the default network's eth0 is tested in test_network.sh).
    new_container n is-net
    bctl create "$n" --network none
    bctl start "$n"
    ifaces=$(cexec "$n" /bin/cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' ')
    assert_eq lo "$ifaces" "network interfaces in the container"
}

test_command_mode_isolated_too() {
    local n leader
    new_container n is-cmd
    bctl create "$n" -- /bin/sleep 1000
    bctl start "$n"
    leader=$(prop "$n" Leader)
    assert_eq "$(prop "$n" IdMapBase)" "$(awk '/^Uid:/ {print $2}' "/proc/$leader/status")" "host uid of PID 1"
    assert_eq "$n" "$(cexec "$n" /bin/cat /proc/sys/kernel/hostname)" "hostname in command mode"
    assert_eq 2 "$(cexec "$n" /bin/cat /proc/1/status | awk '/^Seccomp:/ { print $2 }')" "Seccomp in command mode"
}
