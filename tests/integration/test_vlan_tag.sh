#!/usr/bin/env bash
# Frames cross byte for byte: 802.1Q tags (VID and PCP), 802.1ad outer tags and
# priority tags stay, learning is per (MAC, VLAN), 14..59-byte frames are not
# padded, and a non-GSO frame larger than an egress port's MTU is dropped there
# and counted.
. "$(dirname "$0")/lib.sh"
command -v tcpdump >/dev/null || fail "missing tool: tcpdump"
"$PY" -c 'import scapy.all' 2>/dev/null || fail "missing python3-scapy for $PY"

start_daemon

# a: veth with MTU 2000 on both ends (so it can send frames too big for the others).
add_host a 10.73.0.1 --no-port
ip link set "${P}a" mtu 2000
ip -n "${P}a" link set eth0 mtu 2000
ctl port add "${P}a" >/dev/null
assert_eq 2000 "$(port_field "${P}a" mtu)" "mtu of port ${P}a"
add_host b 10.73.0.2
add_host c 10.73.0.3
add_tap_host t 10.73.0.4
hosts=(a b c t)
declare -A MAC
for h in "${hosts[@]}"; do MAC[$h]=$(host_mac "$h"); done

# scapy HEXEXPR: the hex of a frame scapy builds from a Python expression.
scapy_hex() {
	$PY -c "from scapy.all import *; import sys; sys.stdout.write(bytes($1).hex())"
}

# send_and_sniff FROM HEX...: sends the frames from FROM with every host listening.
send_and_sniff() {
	local from=$1
	shift
	sniff_start "${hosts[@]}"
	send_frames "$from" "$@"
	sniff_stop "${hosts[@]}"
}

# check_arrival FROM HEX LABEL RECEIVERS...: the last send_and_sniff delivered HEX
# to each receiver exactly once and unchanged (same length, same bytes), and to
# no other host.
check_arrival() {
	local from=$1 hex=$2 label=$3 h n len
	shift 3
	len=$((${#hex} / 2))
	for h in "${hosts[@]}"; do
		[ "$h" = "$from" ] && continue
		n=$(sniff_count "$h" " $len $hex\$")
		case " $* " in
		*" $h "*)
			if [ "$n" -ne 1 ]; then
				echo "frames on $h:" >&2
				sniff_frames "$h" >&2
				fail "$label: expected the $len-byte frame unchanged once on $h, saw it $n times"
			fi
			;;
		*) assert_eq 0 "$n" "$label: copies on $h" ;;
		esac
	done
}

sent_check() { # FROM HEX LABEL RECEIVERS...
	send_and_sniff "$1" "$2"
	check_arrival "$@"
}

# 1. An 802.1Q frame, VID 100, PCP 5, to a MAC unknown in VLAN 100: flooded, tag intact.
marker=$(rand_hex 16)
tagged=$(scapy_hex "Ether(dst='02:00:00:00:01:00', src='${MAC[a]}')/Dot1Q(vlan=100, prio=5, type=0x88b5)/Raw(bytes.fromhex('$marker'))")
sent_check a "$tagged" "802.1Q VID 100 PCP 5 from a (veth)" b c t
# scapy parses what b received as the same tag.
got=$(grep -m1 "$marker" "$T/sniff.b" | awk '{ print $3 }')
parsed=$($PY -c "from scapy.all import *; p = Ether(bytes.fromhex('$got')); print(p[Dot1Q].vlan, p[Dot1Q].prio, hex(p[Dot1Q].type))")
assert_eq "100 5 0x88b5" "$parsed" "scapy's view of the tag that reached b (vlan prio type)"
say "802.1Q frame crossed unchanged to two veth hosts and the TAP host"

# The same, seen by tcpdump on b.
ip netns exec "${P}b" timeout 20 tcpdump -i eth0 -e -n -l -Q in "ether src ${MAC[a]}" \
	>"$T/tcpdump.out" 2>"$T/tcpdump.err" &
tcpdump_pid=$!
BG_PIDS+=("$tcpdump_pid")
wait_until 10 "tcpdump to listen" grep -q "listening on" "$T/tcpdump.err"
send_frames a "$tagged"
wait_until 5 "tcpdump to print the frame" grep -q "vlan 100" "$T/tcpdump.out"
stop_pid "$tcpdump_pid"
wait "$tcpdump_pid" || true
grep -qE "ethertype 802.1Q \(0x8100\), length 34: vlan 100, p 5, ethertype [^,]*0x88b5" "$T/tcpdump.out" ||
	fail "tcpdump -e on b: no 34-byte 802.1Q frame with vlan 100, p 5, inner 0x88b5: $(cat "$T/tcpdump.out")"

# 2. Learning is per (MAC, VLAN): a is known in VLAN 100 only.
assert_eq "${P}a" "$(mac_port "${MAC[a]}" 100)" "entry for a's MAC in VLAN 100"
mac_absent "${MAC[a]}" 0 || fail "a's MAC learned in VLAN 0 from a tagged frame"
# b -> a in VLAN 100 is known unicast: a only.
marker=$(rand_hex 16)
hex=$(frame "${MAC[a]}" "${MAC[b]}" 8100a064 "88b5$marker")
sent_check b "$hex" "VLAN 100 unicast b->a" a
# b -> a in VLAN 200: a is unknown there, so it floods.
marker=$(rand_hex 16)
hex=$(frame "${MAC[a]}" "${MAC[b]}" 810000c8 "88b5$marker")
sent_check b "$hex" "VLAN 200 frame to a's MAC (unknown in VLAN 200)" a c t
assert_eq "${P}b" "$(mac_port "${MAC[b]}" 200)" "entry for b's MAC in VLAN 200"

# 3. 802.1ad outer tag (TPID 88a8, VID 300) over 802.1Q VID 100: both tags and the outer TPID kept.
marker=$(rand_hex 16)
qinq=$(frame 02:00:00:00:03:00 "${MAC[c]}" 88a8012c "8100006488b5$marker")
sent_check c "$qinq" "802.1ad+802.1Q frame from c" a b t
assert_eq "${P}c" "$(mac_port "${MAC[c]}" 300)" "c's MAC learned in the outer VLAN 300"
# ...and from the TAP host the other way.
qinq=$(frame 02:00:00:00:03:01 "${MAC[t]}" 88a8012c "8100006488b5$marker")
sent_check t "$qinq" "802.1ad+802.1Q frame from t (TAP)" a b c

# 4. A priority tag (VID 0, PCP 3) stays, and counts as VLAN 0.
marker=$(rand_hex 16)
prio=$(frame 02:00:00:00:04:00 "${MAC[b]}" 81006000 "88b5$marker")
sent_check b "$prio" "priority-tagged frame from b" a c t
assert_eq "${P}b" "$(mac_port "${MAC[b]}" 0)" "b's MAC in VLAN 0 from a priority tag"

# 5. Short frames are not padded: 14, 15, 42 and 59 bytes, from a veth host and from the TAP host.
for from in a t; do
	others=()
	for h in "${hosts[@]}"; do [ "$h" != "$from" ] && others+=("$h"); done
	runts=()
	for len in 14 15 42 59; do
		pay=""
		[ "$len" -gt 14 ] && pay=$(rand_hex $((len - 14)))
		runts+=("$(frame ff:ff:ff:ff:ff:ff "${MAC[$from]}" 88b5 "$pay")")
	done
	send_and_sniff "$from" "${runts[@]}"
	for hex in "${runts[@]}"; do
		check_arrival "$from" "$hex" "$((${#hex} / 2))-byte frame from $from" "${others[@]}"
	done
done
# A tagged runt: 20 bytes, header, tag and 2 bytes. (Not 18 or 19: the kernel's own
# receive path, skb_vlan_untag() on the root-side veth end, drops a tagged frame with
# fewer than 2 bytes after the inner ethertype before any packet socket sees it.)
hex=$(frame ff:ff:ff:ff:ff:ff "${MAC[b]}" 8100a064 "88b5$(rand_hex 2)")
sent_check b "$hex" "20-byte tagged frame from b" a c t
say "14..59-byte frames arrived with exactly their length"

# 6. The MTU bound. A 1518-byte frame with a tag carries 1500 bytes of payload: it fits MTU 1500.
pay=$(rand_hex 1500)
hex=$(frame ff:ff:ff:ff:ff:ff "${MAC[a]}" 8100a064 "88b5$pay")
sent_check a "$hex" "1518-byte tagged frame (1500-byte payload)" b c t
# 1501 bytes of payload, untagged: only fits a's MTU, so nobody gets it...
declare -A drop
for h in b c t; do drop[$h]=$(port_field "$P$h" tx_drop_mtu); done
pay=$(rand_hex 1501)
hex=$(frame ff:ff:ff:ff:ff:ff "${MAC[a]}" 88b5 "$pay")
sent_check a "$hex" "1515-byte frame (1501-byte payload) from a (MTU 2000)"
# ...and each 1500-MTU port counts one tx_drop_mtu.
for h in b c t; do
	assert_eq $((drop[$h] + 1)) "$(port_field "$P$h" tx_drop_mtu)" "tx_drop_mtu on $P$h"
done
# A full-size frame from a 1500-MTU host still reaches every port, the 2000-MTU one included.
pay=$(rand_hex 1500)
hex=$(frame ff:ff:ff:ff:ff:ff "${MAC[c]}" 88b5 "$pay")
sent_check c "$hex" "1514-byte frame from c" a b t
