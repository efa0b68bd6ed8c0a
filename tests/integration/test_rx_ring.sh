#!/usr/bin/env bash
# The AF_PACKET receive paths, each in turn: the mmap ring (the default) and the
# recvmmsg fallback (SWITCHD_AFP_RING=0). Through both:
# - thousands of frames, several times round the ring, arrive once each, in order;
# - frames too big for a ring slot (over 180 bytes: read from the socket queue),
#   on both sides of that bound and up to jumbo size, stay in order among small
#   ones, byte for byte, with their VLAN tags;
# - nothing is counted as dropped;
# - with switchd stopped, jumbo frames overflow the socket queue: each frame
#   then arrives whole or is counted as a receive drop, never forwarded cut
#   (in the ring, a slot keeps only the first 180 bytes of such a frame);
# - TCP's GSO super-frames cross whole.
. "$(dirname "$0")/lib.sh"

COUNT=10000 # the ring has 4096 slots: more than twice round

ring_maps() { grep -c ' socket:\[' "/proc/$DAEMON_PID/maps" || true; }

run_mode() { # RING(1|0)
	local ring=$1 marker tag out got hexes=() h want n spec
	say "receive ring: $ring"
	SWITCHD_AFP_RING=$ring start_daemon
	add_host a 10.75.$ring.1 --no-port
	add_host b 10.75.$ring.2 --no-port
	# MTU 9000 everywhere: jumbo frames are legal, and bigger than a ring slot.
	for h in a b; do
		ip link set "$P$h" mtu 9000
		ip -n "$P$h" link set eth0 mtu 9000
		ctl port add "$P$h" >/dev/null
	done
	if [ "$ring" = 1 ]; then
		assert_eq 2 "$(ring_maps)" "ring mappings in switchd (one per AF_PACKET port)"
	else
		assert_eq 0 "$(ring_maps)" "ring mappings in switchd with SWITCHD_AFP_RING=0"
	fi
	local mac_a mac_b
	mac_a=$(host_mac a)
	mac_b=$(host_mac b)
	ping_ok a 10.75.$ring.2

	# 1. Round and round the ring: every frame once, in order.
	marker=$(rand_hex 8)
	sniff_start b
	in_host a timeout 60 "${PKT[@]}" burst eth0 "$mac_b" "$mac_a" "$marker" "$COUNT" \
		--every 100 --pause 0.01
	sniff_stop b
	got=$("${PKT[@]}" seqcheck "$T/sniff.b" "$marker" "$COUNT")
	assert_eq "got $COUNT dup 0 reordered 0 missing 0" "$got" "burst of $COUNT frames a -> b (ring $ring)"

	# 2. Small and jumbo frames interleaved, untagged and tagged (VID 100 PCP 5, 802.1ad
	# VID 300): the same frames in the same order, unchanged.
	tag=$(rand_hex 8)
	for spec in "60 88b5" "8000 88b5" "60 8100a064" "8000 8100a064" "9000 88b5" "42 88a8012c" \
		"8000 88a8012c" "1514 88b5" "1514 88b5" "1514 88b5" "60 88b5" "180 88b5" "181 88b5" \
		"184 8100a064" "185 8100a064" "60 88b5"; do
		read -r n h <<<"$spec"
		# n bytes: 12 of MACs, the ethertype or tags in h, an inner ethertype, the tag, random.
		hexes+=("$(frame "$mac_b" "$mac_a" "$h" "88b5$tag$(rand_hex $((n - 12 - ${#h} / 2 - 2 - 8)))")")
	done
	sniff_start b
	send_frames a "${hexes[@]}"
	sniff_stop b
	out=$(awk -v t="$tag" '$1 == 0 && index($3, t) { print $3 }' "$T/sniff.b")
	want=$(printf '%s\n' "${hexes[@]}")
	if [ "$out" != "$want" ]; then
		echo "sent:" >&2
		printf '%s\n' "${hexes[@]}" | cut -c1-60 >&2
		echo "received:" >&2
		echo "$out" | cut -c1-60 >&2
		fail "small and jumbo frames did not arrive unchanged and in order (ring $ring)"
	fi

	for h in a b; do
		assert_eq 0 "$(port_field "$P$h" rx_dropped)" "rx_dropped on $P$h (ring $ring)"
		assert_eq 0 "$(port_field "$P$h" tx_dropped)" "tx_dropped on $P$h (ring $ring)"
	done
	assert_ge "$(port_field "${P}a" rx_packets)" $((COUNT + ${#hexes[@]})) "rx_packets on ${P}a (ring $ring)"
	say "ring $ring: $COUNT frames in order, ${#hexes[@]} mixed-size frames unchanged"

	# 3. Overflow while switchd is stopped: whole or counted, never cut.
	local jumbo rx0 drop0 sent=1000 arrived dropped
	jumbo=$(frame "$mac_b" "$mac_a" 88b5 "$tag$(rand_hex 7978)")
	rx0=$(port_field "${P}a" rx_packets)
	drop0=$(port_field "${P}a" rx_drop_error)
	sniff_start b
	kill -STOP "$DAEMON_PID"
	send_frames a "$jumbo" --repeat "$sent"
	kill -CONT "$DAEMON_PID"
	# Every frame is forwarded (rx_packets) or counted as dropped (the kernel's queue drops,
	# collected once a second); ARP from a may come on top.
	wait_for 10 "every jumbo frame forwarded or counted as dropped (ring $ring)" \
		'test $(($(port_field "${P}a" rx_packets) - rx0 + $(port_field "${P}a" rx_drop_error) - drop0)) -ge $sent'
	sniff_stop b
	arrived=$(sniff_count b "^0 [0-9]+ .*$tag")
	assert_eq "$arrived" "$(sniff_count b "^0 8000 .*$tag")" "jumbo frames that reached b whole (ring $ring)"
	dropped=$(($(port_field "${P}a" rx_drop_error) - drop0))
	assert_eq "$sent" $((arrived + dropped)) "jumbo frames arrived ($arrived) + counted as dropped ($dropped) (ring $ring)"
	assert_ge "$dropped" 1 "jumbo frames dropped on the full queue (ring $ring)"
	# (Other frames a sends, ARP, may come on top.)
	assert_ge "$(port_field "${P}a" rx_packets)" $((rx0 + arrived)) "rx_packets on ${P}a after the overflow (ring $ring)"
	say "ring $ring: $sent jumbo frames into a stopped switchd: $arrived whole, $dropped counted as dropped"

	# 4. GSO super-frames through TCP, whole.
	if command -v iperf3 >/dev/null; then
		local rxb0 rxp0 rxb rxp
		rxb0=$(port_field "${P}a" rx_bytes)
		rxp0=$(port_field "${P}a" rx_packets)
		in_host b timeout 20 iperf3 -s -1 -p 5311 >/dev/null 2>&1 &
		BG_PIDS+=($!)
		wait_for 10 "iperf3 server in b" 'in_host b ss -Htln "sport = :5311" | grep -q .'
		in_host a timeout 20 iperf3 -c 10.75.$ring.2 -p 5311 -n 50M >/dev/null ||
			fail "iperf3 a -> b failed (ring $ring)"
		rxb=$(($(port_field "${P}a" rx_bytes) - rxb0))
		rxp=$(($(port_field "${P}a" rx_packets) - rxp0))
		[ $((rxb / rxp)) -gt 3000 ] ||
			fail "ring $ring: TCP frames from a averaged $((rxb / rxp)) bytes: GSO super-frames did not cross whole"
		say "ring $ring: TCP crossed in frames of $((rxb / rxp)) bytes on average"
	fi

	stop_daemon
	for h in a b; do del_host "$h"; done
}

run_mode 1
run_mode 0

# --rx-ring sizes the ring (a multiple of 16 KiB), and --rx-ring 0 is the recvmmsg path.
ring_kib() { # the sizes of switchd's ring mappings (its packet sockets'), in KiB
	local range rest
	{ grep ' socket:\[' "/proc/$DAEMON_PID/maps" || true; } | while read -r range rest; do
		printf '%d ' $(((0x${range#*-} - 0x${range%-*}) / 1024))
	done
}
for spec in "64 64" "40 32" "0 none"; do
	set -- $spec
	start_daemon --rx-ring "$1"
	add_host a 10.75.9.1
	add_host b 10.75.9.2
	want="$2 $2 "
	[ "$2" = none ] && want=""
	assert_eq "$want" "$(ring_kib)" "ring mappings of switchd --rx-ring $1 (KiB)"
	ping_ok a 10.75.9.2
	stop_daemon
	for h in a b; do del_host "$h"; done
done
expect_exit 2 "$SWITCHD" -s "$T/x.sock" --rx-ring 8
assert_contains "$ERR" "--rx-ring: not 0 or a number of KiB in 16..65536" "switchd --rx-ring 8"
