#!/usr/bin/env bash
# VLAN modes per port (docs/behaviour.md, "VLANs"), with real frames:
# access ports of one VLAN ping each other and nothing of another VLAN leaks,
# broadcasts included; a trunk gets access frames tagged and its tagged frames
# leave access ports untagged, byte for byte; a trunk's native VLAN; PCP kept;
# a tunnel port's S-tag pushed and popped with the customer's tag inside;
# rx_drop_vlan; the JSON, the monitor event, usage errors; TCP with default
# offloads between two access ports, and across a trunk between two switchd
# (tag pushed on one, popped on the other) at full speed.
. "$(dirname "$0")/lib.sh"
"$PY" -c 'import scapy.all' 2>/dev/null || fail "missing python3-scapy for $PY"
command -v iperf3 >/dev/null || fail "missing tool: iperf3"
MIN_BPS=${SWITCHD_TEST_MIN_TCP_BPS:-1000000000}

start_daemon

# a, b: access 10; c: access 20; d: trunk 10,20 native 30; q: tunnel 100; e: default.
add_host a 10.75.0.1
add_host b 10.75.0.2
add_host c 10.75.0.3
add_host d 10.75.0.4
add_host q 10.75.0.5
add_host e 10.75.0.6
hosts=(a b c d q e)
declare -A MAC
for h in "${hosts[@]}"; do MAC[$h]=$(host_mac "$h"); done

# Not through ctl, a function: $! must be the command itself, not a subshell the
# cleanup would end while it goes on.
timeout 60 "$SWITCHCTL" -s "$SOCK" -j monitor >"$T/mon" 2>"$T/mon.err" &
BG_PIDS+=("$!")
# The monitor prints a flush only once it is subscribed: retry it until it has.
wait_for 5 "the monitor to subscribe" 'ctl mac flush >/dev/null; grep -q mac_flushed "$T/mon"'
ctl port set "${P}a" vlan access 10 >/dev/null
ctl port set "${P}b" vlan access 10 >/dev/null
ctl port set "${P}c" vlan access 20 >/dev/null
ctl port set "${P}d" vlan trunk 10,20 native 30 >/dev/null
ctl port set "${P}q" vlan tunnel 100 >/dev/null
wait_for 5 "the monitor to print q's port_changed" "grep -q '\"port\":\"${P}q\"' '$T/mon'"
ev=$(jq -c --arg p "${P}d" 'select(.event == "port_changed" and .port == $p) | [.setting, .value]' "$T/mon")
assert_eq '["vlan","trunk 10,20 native 30"]' "$ev" "port_changed of d"
ev=$(jq -c --arg p "${P}a" 'select(.event == "port_changed" and .port == $p) | [.setting, .value]' "$T/mon")
assert_eq '["vlan","access 10"]' "$ev" "port_changed of a"

# JSON of each mode.
view() { ports_json | jq -c --arg n "$1" '.[] | select(.name == $n) | [.vlan_mode, .vlans, .native]'; }
assert_eq '["access",[10],10]' "$(view "${P}a")" "port show -j of an access port"
assert_eq '["trunk",[10,20],30]' "$(view "${P}d")" "port show -j of a trunk"
assert_eq '["tunnel",[100],100]' "$(view "${P}q")" "port show -j of a tunnel port"
assert_eq '["trunk","all",0]' "$(view "${P}e")" "port show -j of a default port"
assert_contains "$(ctl port show "${P}d")" "vlan trunk 10,20 native 30" "port show text of d"

# Setting what a port has changes nothing and tells nobody; trunk all is the default.
assert_eq false "$(ctl -j port set "${P}a" vlan access 10 | jq -r .changed)" "access 10 again: changed"
assert_eq false "$(ctl -j port set "${P}e" vlan trunk all | jq -r .changed)" "trunk all on a default port"
ctl port set "${P}e" learning off >/dev/null # a marker: every event before it is printed by now
wait_for 5 "the monitor to print the marker" "grep -q '\"setting\":\"learning\"' '$T/mon'"
ctl port set "${P}e" learning on >/dev/null
assert_eq 5 "$(jq -s '[.[] | select(.event == "port_changed" and .setting == "vlan")] | length' "$T/mon")" \
	"vlan port_changed events (one per change, none for a repeat)"

# Malformed: usage (exit 2); refused: exit 1.
for bad in "vlan" "vlan access 0" "vlan access 4095" "vlan trunk 10-" "vlan trunk 10 native" \
	"vlan tunnel x" "vlan hybrid 10"; do
	# shellcheck disable=SC2086 # the words are meant to split
	expect_exit 2 ctl port set "${P}a" $bad
done
expect_exit 1 ctl port set "${P}zz" vlan access 10
assert_contains "$ERR" "no such port" "port set of a port that does not exist"

# 1. Access ports of VLAN 10 ping each other; VLAN 20 is another network.
ping_ok a 10.75.0.2
ping_fails c 10.75.0.1
assert_eq "${P}a" "$(mac_port "${MAC[a]}" 10)" "a learned in its access VLAN 10"
mac_absent "${MAC[a]}" 0 || fail "a's MAC learned in VLAN 0"

# sent FROM HEX RECEIVERS_AND_HEX...: sends HEX from FROM with every host listening;
# then each "HOST=WANTHEX" got exactly WANTHEX once, and no other host got the marker.
sent() {
	local from=$1 hex=$2 marker=$3 h n want spec
	shift 3
	sniff_start "${hosts[@]}"
	send_frames "$from" "$hex"
	sniff_stop "${hosts[@]}"
	for h in "${hosts[@]}"; do
		[ "$h" = "$from" ] && continue
		want=
		for spec in "$@"; do [ "${spec%%=*}" = "$h" ] && want=${spec#*=}; done
		if [ -n "$want" ]; then
			n=$(sniff_count "$h" " $((${#want} / 2)) $want\$")
			if [ "$n" -ne 1 ]; then
				sniff_frames "$h" >&2
				fail "from $from: expected once on $h: $want (saw it $n times)"
			fi
		fi
		assert_eq "$([ -n "$want" ] && echo 1 || echo 0)" "$(sniff_count "$h" "$marker")" \
			"from $from: frames with the marker on $h"
	done
}
bc=ff:ff:ff:ff:ff:ff
hexmac() { echo "${1//:/}"; }
hdr() { echo "ffffffffffff$(hexmac "${MAC[$1]}")"; }

# 2. A broadcast from access 10: b untagged, the trunk and the default port tagged VID 10 (PCP 0).
m=$(rand_hex 16)
sent a "$(frame $bc "${MAC[a]}" 88b5 "$m")" "$m" b="$(hdr a)88b5$m" d="$(hdr a)8100000a88b5$m" \
	e="$(hdr a)8100000a88b5$m"
say "access 10 broadcast: untagged to b, tagged VID 10 to the trunk and the default port, nothing to c or q"

# 3. The trunk's VID 20 with PCP 5: c gets it untagged, the default port as it came.
m=$(rand_hex 16)
sent d "$(frame $bc "${MAC[d]}" 8100a014 "88b5$m")" "$m" c="$(hdr d)88b5$m" e="$(hdr d)8100a01488b5$m"
# VID 10 with PCP 5 and DEI: a and b untagged; the default port keeps PCP and DEI.
m=$(rand_hex 16)
sent d "$(frame $bc "${MAC[d]}" 8100b00a "88b5$m")" "$m" a="$(hdr d)88b5$m" b="$(hdr d)88b5$m" \
	e="$(hdr d)8100b00a88b5$m"
say "trunk tags popped for access ports, PCP and DEI kept for tagged ports"

# 4. Native VLAN 30: untagged on the trunk is VLAN 30 (tagged 30 on the default port) and back.
m=$(rand_hex 16)
sent d "$(frame $bc "${MAC[d]}" 88b5 "$m")" "$m" e="$(hdr d)8100001e88b5$m"
m=$(rand_hex 16)
sent e "$(frame $bc "${MAC[e]}" 8100601e "88b5$m")" "$m" d="$(hdr e)88b5$m"
# A priority-tagged frame on access 10 keeps its PCP (3) when tagged for the trunk.
m=$(rand_hex 16)
sent a "$(frame $bc "${MAC[a]}" 81006000 "88b5$m")" "$m" b="$(hdr a)88b5$m" d="$(hdr a)8100600a88b5$m" \
	e="$(hdr a)8100600a88b5$m"
say "native VLAN untagged both ways; a priority tag's PCP kept"

# 5. QinQ: q's customer frame (C-tag 10) gets S-tag 100 (TPID 88a8) on the default port, and back.
m=$(rand_hex 16)
sent q "$(frame $bc "${MAC[q]}" 8100000a "88b5$m")" "$m" e="$(hdr q)88a800648100000a88b5$m"
m=$(rand_hex 16)
sent e "$(frame $bc "${MAC[e]}" 88a80064 "8100000a88b5$m")" "$m" q="$(hdr e)8100000a88b5$m"
assert_eq "${P}q" "$(mac_port "${MAC[q]}" 100)" "q learned in its S-VLAN 100"
say "tunnel: S-tag pushed over the customer's tag and popped again"

# 6. rx_drop_vlan: the trunk's VID 40 and 4095, a tagged frame of another VLAN on access 10, untagged
#    on a trunk without native; each counted once and summed into rx_dropped, nothing forwarded.
ctl port set "${P}d" vlan trunk 10,20 >/dev/null
declare -A before dropped
for h in a d; do
	before[$h]=$(port_field "$P$h" rx_drop_vlan)
	dropped[$h]=$(port_field "$P$h" rx_dropped)
done
m=$(rand_hex 16)
sniff_start "${hosts[@]}"
send_frames d "$(frame $bc "${MAC[d]}" 81000028 "88b5$m")" "$(frame $bc "${MAC[d]}" 81000fff "88b5$m")" \
	"$(frame $bc "${MAC[d]}" 88b5 "$m")"
send_frames a "$(frame $bc "${MAC[a]}" 81000014 "88b5$m")"
sniff_stop "${hosts[@]}"
for h in "${hosts[@]}"; do assert_eq 0 "$(sniff_count "$h" "$m")" "dropped frames seen on $h"; done
assert_eq $((before[d] + 3)) "$(port_field "${P}d" rx_drop_vlan)" "rx_drop_vlan on the trunk"
assert_eq $((dropped[d] + 3)) "$(port_field "${P}d" rx_dropped)" "rx_dropped on the trunk"
assert_eq $((before[a] + 1)) "$(port_field "${P}a" rx_drop_vlan)" "rx_drop_vlan on access 10"
say "rx_drop_vlan counts VLANs a port does not carry, VID 4095 and untagged without a native VLAN"

# 7. TCP with default offloads between two access ports of VLAN 10.
tcp_ok a b 10.75.0.2 5401 "TCP access 10 -> access 10"

# 8. A second switchd, trunked to the first by a veth (x1 here, x2 there, trunk 10,20 on both):
#    g on access 10 there reaches a and b here, not c; TCP crosses with the tag pushed by one
#    switchd and popped by the other, GSO super-frames and partial checksums whole.
SOCK2=$T/switchd2.sock
"$SWITCHD" -s "$SOCK2" 2>>"$T/switchd2.log" &
SW2_PID=$!
BG_PIDS+=("$SW2_PID")
ctl2() { timeout 15 "$SWITCHCTL" -s "$SOCK2" "$@"; }
ctl2_answers() { ctl2 status >/dev/null 2>&1; }
wait_until 5 "the second switchd to answer" ctl2_answers
ip link add "${P}x1" type veth peer name "${P}x2"
for x in x1 x2; do sysctl -qw "net.ipv6.conf.$P$x.disable_ipv6=1"; done
ctl port add "${P}x1" >/dev/null
ctl port set "${P}x1" vlan trunk 10,20 >/dev/null
add_host g 10.75.0.7 --no-port
MAC[g]=$(host_mac g)
ctl2 port add "${P}x2" >/dev/null
ctl2 port set "${P}x2" vlan trunk 10,20 >/dev/null
ctl2 port add "${P}g" >/dev/null
ctl2 port set "${P}g" vlan access 10 >/dev/null
ping_ok g 10.75.0.1
ping_fails g 10.75.0.3
assert_eq "${P}x1" "$(mac_port "${MAC[g]}" 10)" "g learned on the trunk in VLAN 10"
tcp_ok g a 10.75.0.1 5402 "TCP access 10 -> trunk -> trunk -> access 10"
tcp_ok a g 10.75.0.7 5403 "TCP back the other way"
rxb=$(port_field "${P}x1" rx_bytes)
rxp=$(port_field "${P}x1" rx_packets)
[ $((rxb / rxp)) -gt 3000 ] || fail "trunk x1: frames averaged $((rxb / rxp)) bytes; GSO did not cross whole"
assert_eq 0 "$(port_field "${P}x1" rx_drop_vlan)" "rx_drop_vlan on the trunk between the switches"

# The second switchd stops cleanly, and a sanitizer build reported nothing in its log.
stop_pid "$SW2_PID" 5
wait "$SW2_PID" || fail "the second switchd exited $?"
if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T/switchd2.log"; then
	cat "$T/switchd2.log" >&2
	fail "sanitizer report in the second switchd's log"
fi
