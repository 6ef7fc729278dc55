# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# What a container controls must not steer the host side, and what a guest needs from its namespaces works:
# loopback, its own cgroup subtree, a PowerOff that races a reboot.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

test_loopback_is_up_and_configurable() {
    local n
    new_container n hard-lo
    bctl create "$n" --boot
    bctl start "$n"
    assert_contains "$(bctl exec "$n" -- ip -o link show lo)" "UP" "lo inside a new container"
    # CAP_NET_ADMIN in its own network namespace, as nspawn gives a private network.
    bctl exec "$n" -- ip link set lo down
    bctl exec "$n" -- ip link set lo up
    bctl exec "$n" -- ping -c 1 -W 2 127.0.0.1 >/dev/null
    bctl remove --force "$n"
}

test_guest_owns_its_cgroup_subtree() {
    local n
    new_container n hard-cg
    bctl create "$n" --boot
    bctl start "$n"
    bctl exec "$n" -- /bin/sh -c 'd=$(awk "\$3 == \"cgroup2\" {print \$2; exit}" /proc/mounts); [ -n "$d" ] &&
        mkdir "$d/berth-probe" && echo $$ > "$d/berth-probe/cgroup.procs" && echo 0 > /dev/null'
    bctl remove --force "$n"
}

test_container_symlinks_never_reach_the_host() {
    local n probe out
    new_container n hard-ln
    probe=/run/berth-probe-group-$$
    printf 'tty:x:4242:\n' >"$probe"
    on_exit rm -f "$probe"
    bctl create "$n" --boot
    bctl start "$n"
    # The container points its /etc/group at a host path; berth-spawn reads it as host root at the next start.
    bctl exec "$n" -- ln -sf "$probe" /etc/group
    bctl terminate "$n"
    bctl start "$n"
    out=$(bctl exec "$n" -- grep devpts /proc/mounts)
    assert_not_contains "$out" "gid=$(( $(prop "$n" IdMapBase) + 4242 ))" "devpts options after the symlink"
    # A FIFO there must not hang the supervisor (and berthd with it).
    bctl exec "$n" -- /bin/sh -c 'rm -f /etc/group && mkfifo /etc/group'
    bctl terminate "$n"
    timeout 20 berthctl start "$n"
    assert_eq running "$(prop "$n" State)" "state after starting with a FIFO as /etc/group"
    bctl remove --force "$n"
}

test_poweroff_right_after_reboot_still_stops() {
    local n
    new_container n hard-rb
    bctl create "$n" --boot
    bctl start "$n"
    sleep 0.5   # busybox init installs its signal handlers
    bctl reboot "$n"
    bctl poweroff "$n"
    wait_state "$n" stopped 20
    bctl remove "$n"
}

test_exec_never_gets_the_callers_terminal() {
    local n out outer inner
    new_container n hard-tty
    bctl create "$n" --boot
    bctl start "$n"
    # Under script(1) berthctl's stdio is a terminal: the command must get a pty of berthctl's proxy instead, with
    # output, stderr and the exit status still passed through.
    # script(1)'s stdin stays open while it runs (we hold the FIFO's write end): at EOF script types an end-of-file
    # character into its terminal, which berthctl rightly forwards to the command's terminal, whose echo ("^@")
    # would race with the output.
    local fifo hold
    new_tmpdir fifo
    fifo=$fifo/stdin && mkfifo "$fifo"
    exec {hold}<>"$fifo"
    out=$(script -qec "stat -L -c 'outer %t:%T' /proc/self/fd/0; berthctl exec $n -- sh -c 'stat -L -c \"inner %t:%T\" /proc/self/fd/0; echo out; echo err >&2; exit 5'; echo status=\$?" /dev/null <"$fifo" | tr -d '\r')
    exec {hold}>&-
    outer=$(sed -n 's/^outer //p' <<<"$out")
    inner=$(sed -n 's/^inner //p' <<<"$out")
    [[ -n $outer && -n $inner ]] || h_fail "no terminal seen: $out"
    assert_ne "$outer" "$inner" "the container's terminal device vs the caller's"
    assert_contains "$out" "out" "stdout through the proxy"
    assert_contains "$out" "err" "stderr through the proxy"
    assert_contains "$out" "status=5" "exit status through the proxy"
    bctl remove --force "$n"
}

test_exec_terminal_follows_window_size() {
    local n out
    new_container n hard-winch
    bctl create "$n" --boot
    bctl start "$n"
    # berthctl runs on a pty we resize while the command runs; the command's own pty must follow.
    out=$(/usr/bin/python3 - "$(command -v "$BERTHCTL")" "$n" <<'PY'
import fcntl, os, pty, struct, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "exec", sys.argv[2], "--", "sh", "-c", "sleep 1; stty size"])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
time.sleep(0.4)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
out = b""
while True:
    try:
        data = os.read(fd, 1024)
    except OSError:
        break
    if not data:
        break
    out += data
os.waitpid(pid, 0)
print(out.decode(errors="replace").replace("\r", ""))
PY
)
    assert_contains "$out" "40 120" "the command's terminal size after a resize"
    bctl remove --force "$n"
}
