#!/usr/bin/env bash
# A loop: both ends of one veth pair attached to the switch, so every frame sent out of one
# end comes back in on the other. One broadcast must not melt the host: flap detection blocks
# the looped ports, the daemon keeps answering, its CPU stays bounded, the other hosts keep
# talking, and once the loop is gone the remaining port forwards again after the hold time.
# Then the same loop with flap detection off: storm control alone bounds it.
. "$(dirname "$0")/lib.sh"

# cpu_percent SECONDS: the daemon's CPU use over the next SECONDS.
cpu_percent() {
	local before after
	before=$(daemon_cpu_ticks)
	sleep "$1"
	after=$(daemon_cpu_ticks)
	echo $(((after - before) * 100 / ($(getconf CLK_TCK) * $1)))
}

# status_ms: how long a status request takes, in milliseconds.
status_ms() {
	local t0
	t0=$(now_ms)
	ctl status >/dev/null || fail "status did not answer during the loop"
	echo $(($(now_ms) - t0))
}

make_loop() {
	ip link add "${P}l1" type veth peer name "${P}l2"
	for l in l1 l2; do sysctl -qw "net.ipv6.conf.$P$l.disable_ipv6=1"; done
	ctl port add "${P}l1" >/dev/null
	ctl port add "${P}l2" >/dev/null
}

# ---- 1. flap detection breaks the loop ------------------------------------------------------
start_daemon --flap-hold 3
add_host a 10.86.0.1
add_host b 10.86.0.2
ping_ok a 10.86.0.2
make_loop
# One broadcast from a starts the loop.
send_frames a "$(frame ff:ff:ff:ff:ff:ff "$(host_mac a)" 88b5 "$(rand_hex 16)")"
wait_until 3 "a looped port to be blocked" grep -q "blocked for 3 s" "$LOG"
say "$(grep -m1 "blocked for" "$LOG")"
blocked=$(ports_json | jq '[.[] | select(.blocked > 0)] | length')
assert_ge "$blocked" 1 "ports shown as blocked by port show"
ms=$(status_ms)
say "status answered in $ms ms during the loop"
assert_le "$ms" 1000 "status latency (ms) during the loop"
cpu=$(cpu_percent 2)
say "switchd CPU with the loop blocked: $cpu %"
assert_le "$cpu" 20 "switchd CPU % over 2 s with the loop blocked"
ping_ok a 10.86.0.2
ping_ok b 10.86.0.1
# a's MAC is back on a's port, not on a looped one.
assert_eq "${P}a" "$(mac_port "$(host_mac a)")" "port of a's MAC after the loop was blocked"

# Remove the loop: the remaining end forwards again once its hold runs out.
ctl port del "${P}l2" >/dev/null
wait_until 6 "${P}l1 to forward again" test "$(port_field "${P}l1" blocked)" = 0
ping_ok a 10.86.0.2
send_frames a "$(frame ff:ff:ff:ff:ff:ff "$(host_mac a)" 88b5 "$(rand_hex 16)")"
sleep 1
assert_eq 0 "$(port_field "${P}l1" blocked)" "${P}l1 blocked again with no loop"
stop_daemon
assert_eq 0 "$DAEMON_RC" "switchd exit status"
ip link del "${P}l1"

# ---- 2. flap detection off: storm control alone bounds the loop ----------------------------
# Storm control limits flooded frames only. A frame to a known unicast MAC that the looping copies
# moved onto a loop port circulates for as long as the loop stands (any switch without loop
# detection does that; flap detection above is what stops it), so the hosts must not send one of
# their own accord: permanent neighbour entries keep their kernels from ARP-probing each other.
start_daemon --flap-moves 0 --storm-broadcast 1000
for h in a b; do ctl port add "$P$h" >/dev/null; done
ping_ok a 10.86.0.2
in_host a ip neigh replace 10.86.0.2 lladdr "$(host_mac b)" dev eth0 nud permanent
in_host b ip neigh replace 10.86.0.1 lladdr "$(host_mac a)" dev eth0 nud permanent
make_loop
send_frames a "$(frame ff:ff:ff:ff:ff:ff "$(host_mac a)" 88b5 "$(rand_hex 16)")"
wait_for 3 "storm drops on a looped port" \
	'test $(( $(port_field "${P}l1" rx_drop_storm) + $(port_field "${P}l2" rx_drop_storm) )) -gt 0'
# loop_rx: frames received on both loop ports so far.
loop_rx() { ports_json | jq --arg p "$P" '[.[] | select(.name == ($p + "l1") or .name == ($p + "l2")) | .rx_packets] | add'; }
# The copies are gone once the loop ports receive nothing for 300 ms.
loop_quiet() {
	local before
	before=$(loop_rx)
	sleep 0.3
	[ "$(loop_rx)" = "$before" ]
}
wait_until 3 "the looping copies to die" loop_quiet
for l in l1 l2; do
	n=$(port_field "$P$l" rx_packets)
	say "$P$l received $n looping copies before storm control dropped them"
	# Two copies circulate; the bucket holds 100 ms of 1000 frames/s plus what refills while
	# they run (a few ms). A second's worth of burst let 1000+ through.
	assert_le "$n" 300 "looping copies received on $P$l (limit 1000/s, burst 100)"
done
ms=$(status_ms)
say "status answered in $ms ms after a broadcast into an unblocked loop"
assert_le "$ms" 1000 "status latency (ms) with an unblocked loop"
cpu=$(cpu_percent 2)
say "switchd CPU with the loop held by storm control alone: $cpu %"
assert_le "$cpu" 20 "switchd CPU % over 2 s with the loop held by storm control"
ping_ok a 10.86.0.2
ctl port del "${P}l1" >/dev/null
ctl port del "${P}l2" >/dev/null
cpu=$(cpu_percent 2)
say "switchd CPU after the loop was removed: $cpu %"
assert_le "$cpu" 5 "switchd CPU % after the loop was removed"
ping_ok b 10.86.0.1
