#!/usr/bin/env bash
# The table controls of a real switch, with real frames: port set learning, flood, isolated and
# max-macs; static MACs (mac add, mac del) pinned against spoofing, kept by mac flush, gone with
# their port; mac show and mac flush by VLAN; each new counter and event; the errors.
. "$(dirname "$0")/lib.sh"

start_daemon

add_host a 10.73.0.1
add_host b 10.73.0.2
add_host c 10.73.0.3
add_host d 10.73.0.4
add_host e 10.73.0.5 # for max-macs: never pinged, never sniffed
hosts=(a b c d)
declare -A MAC
for h in "${hosts[@]}"; do MAC[$h]=$(host_mac "$h"); done

# Every event from here on, as JSON lines.
"$SWITCHCTL" -s "$SOCK" -j monitor >"$T/mon" 2>"$T/mon.err" &
MON_PID=$!
BG_PIDS+=("$MON_PID")
# mon_has EVENT FIELD VALUE: the monitor printed such an event (jq -e alone would judge by the last line).
mon_has() { jq -e -s --arg e "$1" --arg k "$2" --arg v "$3" 'any(.[]; .event == $e and .[$k] == $v)' "$T/mon" \
	>/dev/null 2>&1; }
# The monitor has subscribed once it reports an event made after it started: toggle a setting
# until it does (each toggle is two port_changed events for flood, which nothing below counts).
toggled() {
	ctl port set "${P}a" flood off && ctl port set "${P}a" flood on
	mon_has port_changed setting flood
}
wait_until 10 "the monitor to report a port_changed event" toggled

# ---- defaults -------------------------------------------------------------------------------
for h in "${hosts[@]}"; do
	got=$(ports_json | jq -c --arg n "$P$h" '.[] | select(.name == $n) |
		[.learning, .flood, .isolated, .max_macs, .rx_drop_mac_limit, .rx_drop_static, .rx_drop_isolated]')
	assert_eq '[true,true,false,0,0,0,0]' "$got" "settings and new counters of $P$h at start"
done

# check_copies SENDER HEXFRAME LABEL H=N...: sends one frame and counts its copies on every host.
check_copies() {
	local from=$1 hex=$2 label=$3 marker h want
	shift 3
	sniff_start "${hosts[@]}"
	send_frames "$from" "$hex"
	sniff_stop "${hosts[@]}"
	marker=${hex: -32}
	for pair in "$@"; do
		h=${pair%%=*}
		want=${pair#*=}
		assert_eq "$want" "$(sniff_count "$h" "$marker")" "$label: copies on $h"
	done
}

# ---- isolated -------------------------------------------------------------------------------
ping_ok a 10.73.0.2 # a and b learned
ping_ok c 10.73.0.4 # c and d learned
ctl port set "${P}a" isolated on
ctl port set "${P}b" isolated on
assert_eq true "$(port_field "${P}b" isolated)" "isolated of ${P}b after port set"
# Setting what a port has prints nothing and changes nothing.
assert_eq "" "$(ctl port set "${P}b" isolated on)" "text output of a port set that changes nothing"
assert_eq false "$(ctl -j port set "${P}b" isolated on | jq -r .changed)" "changed of a repeated port set"
assert_eq 1 "$(log_count "port ${P}b: isolated on")" "log lines for ${P}b isolated on"
check_copies a "$(frame ff:ff:ff:ff:ff:ff "${MAC[a]}" 88b5 "$(rand_hex 16)")" "broadcast from isolated a" \
	a=0 b=0 c=1 d=1
check_copies c "$(frame ff:ff:ff:ff:ff:ff "${MAC[c]}" 88b5 "$(rand_hex 16)")" "broadcast from c" \
	a=1 b=1 c=0 d=1
# No neighbour entries left to probe (a unicast ARP from a to b would be dropped and counted too).
for h in "${hosts[@]}"; do ip -n "$P$h" neigh flush all; done
before=$(port_field "${P}a" rx_drop_isolated)
check_copies a "$(frame "${MAC[b]}" "${MAC[a]}" 88b5 "$(rand_hex 16)")" "unicast isolated a -> isolated b" \
	a=0 b=0 c=0 d=0
assert_eq $((before + 1)) "$(port_field "${P}a" rx_drop_isolated)" "rx_drop_isolated on ${P}a"
ping_fails a 10.73.0.2
ping_ok a 10.73.0.3
ping_ok b 10.73.0.4
ctl port set "${P}b" isolated off
# a's neighbour entry for b failed while they were isolated: a fresh ARP, not a wait for its retry.
ip -n "${P}a" neigh flush all
ping_ok a 10.73.0.2
ctl port set "${P}a" isolated off
wait_until 5 "port_changed events for isolated" mon_has port_changed value off
assert_eq 4 "$(jq -r 'select(.event == "port_changed" and .setting == "isolated") | .port' "$T/mon" | wc -l)" \
	"port_changed events for isolated (two on, two off)"

# ---- flood off ------------------------------------------------------------------------------
ctl port set "${P}d" flood off
unknown=02:00:00:73:00:99
check_copies c "$(frame "$unknown" "${MAC[c]}" 88b5 "$(rand_hex 16)")" "unknown unicast, d flood off" \
	a=1 b=1 c=0 d=0
check_copies c "$(frame ff:ff:ff:ff:ff:ff "${MAC[c]}" 88b5 "$(rand_hex 16)")" "broadcast, d flood off" \
	a=1 b=1 c=0 d=1
check_copies c "$(frame "${MAC[d]}" "${MAC[c]}" 88b5 "$(rand_hex 16)")" "known unicast to d, flood off" \
	a=0 b=0 c=0 d=1
ctl port set "${P}d" flood on
check_copies c "$(frame "$unknown" "${MAC[c]}" 88b5 "$(rand_hex 16)")" "unknown unicast, d flood on" \
	a=1 b=1 c=0 d=1

# ---- learning off ---------------------------------------------------------------------------
ctl mac flush port "${P}c" >/dev/null
ctl port set "${P}c" learning off
assert_eq false "$(port_field "${P}c" learning)" "learning of ${P}c"
ping_ok c 10.73.0.1 # frames to c are unknown unicast now: flooded, still delivered
mac_absent "${MAC[c]}" || fail "a MAC was learned on a port with learning off"
assert_eq 0 "$(port_field "${P}c" rx_dropped)" "frames dropped on ${P}c with learning off"
ctl port set "${P}c" learning on
ping_ok c 10.73.0.1
assert_eq "${P}c" "$(mac_port "${MAC[c]}")" "c learned again with learning on"

# ---- max-macs -------------------------------------------------------------------------------
# On e, a host nobody talks to: its own stack sends nothing (no ARP probe of a neighbour) that
# could take a place or be counted.
ctl port set "${P}e" max-macs 2
assert_eq 2 "$(port_field "${P}e" max_macs)" "max_macs of ${P}e"
m1=02:00:00:73:01:01 m2=02:00:00:73:01:02 m3=02:00:00:73:01:03
send_frames e "$(frame ff:ff:ff:ff:ff:ff "$m1" 88b5 "$(rand_hex 8)")" "$(frame ff:ff:ff:ff:ff:ff "$m2" 88b5 "$(rand_hex 8)")"
assert_eq "${P}e ${P}e" "$(mac_port "$m1") $(mac_port "$m2")" "first two sources learned on ${P}e"
check_copies e "$(frame ff:ff:ff:ff:ff:ff "$m3" 88b5 "$(rand_hex 16)")" "a third source over max-macs 2" \
	a=0 b=0 c=0 d=0
mac_absent "$m3" || fail "a source over max-macs was learned"
assert_eq 1 "$(port_field "${P}e" rx_drop_mac_limit)" "rx_drop_mac_limit on ${P}e"
check_copies e "$(frame ff:ff:ff:ff:ff:ff "$m1" 88b5 "$(rand_hex 16)")" "a known source at the limit" \
	a=1 b=1 c=1 d=1
# A smaller limit evicts the least recently seen (m2) at once.
ctl port set "${P}e" max-macs 1
mac_absent "$m2" || fail "lowering max-macs kept the least recently seen entry"
assert_eq "${P}e" "$(mac_port "$m1")" "the most recent entry kept under max-macs 1"
ctl port set "${P}e" max-macs 0
send_frames e "$(frame ff:ff:ff:ff:ff:ff "$m3" 88b5 "$(rand_hex 8)")"
assert_eq "${P}e" "$(mac_port "$m3")" "a new source on ${P}e with max-macs back at 0"

# ---- a port's own storm limit -----------------------------------------------------------------
# The switch-wide limit (10000 a second by default) is far off; d may flood 1 broadcast a second.
# 64 back to back: the first and at most one a second that the burst took get through.
ctl port set "${P}d" storm-broadcast 1
assert_eq 1 "$(port_field "${P}d" storm_broadcast)" "storm_broadcast of ${P}d"
assert_eq 10000 "$(status_field storm_broadcast)" "the switch-wide storm-broadcast"
drops0=$(port_field "${P}d" rx_drop_storm)
t0=$(now_ms)
send_frames d "$(frame ff:ff:ff:ff:ff:ff "${MAC[d]}" 88b5 "$(rand_hex 16)")" --repeat 64
secs=$((($(now_ms) - t0) / 1000 + 1))
dropped=$(($(port_field "${P}d" rx_drop_storm) - drops0))
assert_ge "$dropped" $((64 - 1 - secs)) "broadcasts from ${P}d dropped by its storm limit (burst took <= $secs s)"
assert_le "$dropped" 63 "broadcasts from ${P}d dropped (the first one passes)"
ctl port set "${P}d" storm-broadcast 0
drops0=$(port_field "${P}d" rx_drop_storm)
send_frames d "$(frame ff:ff:ff:ff:ff:ff "${MAC[d]}" 88b5 "$(rand_hex 16)")" --repeat 64
assert_eq "$drops0" "$(port_field "${P}d" rx_drop_storm)" "storm drops on ${P}d with its limit back at 0"

# ---- static MACs ----------------------------------------------------------------------------
gw=02:00:00:73:0a:01
ctl mac add "$gw" port "${P}a"
ctl mac add "$gw" port "${P}a" vlan 7
got=$(macs_json | jq -c --arg m "$gw" '[.[] | select(.mac == $m) | [.port, .vlan, .static]] | sort')
assert_eq "[[\"${P}a\",0,true],[\"${P}a\",7,true]]" "$got" "static entries of $gw"
assert_eq "${P}a" "$(ctl -j mac show "$gw" vlan 7 | jq -r '.[0].port')" "mac show MAC vlan 7"
assert_eq 1 "$(ctl -j mac show vlan 7 | jq length)" "entries in VLAN 7"
# A spoofed frame from the pinned MAC on another port: dropped, counted, nothing moves.
check_copies b "$(frame ff:ff:ff:ff:ff:ff "$gw" 88b5 "$(rand_hex 16)")" "spoofed frame from a pinned MAC" \
	a=0 b=0 c=0 d=0
assert_eq 1 "$(port_field "${P}b" rx_drop_static)" "rx_drop_static on ${P}b"
assert_eq "${P}a" "$(mac_port "$gw")" "the pinned MAC after a spoofed frame"
# Unicast to it goes to its port even though it never sent a frame; from its port it forwards.
check_copies c "$(frame "$gw" "${MAC[c]}" 88b5 "$(rand_hex 16)")" "unicast to the static MAC" \
	a=1 b=0 c=0 d=0
check_copies a "$(frame ff:ff:ff:ff:ff:ff "$gw" 88b5 "$(rand_hex 16)")" "a frame from the static MAC on its port" \
	a=0 b=1 c=1 d=1
# mac flush keeps it; its age is not shown; mac del takes it.
ctl mac flush >/dev/null
assert_eq "${P}a" "$(mac_port "$gw")" "static entry after mac flush"
assert_eq "" "$(ctl mac show "$gw" | awk 'NR == 2 { print $4 }' | grep -v static || true)" \
	"text mac show of a static entry (no age)"
ctl mac del "$gw" vlan 7
assert_eq "" "$(mac_port "$gw" 7)" "static entry in VLAN 7 after mac del"
expect_exit 1 ctl mac del "$gw" vlan 7
assert_contains "$(ctl mac del "$gw" vlan 7 2>&1 || true)" "no such entry" "mac del of an absent entry"
# A learned entry can be deleted too.
ping_ok b 10.73.0.3
ctl mac del "${MAC[b]}"
mac_absent "${MAC[b]}" || fail "mac del left a learned entry"
# The port's removal takes its static entries, told as mac_deleted.
ctl port del "${P}a"
mac_absent "$gw" || fail "a static entry outlived its port"
wait_until 5 "a mac_deleted event for the static entry" mon_has mac_deleted reason "port removed"
mon_has mac_added mac "$gw" || fail "no mac_added event for $gw"
assert_eq true "$(jq -r --arg m "$gw" 'select(.event == "mac_added" and .mac == $m) | .static' "$T/mon" | head -1)" \
	"static flag of mac_added"
mon_has port_changed setting max-macs || fail "no port_changed event for max-macs"
assert_eq 1 "$(jq -r 'select(.event == "port_changed" and .setting == "max-macs" and .value == "2") | .port' \
	"$T/mon" | wc -l)" "port_changed events for max-macs 2"

# ---- errors ---------------------------------------------------------------------------------
expect_exit 1 ctl port set nosuchport learning off
assert_contains "$(ctl port set nosuchport learning off 2>&1 || true)" "no such port" "port set of no port"
expect_exit 2 ctl port set "${P}b" learning maybe
expect_exit 2 ctl port set "${P}b" max-macs lots
expect_exit 2 ctl port set "${P}b" colour red
expect_exit 1 ctl mac add 02:00:00:73:0b:01 port nosuchport
expect_exit 2 ctl mac add 02:00:00:73:0b:01
expect_exit 2 ctl mac add ff:ff:ff:ff:ff:ff port "${P}b"
expect_exit 2 ctl mac show vlan 4096
daemon_answers || fail "switchd stopped answering after the refused requests"
say "isolated, flood off, learning off, max-macs, static MACs: each held with real frames"
