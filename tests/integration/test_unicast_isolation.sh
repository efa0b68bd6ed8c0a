#!/usr/bin/env bash
# Known unicast goes to one port only; broadcast, multicast and unknown unicast
# reach every other port exactly once and never come back to the sender.
. "$(dirname "$0")/lib.sh"

start_daemon

add_host a 10.72.0.1
add_host b 10.72.0.2
add_host c 10.72.0.3
add_tap_host t 10.72.0.4
hosts=(a b c t)
declare -A MAC
for h in "${hosts[@]}"; do MAC[$h]=$(host_mac "$h"); done
hexmac() { echo "${1//:/}"; }

# Learn every host first (each pings one other), so A<->B unicast is known unicast.
ping_ok a 10.72.0.2
ping_ok c 10.72.0.4
for h in "${hosts[@]}"; do
	assert_eq "$P$h" "$(mac_port "${MAC[$h]}")" "learned port of $h"
done

# 1. A <-> B unicast (ICMP and the ARP that refreshes it) is seen by neither C nor T.
sniff_start c t b
in_host a timeout 15 ping -n -q -c 20 -i 0.02 10.72.0.2 >/dev/null || fail "ping a -> b"
sniff_stop c t b
ab_re="^[0-9]+ [0-9]+ ($(hexmac "${MAC[a]}")|$(hexmac "${MAC[b]}"))"
for h in c t; do
	n=$(sniff_count "$h" "$ab_re")
	assert_eq 0 "$n" "frames addressed to A or B that reached $h"
done
# ...while B did get all 20 echo requests: 98-byte IPv4 frames from A to B.
n=$(sniff_count b "^[0-9]+ 98 $(hexmac "${MAC[b]}")$(hexmac "${MAC[a]}")0800")
assert_ge "$n" 20 "98-byte IPv4 frames (echo requests) from A seen on B"

# flood_check SENDER DST LABEL: a frame from SENDER to DST with a unique
# payload reaches each other host exactly once and the sender zero times.
flood_check() {
	local from=$1 dst=$2 label=$3 marker h n want
	marker=$(rand_hex 16)
	sniff_start "${hosts[@]}"
	send_frames "$from" "$(frame "$dst" "${MAC[$from]}" 88b5 "$marker")"
	sniff_stop "${hosts[@]}"
	for h in "${hosts[@]}"; do
		n=$(sniff_count "$h" "$marker")
		want=1
		[ "$h" = "$from" ] && want=0
		assert_eq "$want" "$n" "$label from $from: copies received by $h"
	done
	say "$label from $from: one copy on each other host, none back"
}

# 2. Broadcast, from a veth host and from the TAP host.
flood_check a ff:ff:ff:ff:ff:ff broadcast
flood_check t ff:ff:ff:ff:ff:ff broadcast
# 3. Multicast.
flood_check b 01:00:5e:00:00:fb multicast
# 4. Unknown unicast: a MAC nobody ever sent from.
flood_check c 02:00:00:de:ad:01 "unknown unicast"
flood_check t 02:00:00:de:ad:02 "unknown unicast"
mac_absent 02:00:00:de:ad:01 || fail "a destination-only MAC was learned"

# 4b. Link-local control frames (STP, LACP, LLDP...: 01:80:c2:00:00:0x) stay on their link:
#     no other host gets one, and the ingress port counts them.
before=$(port_field "${P}a" rx_drop_link_local)
marker=$(rand_hex 16)
sniff_start "${hosts[@]}"
for last in 00 02 03 0e; do
	send_frames a "$(frame "01:80:c2:00:00:$last" "${MAC[a]}" 88cc "$marker")"
done
sniff_stop "${hosts[@]}"
for h in b c t; do
	assert_eq 0 "$(sniff_count "$h" "$marker")" "link-local frames from a that reached $h"
done
assert_eq $((before + 4)) "$(port_field "${P}a" rx_drop_link_local)" "rx_drop_link_local on a's port"

# 5. A real broadcast from a host's stack: ARP requests for an address nobody has.
#    The kernel retries (3 probes, 1 s apart): wait until it gives up, so every
#    sniffer sees the same requests.
neigh_failed() { ip -n "${P}b" neigh show 10.72.0.99 | grep -q FAILED; }
sniff_start "${hosts[@]}"
in_host b timeout 5 ping -n -q -c 1 -W 1 10.72.0.99 >/dev/null 2>&1 || true
wait_until 8 "b's neighbour entry for 10.72.0.99 to fail" neigh_failed
sniff_stop "${hosts[@]}"
arp_re="^[0-9]+ [0-9]+ ffffffffffff$(hexmac "${MAC[b]}")0806"
sent=$(sniff_count a "$arp_re")
assert_ge "$sent" 1 "ARP requests from b seen on a"
for h in c t; do
	assert_eq "$sent" "$(sniff_count "$h" "$arp_re")" "ARP requests from b seen on $h (as on a)"
done
assert_eq 0 "$(sniff_count b "$arp_re")" "b's own ARP requests echoed back to b"

# 6. Known unicast with a custom ethertype: only the owner gets it.
marker=$(rand_hex 16)
sniff_start "${hosts[@]}"
send_frames a "$(frame "${MAC[t]}" "${MAC[a]}" 88b5 "$marker")"
sniff_stop "${hosts[@]}"
for h in a b c t; do
	want=0
	[ "$h" = t ] && want=1
	assert_eq "$want" "$(sniff_count "$h" "$marker")" "known unicast a->t: copies on $h"
done

# 7. A frame to a MAC learned on the sender's own port is filtered, not reflected.
before=$(port_field "${P}a" rx_drop_filtered)
marker=$(rand_hex 16)
sniff_start "${hosts[@]}"
send_frames a "$(frame "${MAC[a]}" "${MAC[a]}" 88b5 "$marker")"
sniff_stop "${hosts[@]}"
for h in "${hosts[@]}"; do
	assert_eq 0 "$(sniff_count "$h" "$marker")" "frame to a's own MAC: copies on $h"
done
assert_eq $((before + 1)) "$(port_field "${P}a" rx_drop_filtered)" "rx_drop_filtered on ${P}a"

# 8. Group and zero source MACs are dropped, not learned, not forwarded.
marker=$(rand_hex 16)
sniff_start "${hosts[@]}"
send_frames b "$(frame ff:ff:ff:ff:ff:ff 01:00:5e:01:02:03 88b5 "$marker")" \
	"$(frame ff:ff:ff:ff:ff:ff 00:00:00:00:00:00 88b5 "$marker")"
sniff_stop "${hosts[@]}"
for h in "${hosts[@]}"; do
	assert_eq 0 "$(sniff_count "$h" "$marker")" "frames with a group/zero source: copies on $h"
done
assert_eq 2 "$(port_field "${P}b" rx_drop_bad_src)" "rx_drop_bad_src on ${P}b"
mac_absent 01:00:5e:01:02:03 || fail "a multicast source MAC was learned"
mac_absent 00:00:00:00:00:00 || fail "the zero MAC was learned"

# 9. A MAC that moves to another port is followed: learned there, unicast goes there only.
roam=02:00:00:72:00:01
send_frames a "$(frame ff:ff:ff:ff:ff:ff "$roam" 88b5 "$(rand_hex 8)")"
assert_eq "${P}a" "$(mac_port "$roam")" "roaming MAC first seen on a"
moved_before=$(status_field mac_moved)
send_frames c "$(frame ff:ff:ff:ff:ff:ff "$roam" 88b5 "$(rand_hex 8)")"
assert_eq "${P}c" "$(mac_port "$roam")" "roaming MAC after it appeared on c"
assert_eq $((moved_before + 1)) "$(status_field mac_moved)" "status mac_moved"
marker=$(rand_hex 16)
sniff_start "${hosts[@]}"
send_frames b "$(frame "$roam" "${MAC[b]}" 88b5 "$marker")"
sniff_stop "${hosts[@]}"
for h in a b c t; do
	want=0
	[ "$h" = c ] && want=1
	assert_eq "$want" "$(sniff_count "$h" "$marker")" "unicast to the roamed MAC: copies on $h"
done

# 10. Bursts through the batched path: a (veth) and t (TAP) each send 3000 numbered
#     broadcasts at once; every other host gets each exactly once, in order, and the
#     senders none of their own. (Paced at ~10k frames/s per sender: an unpaced burst
#     overflows the senders' own kernel queues, which is not the switch's doing.)
N=3000
declare -A KEY=([a]=$(rand_hex 8) [t]=$(rand_hex 8))
declare -A TX0=()
for h in "${hosts[@]}"; do TX0[$h]=$(port_field "$P$h" tx_packets); done
# bursts_out: switchd has sent every burst frame out of every port that should get it (a and t
# get the other's N, b and c both senders' 2N; other frames may come on top).
bursts_out() {
	local h want
	for h in "${hosts[@]}"; do
		want=$((2 * N))
		case $h in a | t) want=$N ;; esac
		[ $(($(port_field "$P$h" tx_packets) - TX0[$h])) -ge "$want" ] || return 1
	done
}
sniff_start "${hosts[@]}"
ip netns exec "${P}a" timeout 30 "${PKT[@]}" burst eth0 ffffffffffff "$(hexmac "${MAC[a]}")" "${KEY[a]}" $N \
	--every 50 --pause 0.005 &
burst_pid=$!
BG_PIDS+=("$burst_pid")
in_host t timeout 30 "${PKT[@]}" burst eth0 ffffffffffff "$(hexmac "${MAC[t]}")" "${KEY[t]}" $N \
	--every 50 --pause 0.005
wait "$burst_pid"
wait_until 20 "switchd to send both bursts out of every other port" bursts_out
sniff_stop "${hosts[@]}"
for from in a t; do
	for h in "${hosts[@]}"; do
		got=$("${PKT[@]}" seqcheck "$T/sniff.$h" "${KEY[$from]}" $N)
		if [ "$h" = "$from" ]; then
			assert_eq "got 0 dup 0 reordered 0 missing $N" "$got" "$from's burst echoed back to $from"
		else
			assert_eq "got $N dup 0 reordered 0 missing 0" "$got" "$from's burst as received by $h"
		fi
	done
done
say "two concurrent 3000-frame bursts: each frame once on every other host, in order"
