#!/usr/bin/env bash
# switchctl capture with real frames: pcapng read back by tcpdump, scapy and our own reader
# (pcapng.py: interface names, directions, the exact bytes, in order per port and direction);
# -w - into tcpdump -r -; the filter expression (libpcap compiles, switchd runs it); -c; -s;
# -Q; text and JSON lines; a VLAN tag as each port has it; two captures at once; the end when
# the port goes, at Ctrl-C and at switchd's stop; the read-only socket and usage errors; a
# reader that never reads while 64 MiB of TCP crosses the port: forwarding goes on, the frames
# that do not fit are dropped and counted, switchd's memory stays bounded.
. "$(dirname "$0")/lib.sh"

command -v tcpdump >/dev/null || fail "missing tool: tcpdump"
RO=$T/ro.sock
start_daemon --ro-socket "$RO"

add_host a 10.75.0.1
add_host b 10.75.0.2
add_host c 10.75.0.3
declare -A MAC CAP_PID
for h in a b c; do MAC[$h]=$(host_mac "$h"); done
# Each host's MAC learned by a frame of its own: unicast between them goes to one port.
for h in a b c; do send_frames "$h" "$(frame ff:ff:ff:ff:ff:ff "${MAC[$h]}" 88b5 "$(rand_hex 46)")"; done
wait_for 5 "a, b and c learned" \
	'[ "$(mac_port "${MAC[a]}")" = "${P}a" ] && [ "$(mac_port "${MAC[b]}")" = "${P}b" ] && [ "$(mac_port "${MAC[c]}")" = "${P}c" ]'

# cap_start NAME [-s SOCKET] ARGS...: switchctl capture ARGS in the background (stdout into
# $T/NAME.out, stderr into $T/NAME.err); returns once it says it listens.
cap_start() {
	local name=$1 sock=$SOCK
	shift
	if [ "$1" = -s ]; then
		sock=$2
		shift 2
	fi
	rm -f "$T/$name.out" "$T/$name.err"
	# Not under timeout: its Ctrl-C, passed on a second time to its process group and followed by
	# SIGCONTs, can reach a sanitizer build's switchctl while LeakSanitizer stops the world at its
	# exit, and hang it there (seen in CI). A Ctrl-C goes to switchctl itself; cap_end bounds the
	# wait, and the cleanup ends what is left.
	"$SWITCHCTL" -s "$sock" capture "$@" >"$T/$name.out" 2>"$T/$name.err" &
	CAP_PID[$name]=$!
	BG_PIDS+=("$!")
	wait_for 10 "capture $name to listen" "grep -q '^listening on' '$T/$name.err'"
}
# cap_end NAME: waits (bounded) for the capture to end by itself; its exit status must be 0.
cap_end() {
	local rc=0
	wait_until 20 "capture $1 to end" not_running "${CAP_PID[$1]}"
	wait "${CAP_PID[$1]}" || rc=$?
	assert_eq 0 "$rc" "exit status of capture $1"
}
# cap_stop NAME: Ctrl-C, as at a terminal; then as cap_end.
cap_stop() {
	kill -INT "${CAP_PID[$1]}"
	cap_end "$1"
}
# pcap_lines FILE: "PORT DIR CAPLEN ORIGLEN HEX" per packet, by our own reader (no time).
pcap_lines() { "$PY" "$(dirname "$0")/pcapng.py" "$1" | awk '$1 != "if" { print $1, $2, $3, $4, $6 }'; }

A2B=$(frame "${MAC[b]}" "${MAC[a]}" 88b5 "$(rand_hex 50)")
B2A=$(frame "${MAC[a]}" "${MAC[b]}" 88b5 "$(rand_hex 50)")
A2B_TAG=$(frame "${MAC[b]}" "${MAC[a]}" 8100 "0064 88b5 $(rand_hex 50)")
A2B_TAG=${A2B_TAG// /}
C_BC=$(frame ff:ff:ff:ff:ff:ff "${MAC[c]}" 88b5 "$(rand_hex 50)")

# ---- pcapng of two ports: each frame in and out, with its port's name and direction -------
cap_start two -i "${P}a" -i "${P}b" -Q inout -c 8 -w "$T/two.pcapng"
send_frames a "$A2B"
send_frames b "$B2A"
send_frames a "$A2B_TAG"
send_frames c "$C_BC"
cap_end two
assert_contains "$(cat "$T/two.err")" "listening on ${P}a,${P}b, link-type EN10MB (Ethernet)" "capture's first line"
assert_contains "$(cat "$T/two.err")" "8 frames captured, 0 dropped by switchd" "capture's summary"
"$PY" "$(dirname "$0")/pcapng.py" "$T/two.pcapng" >"$T/two.lines" || fail "pcapng.py could not read the capture"
assert_eq "if ${P}a 1 9,if ${P}b 1 9" "$(grep '^if ' "$T/two.lines" | paste -sd,)" \
	"interface blocks: the ports' names, Ethernet, nanoseconds"
pcap_lines "$T/two.pcapng" >"$T/two.pkts"
assert_eq 8 "$(wc -l <"$T/two.pkts")" "packets in the capture"
# The order within each port and direction is the order they crossed (in before out across ports
# holds for one frame; frames of one burst may interleave, so compare per port and direction).
for pd in "${P}a in" "${P}b out" "${P}b in" "${P}a out"; do
	case $pd in
	"${P}a in" | "${P}b out") want="$A2B $A2B_TAG" ;;
	"${P}b in") want="$B2A" ;;
	"${P}a out") want="$B2A" ;;
	esac
	[ "$pd" = "${P}b out" ] || [ "$pd" = "${P}a out" ] && want+=" $C_BC"
	got=$(awk -v p="${pd% *}" -v d="${pd#* }" '$1 == p && $2 == d { print $5 }' "$T/two.pkts" | paste -sd' ')
	assert_eq "$want" "$got" "frames of $pd, in order, byte for byte"
done
awk '$3 != $4 { exit 1 }' "$T/two.pkts" || fail "a frame was cut short without -s"
# The timestamps are the times they crossed: within this test's minute, and in order per port.
awk -v now="$(date +%s)" '$1 != "if" { s = int($5 / 1e9); if (s < now - 60 || s > now + 1) exit 1 }' \
	"$T/two.lines" || fail "a timestamp is not the time of the capture"
# tcpdump and scapy read the same file.
tcpdump -nn -e -r "$T/two.pcapng" >"$T/two.tcpdump" 2>"$T/two.tcpdump.err" || fail "tcpdump -r failed: $(cat "$T/two.tcpdump.err")"
assert_eq 8 "$(grep -c "^[0-9]" "$T/two.tcpdump")" "packets tcpdump -r reads"
assert_eq 2 "$(grep -c 'vlan 100' "$T/two.tcpdump")" "tagged frames tcpdump shows with their tag (in on a, out on b)"
assert_eq "8 ${MAC[a]}" "$("$PY" -c 'import sys
from scapy.all import rdpcap
ps = rdpcap(sys.argv[1])
print(len(ps), ps[0].src)' "$T/two.pcapng" 2>/dev/null)" "scapy reads the capture (count, first source)"

# ---- -w - into tcpdump -r -; capture of all ports; a filter that keeps only ICMP -----------
rm -f "$T/pipe.out" "$T/pipe.err"
( timeout 60 "$SWITCHCTL" -s "$SOCK" capture -i all -c 4 -w - icmp 2>"$T/pipe.err" |
	tcpdump -nn -r - >"$T/pipe.out" 2>/dev/null ) &
PIPE_PID=$!
BG_PIDS+=("$PIPE_PID")
wait_for 10 "the piped capture to listen" "grep -q '^listening on all' '$T/pipe.err'"
in_host a ping -n -q -c 1 -W 5 10.75.0.2 >/dev/null || fail "ping a -> b failed under a capture"
wait_until 20 "the piped capture to end" not_running "$PIPE_PID"
wait "$PIPE_PID" || fail "switchctl capture -w - | tcpdump -r - failed: $(cat "$T/pipe.err")"
# The request in on a and out on b, the reply in on b and out on a; ARP filtered out.
assert_eq 2 "$(grep -c 'ICMP echo request' "$T/pipe.out")" "echo requests through the pipe (in on a, out on b)"
assert_eq 2 "$(grep -c 'ICMP echo reply' "$T/pipe.out")" "echo replies through the pipe"
assert_eq 4 "$(wc -l <"$T/pipe.out")" "nothing but ICMP passed the filter"
assert_contains "$(cat "$T/pipe.err")" "4 frames captured" "summary of the piped capture"

# ---- text and JSON lines; -Q; a tag as each port has it (pushed or popped) ------------------
ctl port set "${P}b" vlan access 100 >/dev/null
cap_start line -i "${P}a,${P}b" -c 2
send_frames a "$A2B_TAG"
cap_end line
assert_eq "${P}a in  ${MAC[a]} > ${MAC[b]}, vlan 100, ethertype 0x88b5 (unknown), length 68|${P}b out ${MAC[a]} > ${MAC[b]}, ethertype 0x88b5 (unknown), length 64" \
	"$(cut -d' ' -f2- "$T/line.out" | paste -sd'|')" "text lines: the tag as a received it, gone as b sent it"
grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z ' "$T/line.out" || fail "text line without its time: $(head -1 "$T/line.out")"
cap_start json -j -i "${P}b" -Q in -c 1
send_frames a "$A2B_TAG" # out on b only: -Q in skips it
send_frames b "$B2A"
cap_end json
assert_eq "{\"port\":\"${P}b\",\"direction\":\"in\",\"src\":\"${MAC[b]}\",\"dst\":\"${MAC[a]}\",\"ethertype\":\"0x88b5\",\"length\":64,\"captured\":64}" \
	"$(jq -c 'del(.time, .time_ns)' "$T/json.out")" "a JSON line (-Q in: only what b received)"
assert_eq 1 "$(wc -l <"$T/json.out")" "JSON lines"
jq -e '(.time_ns | type) == "number" and (.time | test("Z$"))' "$T/json.out" >/dev/null || fail "JSON line without its time"
cap_start out -j -i "${P}b" -Q out -c 1
send_frames b "$B2A"    # in on b: skipped
send_frames a "$A2B_TAG" # out on b, untagged there
cap_end out
assert_eq "out 64 null" "$(jq -r '"\(.direction) \(.length) \(.vlan)"' "$T/out.out")" "-Q out: the frame b sent, untagged"
ctl port set "${P}b" vlan trunk all >/dev/null

# ---- -s: the first bytes only, with the length on the wire ---------------------------------
BIG=$(frame "${MAC[b]}" "${MAC[a]}" 88b5 "$(rand_hex 186)")
cap_start snap -i "${P}a" -Q in -s 32 -c 1 -w "$T/snap.pcapng"
send_frames a "$BIG"
cap_end snap
assert_eq "${P}a in 32 200 ${BIG:0:64}" "$(pcap_lines "$T/snap.pcapng")" "-s 32: 32 bytes kept of 200"

# ---- two captures at once get the same frames ------------------------------------------------
cap_start one -j -i "${P}b" -c 2
cap_start other -j -i "${P}b" -Q in -c 2
send_frames b "$B2A" "$B2A"
send_frames a "$A2B" # out on b: one's second frame only
cap_end other
cap_end one
assert_eq "in in" "$(jq -r .direction "$T/other.out" | paste -sd' ')" "the second capture: b's two frames in"
assert_eq "in in" "$(jq -r .direction "$T/one.out" | paste -sd' ')" "the first capture: the same two frames"

# ---- the end: the port goes; Ctrl-C; the log says who and what -------------------------------
cap_start gone -i "${P}c"
ctl port del "${P}c" >/dev/null
cap_end gone
assert_contains "$(cat "$T/gone.err")" "capture ended by switchd: port ${P}c removed" "why the capture of a removed port ended"
cap_start intr -i all
cap_stop intr
assert_contains "$(cat "$T/intr.err")" "0 frames captured, 0 dropped by switchd" "summary after Ctrl-C"
wait_for 5 "the log to say the capture ended" "[ \"\$(log_count 'ended (client stopped)')\" -ge 1 ]"
assert_ge "$(log_count "started by uid 0 pid ")" 8 "log lines naming who started each capture"
assert_ge "$(log_count ": ports ${P}a,${P}b, in and out, filter 0 instructions, snaplen")" 1 \
	"the log line of the first capture names its ports"

# ---- refused: the read-only socket, a port that is not there, usage errors ------------------
expect_exit 1 timeout 5 "$SWITCHCTL" -s "$RO" capture -c 1
assert_contains "$ERR" "capture" "the read-only socket's refusal names capture"
assert_contains "$ERR" "read-only" "the read-only socket's refusal says why"
expect_exit 1 ctl capture -i nosuchport -c 1
assert_contains "$ERR" "no such port: nosuchport" "capture of a port that is not there"
expect_exit 2 ctl capture -c 1 'ether hostt 1'
assert_contains "$ERR" "bad filter expression 'ether hostt 1'" "a bad expression is a usage error"
expect_exit 2 ctl capture -Q sideways
assert_contains "$ERR" "-Q wants in, out or inout" "a bad -Q"
expect_exit 2 ctl capture -c 0
daemon_answers || fail "switchd stopped answering after the refusals"

# ---- a reader that never reads: forwarding goes on, drops are counted, memory bounded -------
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status"; }
rss0=$(rss_kib)
cap_start stuck -i "${P}a,${P}b" -w /dev/null
STUCK=${CAP_PID[stuck]}
kill -STOP "$STUCK"
tcp_md5 a b 10.75.0.2 5201 64
daemon_answers || fail "switchd stopped answering while a capture's reader did not read"
rss1=$(rss_kib)
say "switchd VmRSS: ${rss0} KiB before, ${rss1} KiB after 64 MiB under a stuck capture"
assert_le "$((rss1 - rss0))" $((16 * 1024)) "switchd's RSS growth (KiB) with a reader that never reads"
kill -CONT "$STUCK"
cap_stop stuck
dropped=$(sed -n 's/.* frames captured, \([0-9]*\) dropped by switchd$/\1/p' "$T/stuck.err")
assert_ge "${dropped:-0}" 1 "frames dropped by switchd for the stuck reader"
say "stuck capture: $(tail -n 1 "$T/stuck.err")"

# ---- switchd's stop ends a capture ------------------------------------------------------------
cap_start last -i all
stop_daemon
cap_end last
assert_contains "$(cat "$T/last.err")" "capture ended by switchd" "a capture at switchd's stop"
