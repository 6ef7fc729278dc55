# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# Bandwidth limits (create/set-limits --net-rate): tc on the host end of the container's veth, a tbf qdisc
# shaping traffic toward the container, and traffic from it redirected (u32 + mirred) to an ifb device shaped
# by tbf the same way.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

_nr_gateway() {
    bctl exec "$1" -- ip -4 route show default | awk '{print $3; exit}'
}

# The host end of the container's veth: the bridge port whose peer is the container's eth0.
_nr_host_veth() {   # CONTAINER
    local idx
    idx=$(bctl exec "$1" -- cat /sys/class/net/eth0/iflink)
    ip -o link | awk -F': ' -v i="$idx" '$1 == i { sub(/@.*/, "", $2); print $2; exit }'
}

# Milliseconds the container takes to download URL.
_nr_download_ms() {   # CONTAINER URL
    local t0 t1
    t0=$(date +%s%N)
    bctl exec "$1" -- wget -q -O /dev/null "$2"
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}

test_net_rate_slows_a_transfer() {
    local c gw veth dir port ms
    new_container c nr
    bctl create "$c" --net-rate 8M -- /bin/sleep 1000
    assert_eq 8000000 "$(prop "$c" NetRateIn)" "NetRateIn"
    assert_eq 8000000 "$(prop "$c" NetRateOut)" "NetRateOut"
    bctl start "$c"
    veth=$(_nr_host_veth "$c")
    [[ -n $veth ]] || h_fail "cannot find the host end of $c's veth"
    assert_contains "$(tc qdisc show dev "$veth")" "qdisc tbf"
    assert_contains "$(tc qdisc show dev "$veth")" "rate 8Mbit"
    assert_contains "$(tc filter show dev "$veth" ingress)" "mirred"
    assert_contains "$(tc qdisc show dev "ib${veth#vb}")" "rate 8Mbit"
    # 2 MB toward the container at 8 Mbit/s takes about 2 s; without a limit a few ms.
    gw=$(_nr_gateway "$c")
    new_tmpdir dir
    head -c 2000000 /dev/urandom >"$dir/blob"
    port=$((30000 + RANDOM % 10000))
    python3 -m http.server --bind "$gw" --directory "$dir" "$port" >/dev/null 2>&1 &
    track_pid $!
    wait_until 5 bctl exec "$c" -- wget -q -O /dev/null "http://$gw:$port/" || h_fail "test server does not answer"
    ms=$(_nr_download_ms "$c" "http://$gw:$port/blob")
    ((ms >= 1500)) || h_fail "2 MB at 8 Mbit/s took only $ms ms"
    ((ms < 8000)) || h_fail "2 MB at 8 Mbit/s took $ms ms"
    # Lifted live: set-limits --net-rate 0 removes both qdiscs at once.
    bctl set-limits "$c" --net-rate 0
    assert_not_contains "$(tc qdisc show dev "$veth")" "tbf"
    assert_not_contains "$(tc qdisc show dev "$veth")" "ingress"
    if ip link show "ib${veth#vb}" >/dev/null 2>&1; then h_fail "ifb device left after the limit was lifted"; fi
    ms=$(_nr_download_ms "$c" "http://$gw:$port/blob")
    ((ms < 1500)) || h_fail "without a limit 2 MB took $ms ms"
    # And put back live, one direction only.
    bctl set-limits "$c" --net-rate-out 1M
    assert_not_contains "$(tc qdisc show dev "$veth")" "tbf"
    assert_contains "$(tc filter show dev "$veth" ingress)" "mirred"
    assert_contains "$(tc qdisc show dev "ib${veth#vb}")" "rate 1Mbit"
    assert_contains "$(bctl status "$c")" "Net rate"
    # Uploads are slowed too: 250 kB from the container at 1 Mbit/s take about 2 s. The sink reads exactly
    # that much and closes, which ends the container's nc.
    local up_port=$((port + 1)) t0 t1
    python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen()
c, _ = s.accept()
left = 250000
while left > 0:
    b = c.recv(65536)
    if not b:
        break
    left -= len(b)
c.close()' "$gw" "$up_port" &
    track_pid $!
    bctl exec "$c" -- /bin/sh -c 'head -c 250000 /dev/urandom >/up'
    sleep 0.3
    t0=$(date +%s%N)
    bctl exec "$c" -- /bin/sh -c "nc $gw $up_port </up" || true
    t1=$(date +%s%N)
    ms=$(((t1 - t0) / 1000000))
    ((ms >= 1200)) || h_fail "250 kB up at 1 Mbit/s took only $ms ms"
    # The ifb device goes with the veth.
    bctl terminate "$c"
    if ip link show "ib${veth#vb}" >/dev/null 2>&1; then h_fail "ifb device left after the container stopped"; fi
}

test_net_rate_bad_input() {
    local c
    new_container c nr-bad
    expect_fail "invalid --net-rate" bctl create "$c" --net-rate fast -- /bin/true
    expect_fail "smallest rate" bctl create "$c" --net-rate 10 -- /bin/true
    expect_fail "invalid --net-rate-in" bctl create "$c" --net-rate-in 5X -- /bin/true
}
