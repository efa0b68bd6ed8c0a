#!/usr/bin/env bash
# switchctl mirror with real frames: a mirror to a port whose other end is in a namespace where
# tcpdump records gets every frame its source receives and sends (tags included) and nothing else;
# what the destination sends is dropped (rx_drop_mirror); direction in; the errors; the read-only
# socket; a deleted source removes the mirror (mirror_removed); mirror lines of a -c file and a
# reload that changes them.
. "$(dirname "$0")/lib.sh"

command -v tcpdump >/dev/null || fail "missing tool: tcpdump"
RO=$T/ro.sock
start_daemon --ro-socket "$RO"

add_host a 10.74.0.1
add_host b 10.74.0.2
add_host c 10.74.0.3
add_host i 10.74.0.9 # the IDS: the mirror's destination
declare -A MAC
for h in a b c i; do MAC[$h]=$(host_mac "$h"); done

"$SWITCHCTL" -s "$SOCK" -j monitor >"$T/mon" 2>"$T/mon.err" &
BG_PIDS+=("$!")
mon_has() { jq -e -s --arg e "$1" --arg k "$2" --arg v "$3" 'any(.[]; .event == $e and .[$k] == $v)' "$T/mon" \
	>/dev/null 2>&1; }
toggled() {
	ctl port set "${P}a" flood off && ctl port set "${P}a" flood on
	mon_has port_changed setting flood
}
wait_until 10 "the monitor to report a port_changed event" toggled

# Each host's MAC learned by a frame of its own (no ARP: the hosts send nothing else).
for h in a b c; do send_frames "$h" "$(frame ff:ff:ff:ff:ff:ff "${MAC[$h]}" 88b5 "$(rand_hex 16)")"; done
wait_for 5 "a, b and c learned" '[ "$(mac_port "${MAC[c]}")" = "${P}c" ] && [ "$(mac_port "${MAC[a]}")" = "${P}a" ]'

# tcpdump_start HOST: records every frame on the host's eth0 into $T/HOST.pcap.
tcpdump_start() {
	rm -f "$T/$1.pcap" "$T/$1.tcpdump"
	ip netns exec "$P$1" timeout 50 tcpdump -i eth0 -p -U --immediate-mode -w "$T/$1.pcap" \
		2>"$T/$1.tcpdump" &
	TCPDUMP_PID=$!
	BG_PIDS+=("$TCPDUMP_PID")
	TD_ERR=$T/$1.tcpdump
	wait_for 10 "tcpdump in $1 to listen" 'grep -q "listening on" "$TD_ERR"'
}
# tcpdump_stop HOST: once it has the frames it must have (N), or after a grace period for ones
# it must not; then the frames as hex lines, in order.
tcpdump_stop() {
	sleep 0.3 # frames in flight reach tcpdump; never the proof: the count below is
	kill -INT "$TCPDUMP_PID"
	wait "$TCPDUMP_PID" || true
	"$PY" -c 'import sys
from scapy.all import rdpcap
for p in rdpcap(sys.argv[1]): print(bytes(p).hex())' "$T/$1.pcap" >"$T/$1.frames"
}

# ---- both ways: every frame a receives and sends, tags included, and nothing else -----------
i_tx=$(port_field "${P}i" tx_packets) # the floods before: it was a port as any other
ctl mirror add ids from "${P}a" to "${P}i"
assert_eq "[{\"name\":\"ids\",\"from\":\"${P}a\",\"direction\":\"both\",\"to\":\"${P}i\",\"packets\":0,\"origin\":\"switchctl\"}]" \
	"$(ctl -j mirror show)" "mirror show -j after mirror add"
assert_eq "ids: from ${P}a both to ${P}i packets 0" "$(ctl mirror show)" "mirror show"
assert_eq "[{\"name\":\"ids\",\"from\":\"${P}a\",\"direction\":\"both\",\"to\":\"${P}i\",\"packets\":0,\"origin\":\"switchctl\"}]" \
	"$(timeout 5 "$SWITCHCTL" -s "$RO" -j mirror show)" "mirror show on the read-only socket"

A2B=$(frame "${MAC[b]}" "${MAC[a]}" 88b5 "$(rand_hex 20)")         # in on a
A2B_TAG=$(frame "${MAC[b]}" "${MAC[a]}" 8100 "0064 88b5 $(rand_hex 20)") # in on a, tagged, as it came
A2B_TAG=${A2B_TAG// /}
C2A=$(frame "${MAC[a]}" "${MAC[c]}" 88b5 "$(rand_hex 20)")         # out on a
C_BC=$(frame ff:ff:ff:ff:ff:ff "${MAC[c]}" 88b5 "$(rand_hex 20)")  # out on a (a flood): one copy only
B2C=$(frame "${MAC[c]}" "${MAC[b]}" 88b5 "$(rand_hex 20)")         # not a's: none
tcpdump_start i
send_frames a "$A2B" "$A2B_TAG"
send_frames c "$C2A" "$C_BC"
send_frames b "$B2C"
wait_for 5 "4 frames copied" '[ "$(ctl -j mirror show | jq ".[0].packets")" -ge 4 ]'
tcpdump_stop i
# Frames under 60 bytes reach a veth padded: compare the bytes sent, in order.
got=$(awk '{ print substr($0, 1, 28 + 40 + 8) }' "$T/i.frames" | tr '\n' ' ')
want=""
for f in "$A2B" "$A2B_TAG" "$C2A" "$C_BC"; do want+="${f:0:76} "; done
assert_eq "$want" "$got" "the frames tcpdump saw on the mirror's destination"
assert_eq 4 "$(ctl -j mirror show | jq '.[0].packets')" "packets of mirror ids"
assert_eq $((i_tx + 4)) "$(port_field "${P}i" tx_packets)" "tx_packets of ${P}i"

# ---- the destination sends: dropped, counted, not learned, not seen by anyone ----------------
sniff_start a b c
I_BC=$(frame ff:ff:ff:ff:ff:ff "${MAC[i]}" 88b5 "$(rand_hex 16)")
send_frames i "$I_BC"
wait_for 5 "rx_drop_mirror on ${P}i" '[ "$(port_field "${P}i" rx_drop_mirror)" = 1 ]'
sniff_stop a b c
for h in a b c; do assert_eq 0 "$(sniff_count "$h" "${I_BC: -32}")" "the destination's broadcast on $h"; done
assert_eq "" "$(mac_port "${MAC[i]}")" "the destination's MAC in the table"
assert_eq 1 "$(port_field "${P}i" rx_dropped)" "rx_dropped of ${P}i"

# ---- errors, and the read-only socket ---------------------------------------------------------
expect_exit 1 ctl mirror add ids from "${P}b" to "${P}i"
assert_eq "mirror add ids: a mirror of that name exists" "$ERR" "duplicate name"
expect_exit 1 ctl mirror add x from "${P}b,${P}nope" to "${P}i"
assert_eq "mirror add x: no such port ${P}nope" "$ERR" "unknown port"
expect_exit 1 ctl mirror add x from "${P}b,${P}c" to "${P}c"
assert_contains "$ERR" "mirror add x: the destination ${P}c is also a source" "destination among the sources"
expect_exit 1 ctl mirror add x from "${P}i" to "${P}c"
assert_contains "$ERR" "is the destination of mirror ids" "a destination as a source"
expect_exit 2 ctl mirror add x from "${P}b" sideways to "${P}c"
assert_contains "$ERR" "expected in, out, both or 'to PORT'" "usage error"
expect_exit 1 ctl mirror del nope
assert_eq "mirror del nope: no such mirror" "$ERR" "mirror del of none"
expect_exit 1 timeout 5 "$SWITCHCTL" -s "$RO" mirror add y from "${P}b" to "${P}c"
assert_eq "mirror add y: refused on the read-only socket" "$ERR" "mirror add on the read-only socket"
expect_exit 1 timeout 5 "$SWITCHCTL" -s "$RO" mirror del ids
assert_eq "mirror del ids: refused on the read-only socket" "$ERR" "mirror del on the read-only socket"

# ---- in only; mirror del ------------------------------------------------------------------------
ctl mirror del ids
assert_eq "[]" "$(ctl -j mirror show)" "mirror show after mirror del"
ctl mirror add rx from "${P}a,${P}b" in to "${P}i"
tcpdump_start i
B2A=$(frame "${MAC[a]}" "${MAC[b]}" 88b5 "$(rand_hex 20)") # in on b (out on a: not mirrored)
C2A=$(frame "${MAC[a]}" "${MAC[c]}" 88b5 "$(rand_hex 20)") # out on a only: none
send_frames b "$B2A"
send_frames c "$C2A"
wait_for 5 "1 frame copied" '[ "$(ctl -j mirror show | jq ".[0].packets")" -ge 1 ]'
tcpdump_stop i
assert_eq "${B2A:0:76}" "$(awk '{ print substr($0, 1, 76) }' "$T/i.frames" | tr -d '\n')" "frames of mirror rx (in)"

# ---- a source deleted: the mirror goes, logged and told --------------------------------------
ctl port del "${P}b"
wait_until 5 "a mirror_removed event" mon_has mirror_removed mirror rx
jq -c -s 'map(select(.event == "mirror_removed")) | .[0] | del(.time)' "$T/mon" >"$T/ev"
assert_eq "{\"event\":\"mirror_removed\",\"mirror\":\"rx\",\"port\":\"${P}b\",\"reason\":\"source port removed\"}" \
	"$(cat "$T/ev")" "the mirror_removed event"
assert_eq 1 "$(log_count "mirror rx removed: its source port ${P}b was removed")" "log line of the removal"
assert_eq "[]" "$(ctl -j mirror show)" "mirror show after its source went"
# No longer a destination: i gets a's floods again.
sniff_start i
A_BC=$(frame ff:ff:ff:ff:ff:ff "${MAC[a]}" 88b5 "$(rand_hex 16)")
send_frames a "$A_BC"
wait_for 5 "the flood on i" '[ "$(sniff_count i "${A_BC: -32}")" = 1 ]'
sniff_stop i

# ---- a -c file's mirror line, and a reload that changes it -----------------------------------
stop_daemon
CONF=$T/switchd.conf
conf "port add ${P}a" "port add ${P}c" "port add ${P}i" "mirror add ids from ${P}a,${P}c out to ${P}i"
start_daemon -c "$CONF"
assert_eq "ids from ${P}a,${P}c out to ${P}i config" \
	"$(ctl -j mirror show | jq -r '.[] | "\(.name) from \(.from) \(.direction) to \(.to) \(.origin)"')" \
	"the file's mirror at start"
conf "port add ${P}a" "port add ${P}c" "port add ${P}i" "mirror add ids from ${P}a in to ${P}i"
hup
assert_contains "$(last_reload)" "+1 mirror, -1 mirror" "the reload's summary"
assert_eq "ids from ${P}a in to ${P}i config" \
	"$(ctl -j mirror show | jq -r '.[] | "\(.name) from \(.from) \(.direction) to \(.to) \(.origin)"')" \
	"the mirror after a reload changed its line"
tcpdump_start i
C2A=$(frame "${MAC[a]}" "${MAC[c]}" 88b5 "$(rand_hex 20)") # in on c, out on a: not mirrored now
A2C=$(frame "${MAC[c]}" "${MAC[a]}" 88b5 "$(rand_hex 20)") # in on a
send_frames c "$C2A"
send_frames a "$A2C"
wait_for 5 "1 frame copied" '[ "$(ctl -j mirror show | jq ".[0].packets")" -ge 1 ]'
tcpdump_stop i
assert_eq "${A2C:0:76}" "$(awk '{ print substr($0, 1, 76) }' "$T/i.frames" | tr -d '\n')" "frames after the reload"
# A reload that changes nothing keeps it (and its count); one without the line removes it.
hup
assert_eq 1 "$(ctl -j mirror show | jq '.[0].packets')" "packets of a mirror a reload kept"
conf "port add ${P}a" "port add ${P}c" "port add ${P}i"
hup
assert_contains "$(last_reload)" "-1 mirror" "the reload that drops the line"
assert_eq "[]" "$(ctl -j mirror show)" "mirrors after the line went"
# A bad line: the file is refused, as any other.
conf "port add ${P}a" "mirror add ids from ${P}a to ${P}zz"
hup
assert_contains "$(last_reload)" "mirror add ids: no 'port add ${P}zz' line before it" "a reload with a bad mirror line"
