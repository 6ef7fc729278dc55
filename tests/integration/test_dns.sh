# shellcheck shell=bash
# shellcheck disable=SC2016 # single-quoted scripts run inside the container
# DNS and DHCP of networks: one dnsmasq per network (berth-dnsmasq-NET.service), listening on the bridge's
# addresses only, naming containers NAME.berth, serving DHCP to guests that ask, gone with the network.
source "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"

_dns_gateway() {   # CONTAINER: its default gateway (the bridge address, where dnsmasq listens)
    bctl exec "$1" -- ip -4 route show default | awk '{print $3; exit}'
}

_dns_addr() {   # CONTAINER
    bctl exec "$1" -- ip -o -4 addr show dev eth0 | awk '{sub(/\/.*/, "", $4); print $4; exit}'
}

# The IPv4 address nslookup reports for NAME from SERVER (busybox nslookup, run by CMD...).
_dns_lookup() {   # NAME SERVER CMD...
    local name=$1 server=$2
    shift 2
    "$@" nslookup "$name" "$server" 2>/dev/null | awk '/^Name:/ {n=1} n && /^Address/ {sub(/^Address( 1)?:[ \t]*/, ""); print $1; exit}'
}

test_dns_names_between_containers_and_from_the_host() {
    local a b gw addr_b addr_a
    new_container a dn-a
    new_container b dn-b
    bctl create "$a"
    bctl create "$b"
    bctl start "$a"
    bctl start "$b"
    gw=$(_dns_gateway "$a")
    [[ -n $gw ]] || h_fail "container $a has no default gateway"
    systemctl is-active --quiet berth-dnsmasq-berth0.service || h_fail "berth-dnsmasq-berth0.service is not active"
    addr_a=$(_dns_addr "$a")
    addr_b=$(_dns_addr "$b")
    # a finds b by name through the network's dnsmasq, and the other way round.
    wait_until 5 test "$(_dns_lookup "$b.berth" "$gw" bctl exec "$a" --)" = "$addr_b" ||
        h_fail "$a cannot resolve $b.berth to $addr_b: $(bctl exec "$a" -- nslookup "$b.berth" "$gw" 2>&1)"
    assert_eq "$addr_a" "$(_dns_lookup "$a.berth" "$gw" bctl exec "$b" --)" "$b resolves $a.berth"
    # ... and reaches it by name (the name resolves through the container's resolv.conf when it points there).
    if bctl exec "$a" -- grep -q "nameserver $gw" /etc/resolv.conf; then
        bctl exec "$a" -- ping -c 1 -W 2 "$b.berth" >/dev/null || h_fail "$a cannot ping $b.berth"
    fi
    # The test host resolves container names too (dnsmasq on the bridge address).
    assert_eq "$addr_b" "$(_dns_lookup "$b.berth" "$gw" busybox)" "the test host resolves $b.berth"
    # A removed container's name is gone (hosts file rewritten, dnsmasq reloaded).
    bctl remove --force "$b"
    wait_until 5 test -z "$(_dns_lookup "$b.berth" "$gw" busybox)" || h_fail "$b.berth still resolves after remove"
}

test_dns_listens_on_the_bridge_only() {
    local gw pid
    new_container c dn-listen
    bctl create "$c" -- /bin/sleep 1000
    bctl start "$c"
    gw=$(_dns_gateway "$c")
    pid=$(systemctl show -P MainPID berth-dnsmasq-berth0.service)
    [[ $pid -gt 0 ]] || h_fail "dnsmasq of berth0 does not run"
    local sockets
    sockets=$(ss -Hlnup | grep "pid=$pid," || true)
    assert_contains "$sockets" "$gw:53"
    assert_not_contains "$sockets" "0.0.0.0:53"
    assert_not_contains "$sockets" "127.0.0.1:53"
    assert_not_contains "$sockets" "*:53"
}

test_dhcp_gives_a_guest_its_lease() {
    local c addr out
    new_container c dn-dhcp
    bctl create "$c" -- /bin/sleep 1000
    bctl start "$c"
    addr=$(_dns_addr "$c")
    # The guest asks (without changing its interface: the script is /bin/true), sending its host name as
    # DHCP clients of full guests do (busybox udhcpc only when told), and gets its lease's address.
    out=$(bctl exec "$c" -- udhcpc -i eth0 -n -q -f -t 3 -T 1 -s /bin/true -x "hostname:$c" 2>&1) ||
        h_fail "no DHCP answer: $out"
    assert_contains "$out" "$addr" "udhcpc output"
}

test_dnsmasq_per_network_gone_with_it() {
    local net=dnt$((RANDOM % 10000)) dir
    bctl network create "$net"
    on_exit bctl network remove "$net"
    systemctl is-active --quiet "berth-dnsmasq-$net.service" || h_fail "no dnsmasq for network $net"
    dir=/run/berth/dnsmasq/$net
    [[ -f $dir/dnsmasq.conf ]] || h_fail "no $dir/dnsmasq.conf"
    assert_contains "$(cat "$dir/dnsmasq.conf")" "interface=$net"
    bctl network remove "$net"
    if systemctl is-active --quiet "berth-dnsmasq-$net.service"; then h_fail "dnsmasq of $net still runs"; fi
    [[ ! -e $dir ]] || h_fail "$dir left behind"
}

test_host_resolves_through_resolved() {
    busctl status org.freedesktop.resolve1 >/dev/null 2>&1 || skip "systemd-resolved does not run in this test host"
    local c addr
    new_container c dn-res
    bctl create "$c" -- /bin/sleep 1000
    bctl start "$c"
    addr=$(_dns_addr "$c")
    assert_contains "$(resolvectl query "$c.berth" 2>&1)" "$addr"
}
