#!/usr/bin/env bash
# port del detaches a port (traffic stops, its MACs go) and port add restores it;
# TAPs switchd created disappear with their port and when switchd stops, while
# interfaces it only attached to stay; SIGTERM exits 0 and removes the socket.
. "$(dirname "$0")/lib.sh"

start_daemon
add_host a 10.75.0.1
add_host b 10.75.0.2
add_tap_host t 10.75.0.3
mac_b=$(host_mac b)
mac_t=$(host_mac t)
ping_ok a 10.75.0.2
ping_ok a 10.75.0.3
assert_eq "${P}b" "$(mac_port "$mac_b")" "b's MAC before port del"

# 1. Deleting a veth port: gone from port show, its MAC entries flushed, no traffic.
expect_exit 0 ctl -j port del "${P}b"
assert_eq "{\"port\":\"${P}b\",\"result\":\"deleted\"}" "$(jq -c . <<<"$OUT")" "port del -j output"
port_absent "${P}b" || fail "port ${P}b still in port show after port del"
assert_eq 0 "$(macs_json | jq --arg p "${P}b" '[.[] | select(.port == $p)] | length')" \
	"MAC entries on ${P}b after port del"
mac_absent "$mac_b" || fail "b's MAC $mac_b still in the table after port del"
assert_eq 1 "$(log_count "port ${P}b removed: deleted by request")" "log lines for the port del"
ping_fails a 10.75.0.2
ping_fails b 10.75.0.3
# The veth end switchd only attached to stays.
ip link show "${P}b" >/dev/null 2>&1 || fail "port del removed the veth end ${P}b it did not create"
# Other ports are untouched.
ping_ok a 10.75.0.3

# 2. Re-adding restores it.
ctl port add "${P}b" >/dev/null
ping_ok a 10.75.0.2
ping_ok b 10.75.0.3
assert_eq "${P}b" "$(mac_port "$mac_b")" "b's MAC after re-adding the port"

# 3. Unknown ports: exit 1, one line on stderr naming the port.
expect_exit 1 ctl port del "${P}zz"
assert_eq "port del ${P}zz: no such port" "$ERR" "stderr of port del of an unknown port"
assert_eq "" "$OUT" "stdout of a failed port del"
expect_exit 1 ctl port del "${P}t2"
assert_eq 1 "$(wc -l <<<"$ERR")" "stderr lines of a failed port del"
assert_eq 3 "$(status_field ports)" "ports after failed port dels"

# 4. A TAP that switchd creates and that stays in the root namespace: port del removes it.
ctl port add "${P}x" type tap >/dev/null
ip link show "${P}x" >/dev/null || fail "TAP ${P}x not created by port add type tap"
assert_eq true "$(port_field "${P}x" created)" "created flag of ${P}x"
ctl port del "${P}x" >/dev/null
tap_gone() { ! ip link show "$1" >/dev/null 2>&1; }
wait_until 2 "TAP ${P}x to disappear after port del" tap_gone "${P}x"

# 5. A created TAP moved into a netns: port del removes it there too, and t is cut off.
ctl port del "${P}t" >/dev/null
in_t_gone() { ! ip -n "${P}t" link show eth0 >/dev/null 2>&1; }
wait_until 2 "the moved TAP (eth0 in ${P}t) to disappear after port del" in_t_gone
mac_absent "$mac_t" || fail "t's MAC still in the table after its port was deleted"
ping_ok a 10.75.0.2

# 6. SIGTERM: exit 0, socket removed, created TAPs gone, attached veth ends kept.
ctl port add "${P}y" type tap >/dev/null
ctl port add "${P}z" type tap >/dev/null
ip link set "${P}z" netns "${P}t" # one in the root netns, one moved away
wait_until 3 "port ${P}z to be moved" port_state_is "${P}z" moved
stop_daemon
assert_eq 0 "$DAEMON_RC" "switchd exit status after SIGTERM"
[ ! -e "$SOCK" ] || fail "socket $SOCK still exists after SIGTERM"
wait_until 2 "TAP ${P}y created by switchd to go when it stopped" tap_gone "${P}y"
z_gone() { ! ip -n "${P}t" link show "${P}z" >/dev/null 2>&1; }
wait_until 2 "TAP ${P}z created by switchd (moved into ${P}t) to go when it stopped" z_gone
for h in a b; do
	ip link show "$P$h" >/dev/null 2>&1 || fail "veth end $P$h vanished when switchd stopped"
done
assert_eq 1 "$(log_count "stopped")" "'stopped' log lines"
expect_exit 1 "$SWITCHCTL" -s "$SOCK" status
assert_contains "$ERR" "cannot connect" "switchctl with switchd stopped"
