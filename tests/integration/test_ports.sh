# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# Port forwards (berthctl port add/list/remove): DNAT rules in berth's own nftables table `inet berth_ports`,
# reachable from another network namespace and from the test host itself (127.0.0.1, and its IPv6 addresses),
# kept in the definition across a berthd restart, gone with the forward or the container.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

# A command-mode container serving "hello-NAME" over HTTP on port 80 (busybox httpd, IPv4 and IPv6).
_pf_web() {   # VAR PREFIX
    new_container "$1" "$2"
    bctl create "${!1}" -- /bin/sh -c 'mkdir -p /srv && echo "hello-$(hostname)" >/srv/index.html && exec httpd -f -p 80 -h /srv'
    bctl start "${!1}"
}

# The container's address of a family on eth0 (inet or inet6, global scope).
_pf_addr() {   # NAME inet|inet6
    bctl exec "$1" -- ip -o addr show dev eth0 scope global | awk -v f="$2" '$3 == f { sub(/\/.*/, "", $4); print $4; exit }'
}

_pf_get() {   # URL: the body, or nothing (and failure) within 3 s (python3: static busybox wget crashes with -T)
    python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=3).read().decode().strip())' "$1" 2>/dev/null
}

_pf_ready() {   # CONTAINER: its httpd answers inside
    # (no -T: busybox 1.35's static wget crashes with a timeout)
    [[ $(bctl exec "$1" -- wget -O - http://127.0.0.1/ 2>/dev/null) == "hello-$1" ]]
}

_pf_port() { echo $((20000 + RANDOM % 20000)); }

# A network namespace "outside" the host, linked to it by a veth with 192.0.2.0/24 and fd99:b::/64.
_pf_outside() {   # VAR
    local _n="pfo$RANDOM"
    ip netns add "$_n"
    on_exit ip netns delete "$_n"
    ip link add "$_n-h" type veth peer name "$_n-o"
    on_exit ip link delete "$_n-h"
    ip link set "$_n-o" netns "$_n"
    ip addr add 192.0.2.1/24 dev "$_n-h"
    ip -6 addr add fd99:b::1/64 dev "$_n-h" nodad
    ip link set "$_n-h" up
    ip -n "$_n" addr add 192.0.2.2/24 dev "$_n-o"
    ip -n "$_n" -6 addr add fd99:b::2/64 dev "$_n-o" nodad
    ip -n "$_n" link set "$_n-o" up
    ip -n "$_n" link set lo up
    printf -v "$1" '%s' "$_n"
}

test_port_forward_answers_from_outside_and_loopback() {
    local c port ns v6 out
    _pf_web c pf-web
    wait_until 5 _pf_ready "$c" || h_fail "httpd in $c did not come up: $(bctl exec "$c" -- wget -O - http://127.0.0.1/ 2>&1)"
    port=$(_pf_port)
    out=$(bctl port add "$c" "$port:80")
    assert_contains "$out" "$port:80/tcp"
    # From the host itself, IPv4 loopback.
    assert_eq "hello-$c" "$(_pf_get "http://127.0.0.1:$port/")" "forward from 127.0.0.1"
    # From another netns, IPv4 and IPv6, to the host's address on that link.
    _pf_outside ns
    assert_eq "hello-$c" "$(ip netns exec "$ns" bash -c "$(declare -f _pf_get); _pf_get http://192.0.2.1:$port/")" "forward from another netns (IPv4)"
    v6=$(_pf_addr "$c" inet6)
    if [[ -n $v6 ]]; then
        assert_eq "hello-$c" "$(ip netns exec "$ns" bash -c "$(declare -f _pf_get); _pf_get http://[fd99:b::1]:$port/")" "forward from another netns (IPv6)"
        # From the host itself over IPv6 (one of its own addresses).
        assert_eq "hello-$c" "$(_pf_get "http://[fd99:b::1]:$port/")" "forward from the host (IPv6)"
    fi
    # Listed, as a table and as JSON, and present in berth's own table only.
    assert_contains "$(bctl port list "$c")" "*:$port"
    assert_eq "$port:80/tcp" "$(bctl port list "$c" --json | jq -r '.[0].forward')" "port list --json"
    assert_contains "$(nft list table inet berth_ports)" "dport $port dnat ip to"
    assert_eq "$port:80/tcp" "$(prop "$c" PortForwards)" "PortForwards property"
    # Removed: the rule is gone and nothing answers.
    bctl port remove "$c" "$port"
    assert_not_contains "$(nft list table inet berth_ports 2>/dev/null || true)" "dport $port "
    if _pf_get "http://127.0.0.1:$port/" >/dev/null; then h_fail "forward still answers after port remove"; fi
    assert_eq "" "$(bctl port list "$c" --json | jq -r '.[].forward')" "port list after remove"
}

test_port_forward_host_address_and_udp() {
    local c port out
    new_container c pf-udp
    bctl create "$c" -- /bin/sh -c 'exec nc -lk -u -p 53 -e /bin/echo pong'
    bctl start "$c"
    port=$(_pf_port)
    bctl port add "$c" "127.0.0.1:$port:53/udp"
    bctl port add "$c" "$((port + 1)):80"
    out=$(bctl port list "$c")
    assert_contains "$out" "127.0.0.1:$port"
    assert_contains "$out" "udp"
    assert_contains "$(nft list table inet berth_ports)" "ip daddr 127.0.0.1 udp dport $port dnat ip to"
    # Persisted in the definition.
    assert_contains "$(bctl show "$c" --toml 2>/dev/null || cat "$(_h_config_value paths state /var/lib/berth)/containers/$c.toml")" "127.0.0.1:$port:53/udp"
    bctl port remove "$c" "$port/udp" "$((port + 1))"
    assert_eq "0" "$(bctl port list "$c" --json | jq length)" "forwards left"
}

test_port_forward_survives_berthd_restart() {
    local c port
    _pf_web c pf-rst
    port=$(_pf_port)
    bctl port add "$c" "$port:80"
    wait_until 5 _pf_get "http://127.0.0.1:$port/" || h_fail "forward does not answer"
    systemctl restart berthd.service
    assert_contains "$(bctl port list "$c")" "*:$port"
    assert_contains "$(nft list table inet berth_ports)" "dport $port dnat ip to"
    assert_eq "hello-$c" "$(_pf_get "http://127.0.0.1:$port/")" "forward after restart of berthd"
    # And after a restart of the container (same lease, same address).
    bctl terminate "$c"
    bctl start "$c"
    wait_until 5 _pf_get "http://127.0.0.1:$port/" || h_fail "forward does not answer after the container restarted"
}

test_port_forward_bad_input() {
    local a b none port
    new_container a pf-bad-a
    new_container b pf-bad-b
    bctl create "$a" -- /bin/sleep 1000
    bctl create "$b" -- /bin/sleep 1000
    port=$(_pf_port)
    expect_fail "invalid port forward" bctl port add "$a" "80"
    expect_fail "not a port number" bctl port add "$a" "99999:80"
    expect_fail "protocol 'sctp'" bctl port add "$a" "8080:80/sctp"
    expect_fail "brackets" bctl port add "$a" "::1:8080:80"
    expect_fail "::1 cannot be forwarded" bctl port add "$a" "[::1]:$port:80"
    bctl port add "$a" "$port:80"
    expect_fail "already forwarded to container $a" bctl port add "$b" "$port:81"
    expect_fail "already forwarded" bctl port add "$b" "127.0.0.1:$port:81"
    expect_fail "already forwarded" bctl port add "$a" "$port:82"
    bctl port add "$b" "$port:81/udp"     # another protocol is another socket
    expect_fail "has no forward of host port" bctl port remove "$a" "$((port + 1))"
    expect_fail "invalid port" bctl port remove "$a" "x"
    new_container none pf-bad-none
    bctl create "$none" --network none -- /bin/sleep 1000
    expect_fail "no network" bctl port add "$none" "$((port + 2)):80"
    # Nothing half-made: only the two good forwards exist.
    assert_eq 1 "$(bctl port list "$a" --json | jq length)" "forwards of $a"
    assert_eq 1 "$(bctl port list "$b" --json | jq length)" "forwards of $b"
}

test_port_forward_gone_with_container() {
    local c port
    new_container c pf-rm
    bctl create "$c" -- /bin/sleep 1000
    port=$(_pf_port)
    bctl port add "$c" "$port:80"
    assert_contains "$(nft list table inet berth_ports)" "dport $port "
    bctl remove "$c"
    assert_not_contains "$(nft list table inet berth_ports 2>/dev/null || true)" "dport $port "
}
