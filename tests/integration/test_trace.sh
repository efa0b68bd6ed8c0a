#!/usr/bin/env bash
# switchctl trace against real frames: each trace (known unicast, a flood with a port that does not
# carry the VLAN, a tag pushed, a tag popped, a drop) is followed by the same frame sent with scapy,
# and where it went, in which form, and what was counted must be what the trace said. A trace sends
# and learns nothing; the read-only socket may trace.
. "$(dirname "$0")/lib.sh"

RO=$T/ro.sock
start_daemon --ro-socket "$RO"
add_host a 10.75.0.1
add_host b 10.75.0.2
add_host c 10.75.0.3
add_host d 10.75.0.4
declare -A MAC
for h in a b c d; do MAC[$h]=$(host_mac "$h"); done
ctl port set "${P}c" vlan access 10
ctl port set "${P}d" vlan trunk 10

# trace_json ARGS...: the trace as JSON; egress: "port=result ..." of its egress steps, sorted.
trace_json() { ctl -j trace "$@" >"$T/trace"; }
egress() { jq -r '[.[] | select(.stage == "egress") | "\(.port)=\(.result)"] | sort | join(" ")' "$T/trace"; }
verdict() { jq -r '.[] | select(.stage == "verdict") | .detail' "$T/trace"; }
result_of() { jq -r --arg s "$1" '[.[] | select(.stage == $s) | .result] | join(",")' "$T/trace"; }
# sent HOST HEX: sends the frame, waits for what it must bring, and counts it on every host.
check_real() { # FROM HEX H=N...
	local from=$1 hex=$2 h want
	shift 2
	sniff_start a b c d
	send_frames "$from" "$hex"
	sniff_stop a b c d
	for pair in "$@"; do
		h=${pair%%=*}
		want=${pair#*=}
		assert_eq "$want" "$(sniff_count "$h" "${hex: -24}")" "copies of the frame from $from on $h"
	done
}

# a and b learned, each by a frame of its own.
send_frames a "$(frame ff:ff:ff:ff:ff:ff "${MAC[a]}" 88b5 "$(rand_hex 16)")"
send_frames b "$(frame ff:ff:ff:ff:ff:ff "${MAC[b]}" 88b5 "$(rand_hex 16)")"
wait_for 5 "a and b learned" '[ "$(mac_port "${MAC[b]}")" = "${P}b" ] && [ "$(mac_port "${MAC[a]}")" = "${P}a" ]'

# ---- known unicast: one egress port, the frame as it came -------------------------------------
macs=$(status_field macs)
trace_json in "${P}a" src "${MAC[a]}" dst "${MAC[b]}" type 0x88b5
assert_eq "refresh" "$(result_of learning)" "learning of a known source"
assert_eq "unicast" "$(result_of lookup)" "lookup of b"
assert_eq "${P}b=keep" "$(egress)" "egress of a -> b"
assert_eq "forwarded to 1 port" "$(verdict)" "verdict of a -> b"
timeout 5 "$SWITCHCTL" -s "$RO" -j trace in "${P}a" src "${MAC[a]}" dst "${MAC[b]}" >"$T/ro"
assert_eq "$(jq -c 'map(del(.detail))' "$T/trace")" "$(jq -c 'map(del(.detail))' "$T/ro")" "the same trace on the read-only socket"
HEX=$(frame "${MAC[b]}" "${MAC[a]}" 88b5 "$(rand_hex 20)")
check_real a "$HEX" a=0 b=1 c=0 d=0

# ---- a flood of VLAN 0: c (access 10) and d (trunk 10) do not carry it ------------------------
NEWSRC=02:75:00:00:00:99
trace_json in "${P}a" src $NEWSRC dst ff:ff:ff:ff:ff:ff
assert_eq "new" "$(result_of learning)" "learning of a new source"
assert_eq "flood" "$(result_of lookup)" "lookup of a broadcast"
assert_eq "${P}b=keep ${P}c=vlan ${P}d=vlan" "$(egress)" "egress of a's broadcast"
assert_eq "$macs" "$(status_field macs)" "MAC entries after the traces (nothing learned)"
assert_eq "" "$(mac_port $NEWSRC)" "the traced source in the table"
HEX=$(frame ff:ff:ff:ff:ff:ff "${MAC[a]}" 88b5 "$(rand_hex 20)")
check_real a "$HEX" a=0 b=1 c=0 d=0

# ---- a tag pushed: from access port c (VLAN 10) to the trunk d and the default ports ----------
trace_json in "${P}c" src "${MAC[c]}" dst ff:ff:ff:ff:ff:ff
assert_eq "${P}a=push ${P}b=push ${P}d=push" "$(egress)" "egress of c's broadcast"
assert_eq 10 "$(jq '.[] | select(.stage == "egress" and .port == "'"${P}d"'") | .vlan' "$T/trace")" "VID pushed"
HEX=$(frame ff:ff:ff:ff:ff:ff "${MAC[c]}" 88b5 "$(rand_hex 20)")
check_real c "$HEX" a=1 b=1 c=0 d=1
# The frame on d: the same bytes with an 802.1Q tag of VID 10 after the MACs.
got=$(grep -F -- "${HEX: -24}" "$T/sniff.d" | awk '{ print $3 }')
assert_eq "${HEX:0:24}8100000a${HEX:24}" "${got:0:$((${#HEX} + 8))}" "the frame d received"
wait_for 5 "c learned in VLAN 10" '[ "$(mac_port "${MAC[c]}" 10)" = "${P}c" ]'

# ---- a tag popped: tagged 10 from the trunk to c ---------------------------------------------
trace_json in "${P}d" src "${MAC[d]}" dst "${MAC[c]}" vlan 10
assert_eq "unicast" "$(result_of lookup)" "lookup of c in VLAN 10"
assert_eq "${P}c=pop" "$(egress)" "egress of d -> c"
HEX=$(frame "${MAC[c]}" "${MAC[d]}" 8100 "000a88b5$(rand_hex 20)")
check_real d "$HEX" a=0 b=0 c=1 d=0
got=$(grep -F -- "${HEX: -24}" "$T/sniff.c" | awk '{ print $3 }')
assert_eq "${HEX:0:24}${HEX:32}" "${got:0:$((${#HEX} - 8))}" "the frame c received (untagged)"

# ---- a drop: VLAN 20 on the trunk of 10 -------------------------------------------------------
trace_json in "${P}d" src "${MAC[d]}" dst ff:ff:ff:ff:ff:ff vlan 20
assert_eq "vlan" "$(result_of vlan)" "the VLAN stage of VLAN 20 on ${P}d"
assert_eq "dropped, counted on ${P}d as rx_drop_vlan" "$(verdict)" "verdict of VLAN 20 on ${P}d"
before=$(port_field "${P}d" rx_drop_vlan)
HEX=$(frame ff:ff:ff:ff:ff:ff "${MAC[d]}" 8100 "001488b5$(rand_hex 20)")
check_real d "$HEX" a=0 b=0 c=0 d=0
assert_eq $((before + 1)) "$(port_field "${P}d" rx_drop_vlan)" "rx_drop_vlan on ${P}d"

# ---- errors -----------------------------------------------------------------------------------
expect_exit 1 ctl trace in "${P}zz" dst "${MAC[b]}"
assert_eq "trace in ${P}zz: no such port" "$ERR" "trace of no such port"
expect_exit 2 ctl trace in "${P}a" src "${MAC[a]}"
assert_contains "$ERR" "trace: missing dst MAC" "trace without dst"
expect_exit 2 ctl trace in "${P}a" dst "${MAC[b]}" vlan 4096
assert_contains "$ERR" "vlan needs a VLAN ID in 0..4095" "trace of VLAN 4096"
