# shellcheck shell=bash
# Networks (issue 4): the default network, bridges, addresses, NAT, leases, hot-plug and bad input. Everything
# runs in the test host's own network namespace; nothing here touches the machine's network.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

# _ip4 CONTAINER [NETWORK]: the container's IPv4 lease on NETWORK (default berth0).
_ip4() {
    bctl network status "${2:-berth0}" --json | jq -r --arg c "$1" '.Leases[] | select(.container == $c) | .ipv4'
}
_ip6() {
    bctl network status "${2:-berth0}" --json | jq -r --arg c "$1" '.Leases[] | select(.container == $c) | .ipv6'
}

# _new_network VAR PREFIX [OPTIONS...]: a fresh network (removed at the end).
_new_network() {
    local var=$1 prefix=$2
    shift 2
    printf -v "$var" '%s%d' "$prefix" "$((RANDOM % 10000))"
    bctl network create "${!var}" "$@"
    on_exit "$BERTHCTL" network remove "${!var}"
}

# _sleeper VAR PREFIX [CREATE OPTIONS...]: a running command-mode container.
_sleeper() {
    local var=$1 prefix=$2
    shift 2
    new_container "$var" "$prefix"
    bctl create "${!var}" "$@" -- /bin/sleep 1000
    bctl start "${!var}"
}

test_network_default_exists() {
    local out
    out=$(bctl network list --json)
    assert_eq true "$(jq -r '.[] | select(.name == "berth0") | .nat' <<<"$out")" "berth0 listed with NAT"
    local subnet
    subnet=$(jq -r '.[] | select(.name == "berth0") | .subnet' <<<"$out")
    assert_match "$subnet" '^(10|172)\.[0-9]+\.[0-9]+\.0/24$' "berth0 subnet"
    assert_contains "$(ip -o addr show dev berth0)" "${subnet%.0/24}.1/24" "gateway on the bridge"
    assert_contains "$(ip -o -6 addr show dev berth0)" "::1/64" "IPv6 gateway on the bridge"
    assert_contains "$(nft list table inet berth)" 'iifname "berth0" accept' "forward accept for berth0"
    assert_contains "$(nft list table inet berth)" "ip saddr $subnet oifname != \"berth0\" masquerade" "NAT of berth0"
    assert_eq 1 "$(cat /proc/sys/net/ipv4/ip_forward)" "ip_forward"
    assert_contains "$(bctl network status berth0)" "(default network)"
}

test_network_container_gets_eth0() {
    local a ip ip6 gw
    _sleeper a net-eth0
    ip=$(_ip4 "$a")
    ip6=$(_ip6 "$a")
    [[ -n $ip && $ip != null ]] || h_fail "no IPv4 lease for $a"
    assert_contains "$(bctl exec "$a" -- ip -o -4 addr show dev eth0)" "$ip/24" "eth0's IPv4 address"
    assert_contains "$(bctl exec "$a" -- ip -o -6 addr show dev eth0)" "$ip6/64" "eth0's IPv6 address"
    gw=$(bctl network status berth0 --json | jq -r .Gateway)
    assert_contains "$(bctl exec "$a" -- ip -4 route)" "default via $gw dev eth0" "IPv4 default route"
    assert_contains "$(bctl exec "$a" -- ip -6 route)" "default via" "IPv6 default route"
    assert_contains "$(bctl exec "$a" -- cat /etc/resolv.conf)" "nameserver $gw" "resolv.conf"
    assert_contains "$(bctl exec "$a" -- cat /etc/resolv.conf)" "search berth" "resolv.conf search domain"
    assert_contains "$(bctl status "$a")" "Network: berth0 (eth0) $ip $ip6" "status"
    # The host end is on the bridge.
    local host
    host=$(bctl network status berth0 --json | jq -r --arg c "$a" '.Leases[] | select(.container == $c) | .host_ifname')
    assert_contains "$(ip -o link show "$host")" "master berth0" "host end of the veth on the bridge"
    # The host reaches the container.
    busybox ping -c1 -W2 "$ip" >/dev/null || h_fail "the host cannot ping $ip"
}

test_network_none_is_loopback_only() {
    local a
    _sleeper a net-none --network none
    assert_eq lo "$(bctl exec "$a" -- cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' ')" "interfaces"
    assert_eq 0 "$(bctl network status berth0 --json | jq --arg c "$a" '[.Leases[] | select(.container == $c)] | length')" "leases of $a"
}

test_network_two_containers_ping() {
    local net a b ipa ipb
    _new_network net tnp --subnet 10.251.7.0/24 --subnet6 fd42:7::/64
    _sleeper a net-pa --network "$net"
    _sleeper b net-pb --network "$net"
    ipa=$(_ip4 "$a" "$net")
    ipb=$(_ip4 "$b" "$net")
    assert_eq 10.251.7.2 "$ipa" "first lease"
    assert_eq 10.251.7.3 "$ipb" "second lease"
    bctl exec "$a" -- ping -c1 -W2 "$ipb" >/dev/null || h_fail "$a cannot ping $b ($ipb)"
    bctl exec "$b" -- ping -c1 -W2 "$ipa" >/dev/null || h_fail "$b cannot ping $a ($ipa)"
    bctl exec "$a" -- ping -6 -c1 -W2 "$(_ip6 "$b" "$net")" >/dev/null || h_fail "$a cannot ping $b over IPv6"
}

# An "upstream" network namespace reached from the test host through a veth pair; it has no route back to the
# containers' subnet, so only masquerading makes replies come back.
test_network_nat_to_upstream() {
    local a ns="up$$"
    ip netns add "$ns"
    on_exit ip netns delete "$ns"
    ip link add "$ns-h" type veth peer name "$ns-u"
    on_exit ip link delete "$ns-h"
    ip link set "$ns-u" netns "$ns"
    ip addr add 198.51.100.1/24 dev "$ns-h"
    ip link set "$ns-h" up
    ip -n "$ns" addr add 198.51.100.2/24 dev "$ns-u"
    ip -n "$ns" link set "$ns-u" up
    ip -n "$ns" link set lo up
    _sleeper a net-nat
    bctl exec "$a" -- ping -c1 -W3 198.51.100.2 >/dev/null || h_fail "$a cannot reach the upstream namespace"
    # Without NAT the upstream namespace has no way back.
    local net b
    _new_network net tnn --subnet 10.251.9.0/24 --no-nat
    _sleeper b net-nonat --network "$net"
    if bctl exec "$b" -- ping -c1 -W1 198.51.100.2 >/dev/null 2>&1; then
        h_fail "a --no-nat network reached upstream (it must not be masqueraded)"
    fi
    assert_not_contains "$(nft list table inet berth)" "10.251.9.0/24" "no masquerade for a --no-nat network"
}

test_network_addresses_survive_restarts() {
    local a ip
    _sleeper a net-keep
    ip=$(_ip4 "$a")
    bctl terminate "$a"
    bctl start "$a"
    assert_eq "$ip" "$(_ip4 "$a")" "lease after a container restart"
    systemctl restart berthd.service
    assert_eq "$ip" "$(_ip4 "$a")" "lease after a berthd restart"
    assert_contains "$(bctl exec "$a" -- ip -o -4 addr show dev eth0)" "$ip/24" "eth0 after a berthd restart"
    bctl terminate "$a"
    bctl start "$a"
    assert_contains "$(bctl exec "$a" -- ip -o -4 addr show dev eth0)" "$ip/24" "eth0 after restarting again"
}

test_network_hotplug_attach_detach() {
    local net a ip
    _new_network net tnh --subnet 10.251.11.0/24 --subnet6 none
    _sleeper a net-hot
    bctl network attach "$a" "$net"
    ip=$(_ip4 "$a" "$net")
    assert_eq 10.251.11.2 "$ip" "lease on the attached network"
    assert_contains "$(bctl exec "$a" -- ip -o -4 addr show dev eth1)" "$ip/24" "eth1 after attach"
    busybox ping -c1 -W2 "$ip" >/dev/null || h_fail "the host cannot ping the attached address"
    expect_fail "is used by" bctl network remove "$net"
    bctl network detach "$a" "$net"
    if bctl exec "$a" -- ip link show eth1 >/dev/null 2>&1; then h_fail "eth1 still there after detach"; fi
    assert_eq 0 "$(bctl network list --json | jq -r --arg n "$net" '.[] | select(.name == $n) | .containers')" "leases after detach"
    # eth0 on the default network still works.
    bctl exec "$a" -- ip -o -4 addr show dev eth0 | grep -q "$(_ip4 "$a")" || h_fail "eth0 lost by the detach"
}

test_network_bad_input() {
    local out net
    capture "$BERTHCTL" network create bad1 --subnet 10.0.0.300/24
    assert_eq 1 "$LAST_STATUS" "exit status for an invalid CIDR"
    assert_contains "$LAST_STDERR" "not an IPv4 or IPv6 address"
    capture "$BERTHCTL" network create bad2 --subnet 10.251.20.1/24
    assert_contains "$LAST_STDERR" "host bits set"
    capture "$BERTHCTL" network create bad3 --subnet "$(bctl network list --json | jq -r '.[] | select(.name == "berth0") | .subnet')"
    assert_contains "$LAST_STDERR" "overlaps the subnet"
    capture "$BERTHCTL" network create lo
    assert_contains "$LAST_STDERR" "already has a network interface named 'lo'"
    capture "$BERTHCTL" network create way-too-long-name0
    assert_contains "$LAST_STDERR" "longer than 15"
    capture "$BERTHCTL" network remove berth0
    assert_contains "$LAST_STDERR" "default network"
    for n in bad1 bad2 bad3 lo way-too-long-name0; do
        ip link show "$n" 2>/dev/null | grep -q bridge && h_fail "a refused network left bridge $n"
    done
    # An exhausted subnet: a /30 has one address for containers.
    local a b
    _new_network net tnx --subnet 10.251.30.0/30 --subnet6 none
    new_container a net-x1
    new_container b net-x2
    bctl create "$a" --network "$net" -- /bin/sleep 1000
    capture "$BERTHCTL" create "$b" --network "$net" -- /bin/sleep 1000
    assert_eq 1 "$LAST_STATUS" "create on a full network"
    assert_contains "$LAST_STDERR" "no free address"
    container_exists "$b" && h_fail "a refused create left container $b"
    capture "$BERTHCTL" network remove "$net"
    assert_contains "$LAST_STDERR" "is used by container(s) $a"
    capture "$BERTHCTL" create "$b" --network nosuchnet -- /bin/true
    assert_contains "$LAST_STDERR" "no network named 'nosuchnet'"
    container_exists "$b" && h_fail "a create on a missing network left container $b"
    return 0
}

# Many create/start/remove cycles leave no veth, address, nft rule or lease behind.
test_network_leak_check() {
    local before_links before_nft before_leases i n cycles=${BERTH_NET_LEAK_CYCLES:-50}
    before_links=$(ip -o link show | grep -c ' vb' || true)
    # One cycle first, so that the default network and its firewall table exist also when this test runs alone.
    new_container n net-leak
    bctl create "$n" -- /bin/true >/dev/null
    bctl start "$n"
    bctl remove --force "$n"
    before_nft=$(nft list table inet berth | md5sum)
    before_leases=$(grep -c '^\[\[lease\]\]' /var/lib/berth/networks/berth0.toml || true)
    for ((i = 0; i < cycles; i++)); do
        new_container n net-leak
        bctl create "$n" -- /bin/true >/dev/null
        bctl start "$n"
        bctl remove --force "$n"
    done
    # At most as many as before: a veth of an earlier test may still be going away (the kernel tears a network
    # namespace down asynchronously), so "equal" could wait for a link this test never made.
    # A function, so that wait_until counts again on every try (an argument would be expanded only once).
    veths_at_most_before() { (( $(ip -o link show | grep -c ' vb' || true) <= before_links )); }
    wait_until 10 veths_at_most_before ||
        h_fail "veths left after $cycles cycles: $(ip -o link show | grep ' vb')"
    assert_eq "$before_nft" "$(nft list table inet berth | md5sum)" "nft table after $cycles cycles"
    assert_eq "$before_leases" "$(grep -c '^\[\[lease\]\]' /var/lib/berth/networks/berth0.toml || true)" "leases after $cycles cycles"
    assert_eq 0 "$(ip -o addr show | grep -c ' vb' || true)" "addresses on veths"
}

# A reboot starts the payload in new namespaces: berth-spawn plugs its interfaces again, same addresses.
test_network_reboot_replugs_eth0() {
    local a ip leader
    new_container a net-reboot
    bctl create "$a" --boot
    bctl start "$a"
    ip=$(_ip4 "$a")
    leader=$(prop "$a" Leader)
    sleep 0.5   # busybox init installs its signal handlers
    bctl reboot "$a"
    wait_leader_changed "$a" "$leader" 15
    wait_until 5 bash -c "$BERTHCTL exec $a -- ip -o -4 addr show dev eth0 | grep -q '$ip/24'" ||
        h_fail "eth0 without $ip after a reboot"
    assert_eq 1 "$(ip -o link show | grep -c "$(bctl network status berth0 --json | jq -r --arg c "$a" '.Leases[] | select(.container == $c) | .host_ifname')")" "host ends after the reboot"
}
