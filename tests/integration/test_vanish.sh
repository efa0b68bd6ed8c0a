#!/usr/bin/env bash
# A port whose interface disappears is removed within about a second, with one
# log line and its MACs flushed: netns deleted (veth), ip link del (veth), netns
# deleted (moved TAP), while traffic is flowing too. The daemon does not spin
# afterwards.
. "$(dirname "$0")/lib.sh"

start_daemon
add_host a 10.76.0.1
add_host b 10.76.0.2
add_host c 10.76.0.3
add_tap_host t 10.76.0.4
add_host d 10.76.0.5
add_host e 10.76.0.6
for h in a b c t d e; do ping_ok "$h" 10.76.0.5; done
mac_of_d=$(host_mac d)
declare -A MAC
for h in a b c t; do MAC[$h]=$(host_mac "$h"); done

# vanish_check HOST HOW: after HOW ran, the port goes within 2 s, exactly one
# "interface vanished" line is logged for it, and its MACs are gone.
vanish_check() {
	local h=$1 how=$2 start elapsed
	start=$(now_ms)
	wait_until 2 "port $P$h to be removed after $how" port_absent "$P$h"
	elapsed=$(($(now_ms) - start))
	say "port $P$h removed $elapsed ms after $how"
	wait_for 2 "the log line for $P$h" 'test "$(log_count "port $P$h removed: interface vanished")" -ge 1'
	sleep 0.3 # a second line (from a late netlink event or the tick) would show up by now
	assert_eq 1 "$(log_count "port $P$h removed")" "log lines about removing $P$h"
	mac_absent "${MAC[$h]}" || fail "$h's MAC still in the table after its port vanished"
}

# 1. The netns of a veth host is deleted (its veth pair goes with it).
ip netns del "${P}a"
vanish_check a "ip netns del ${P}a"

# 2. The root-side veth end is deleted.
ip link del "${P}b"
vanish_check b "ip link del ${P}b"

# 3. The netns holding a moved TAP is deleted (the kernel deletes the TAP).
ip netns del "${P}t"
vanish_check t "ip netns del ${P}t"

# 4. The interface goes while frames are flowing to and from it.
ip netns exec "${P}d" timeout 20 ping -n -q -f -w 8 10.76.0.3 >/dev/null 2>&1 &
flood_pid=$!
BG_PIDS+=("$flood_pid")
sleep 1
ip netns del "${P}c"
vanish_check c "ip netns del ${P}c under a ping flood"
stop_pid "$flood_pid"

# 5. A TAP switchd created and left in the root netns, deleted with ip link del.
ctl port add "${P}x" type tap >/dev/null
MAC[x]=$(ip -j link show "${P}x" | jq -r '.[0].address')
ip link del "${P}x"
vanish_check x "ip link del ${P}x (a created TAP)"

# 6. A veth end moved into another netns: its AF_PACKET socket cannot follow it, so the
#    port goes (unlike a moved TAP, whose fd keeps working).
add_host f 10.76.0.7
ping_ok f 10.76.0.5
MAC[f]=$(host_mac f)
new_netns "${P}g"
ip link set "${P}f" netns "${P}g"
vanish_check f "moving veth end ${P}f into netns ${P}g"

# 7. A link that goes down is not a vanished one: the port stays, in state down,
#    and traffic resumes when it comes back.
ip link set "${P}e" down
wait_until 2 "port ${P}e to be down" port_state_is "${P}e" down
sleep 1.5 # a tick or two: the port must survive them
port_exists "${P}e" || fail "port ${P}e removed when its link went down"
ping_fails e 10.76.0.5
ip link set "${P}e" up
wait_until 3 "port ${P}e to be up" port_state_is "${P}e" up
ping_ok e 10.76.0.5

# 8. A host recreated under the same names is attached afresh.
add_host a 10.76.0.1
ping_ok a 10.76.0.5
assert_eq "${P}a" "$(mac_port "$(host_mac a)")" "recreated a's MAC"

# The rest keeps working and the table holds only live ports.
assert_eq "${P}a ${P}d ${P}e" "$(port_names)" "ports left"
assert_eq 0 "$(macs_json | jq --arg p "$P" '[.[] | select(.port | IN($p + "a", $p + "d", $p + "e") | not)] | length')" \
	"MAC entries pointing at removed ports"
ping_ok e 10.76.0.5
assert_eq "${P}d" "$(mac_port "$mac_of_d")" "d's MAC"

# The daemon idles: under 5% of a CPU over 2 s (it wakes once a second), with one
# port's link down as well.
ip link set "${P}e" down
sleep 1
before=$(daemon_cpu_ticks)
sleep 2
after=$(daemon_cpu_ticks)
hz=$(getconf CLK_TCK)
say "switchd used $((after - before)) ticks of $((2 * hz)) in 2 idle s"
assert_le $((after - before)) $((hz / 10)) "switchd CPU ticks over 2 idle seconds"
daemon_alive || fail "switchd died"
