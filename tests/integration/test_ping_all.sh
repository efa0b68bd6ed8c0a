#!/usr/bin/env bash
# Three veth hosts and one TAP host (a TAP switchd created, moved into a netns)
# all reach each other; the MAC table puts each host's MAC on its own port; the
# per-port counters move.
. "$(dirname "$0")/lib.sh"

start_daemon

declare -A IP=([a]=10.71.0.1 [b]=10.71.0.2 [c]=10.71.0.3 [t]=10.71.0.4)
add_host a "${IP[a]}"
add_host b "${IP[b]}"
add_host c "${IP[c]}"
add_tap_host t "${IP[t]}"
hosts=(a b c t)

assert_eq "4" "$(status_field ports)" "status ports"
assert_eq "up" "$(port_field "${P}a" state)" "state of veth port ${P}a"
assert_eq "moved" "$(port_field "${P}t" state)" "state of the moved TAP port ${P}t"

# Every ordered pair: both directions of each link, through both port kinds.
for from in "${hosts[@]}"; do
	for to in "${hosts[@]}"; do
		[ "$from" = "$to" ] && continue
		ping_ok "$from" "${IP[$to]}"
	done
done
say "all 12 host pairs ping"

# Each host's MAC (as its eth0 in its own netns reports it) is on its port, in VLAN 0, once.
for h in "${hosts[@]}"; do
	mac=$(host_mac "$h")
	assert_eq "$P$h" "$(mac_port "$mac")" "port of $h's MAC $mac in mac show"
	n=$(macs_json | jq --arg m "$mac" '[.[] | select(.mac == $m)] | length')
	assert_eq 1 "$n" "entries for $h's MAC"
	assert_eq 1 "$(mac_count_on "$P$h")" "MAC entries on port $P$h"
	assert_eq 1 "$(port_field "$P$h" macs)" "port show macs of $P$h"
	# mac show port NAME shows that port's entries only.
	assert_eq "$mac" "$(ctl -j mac show port "$P$h" | jq -r '[.[].mac] | join(" ")')" \
		"mac show port $P$h"
done
assert_eq 4 "$(status_field macs)" "status macs"
# The JSON spells MACs in lower case.
assert_eq 0 "$(macs_json | jq '[.[] | select(.mac != (.mac | ascii_downcase))] | length')" \
	"upper-case MACs in mac show -j"

# Counters: every port received and sent, nothing was dropped for lack of room or errors.
for h in "${hosts[@]}"; do
	for f in rx_packets rx_bytes tx_packets tx_bytes; do
		v=$(port_field "$P$h" "$f")
		assert_ge "$v" 1 "$f of port $P$h"
	done
	assert_eq 0 "$(port_field "$P$h" tx_drop_error)" "tx_drop_error of port $P$h"
	assert_eq 0 "$(port_field "$P$h" rx_drop_error)" "rx_drop_error of port $P$h"
	rxb=$(port_field "$P$h" rx_bytes)
	rxp=$(port_field "$P$h" rx_packets)
	# Pings are 98-byte frames, ARP 42: bytes must be counted per frame, not per packet count.
	assert_ge "$rxb" $((rxp * 42)) "rx_bytes vs rx_packets of port $P$h"
done

# Counters agree with what the hosts' interfaces saw: what switchd sent to a
# veth port is what that host's eth0 received (nothing else sends to it). Read
# between two looks at eth0, as a late ARP probe may cross at any moment.
eth0_rx() { ip -n "$P$1" -j -s link show eth0 | jq '.[0].stats64.rx.packets'; }
for h in a b c; do
	rx1=$(eth0_rx "$h")
	tx=$(port_field "$P$h" tx_packets)
	rx2=$(eth0_rx "$h")
	if [ "$tx" -lt "$rx1" ] || [ "$tx" -gt "$rx2" ]; then
		fail "switchd tx_packets on $P$h is $tx, but $h's eth0 received $rx1..$rx2"
	fi
done

ctl port show >/dev/null
ctl mac show >/dev/null
