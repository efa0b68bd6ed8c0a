#!/usr/bin/env bash
# Control latency with 500 hostile clients connected (hostile.py: idle, slowloris, clients that
# ask for a 50k-entry MAC table and never read, garbage senders; each re-connected as switchd
# drops it). Meanwhile `switchctl status` must answer every time, within a bound on its p99;
# a ping through the switch keeps working; switchd's RSS and fd count stay bounded and come
# back once the hostile clients go.
#
# HOSTILE_CLIENTS (500), HOSTILE_STATUS (100 status calls), HOSTILE_FLOOD_FRAMES (150000:
# the table's size), HOSTILE_RECONNECT_MS (0) and HOSTILE_P99_MS set a larger or gentler run;
# docs/reliability.md gives the commands and figures.
. "$(dirname "$0")/lib.sh"
command -v trafgen >/dev/null || fail "missing tool: trafgen (Debian package netsniff-ng)"

# Under ASan every big reply costs switchd several times more (status p99 4.2 s, 238 s for the
# whole test with a 51k-entry table): there the table is ~4x smaller by default, to stay near 2 min.
sanitized=
if ldd "$SWITCHD" 2>/dev/null | grep libasan >/dev/null; then sanitized=1; fi
nclients=${HOSTILE_CLIENTS:-500}
nstatus=${HOSTILE_STATUS:-100}
flood=${HOSTILE_FLOOD_FRAMES:-$([ -n "$sanitized" ] && echo 30000 || echo 150000)}
reconnect_ms=${HOSTILE_RECONNECT_MS:-0}
p99_max=${HOSTILE_P99_MS:-$([ -n "$sanitized" ] && echo 4000 || echo 2000)}
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status"; }
nfds() { ls "/proc/$DAEMON_PID/fd" | wc -l; }
now_us() { date +%s%6N; }

start_daemon --max-macs 65536
add_host a 10.95.0.1
add_host b 10.95.0.2
add_host c 10.95.0.3 # fills the table
ping_ok a 10.95.0.2

# The big table: random sources from c.
in_host c timeout 120 trafgen -o eth0 -P 1 --no-sock-mem -Q -C -n "$flood" \
	'{ 0x02, 0x00, 0x00, 0x00, 0xfe, 0x01, 0x02, drnd(5), c16(0x88b5), fill(0x00, 46) }' \
	>"$T/trafgen.out" 2>&1 || fail "trafgen failed: $(tail -3 "$T/trafgen.out")"
wait_for 10 "port c's receive count to settle" \
	'n1=$(port_field "${P}c" rx_packets); sleep 0.5; test "$n1" = "$(port_field "${P}c" rx_packets)"'
macs=$(status_field macs)
bytes=$(ctl -j mac show | wc -c)
say "table: $macs MACs; mac show -j is $bytes bytes, the binary reply $((macs * 48 + 152)) bytes"
assert_ge "$macs" $((flood / 8)) "MACs learned from the flood"

# latency N FILE: N `switchctl status` calls, one per line "MS RC" into FILE.
latency() {
	local i t0 rc
	: >"$2"
	for ((i = 0; i < $1; i++)); do
		t0=$(now_us)
		rc=0
		"$SWITCHCTL" -s "$SOCK" status >/dev/null 2>>"$T/status.err" || rc=$?
		echo "$((($(now_us) - t0) / 1000)) $rc" >>"$2"
	done
}
# figures FILE: "p50 p99 max failures" of a latency file (ms).
figures() {
	sort -n "$1" | awk '{ ms[NR] = $1; if ($2 != 0) f++ }
		END { p99 = int(NR * 0.99); if (p99 < 1) p99 = 1; printf "%d %d %d %d\n", ms[int((NR + 1) / 2)], ms[p99], ms[NR], f }'
}

latency 20 "$T/lat.base"
read -r b50 b99 bmax bfail <<<"$(figures "$T/lat.base")"
rss0=$(rss_kb)
fds0=$(nfds)
say "without hostile clients: status p50 $b50 ms, p99 $b99 ms, max $bmax ms, $bfail failures; RSS $rss0 KiB, $fds0 fds"

# The hostile crowd.
"$PY" "$HERE/hostile.py" "$SOCK" --clients "$nclients" --stop "$T/hostile.stop" --ready "$T/hostile.ready" \
	--reconnect-ms "$reconnect_ms" --stats "$T/hostile.stats" >"$T/hostile.out" 2>&1 &
hostile=$!
BG_PIDS+=("$hostile")
wait_until 20 "the hostile clients to connect" test -e "$T/hostile.ready"
sleep 2 # let the first evictions and idle drops start

# Meanwhile: a ping through the switch, RSS and fds sampled.
# Not through in_host: $! must be ping itself (ip execs it), which prints its summary on SIGINT.
ip netns exec "${P}a" ping -n -q -i 0.2 -w 600 10.95.0.2 >"$T/ping.out" 2>&1 &
pinger=$!
BG_PIDS+=("$pinger")
(
	while :; do
		echo "$(rss_kb) $(nfds)"
		sleep 0.2
	done
) >"$T/samples" 2>/dev/null &
sampler=$!
BG_PIDS+=("$sampler")

latency "$nstatus" "$T/lat.hostile"

kill -INT "$pinger" # ping prints its summary on SIGINT
wait "$pinger" || true
stop_pid "$sampler" 1
touch "$T/hostile.stop"
wait_until 20 "hostile.py to stop" not_running "$hostile"
wait "$hostile" || fail "hostile.py failed: $(cat "$T/hostile.out")"

read -r h50 h99 hmax hfail <<<"$(figures "$T/lat.hostile")"
rss_max=$(awk '$1 > m { m = $1 } END { print m }' "$T/samples")
fds_max=$(awk '$2 > m { m = $2 } END { print m }' "$T/samples")
loss=$(grep -oE '[0-9.]+% packet loss' "$T/ping.out" || echo "no ping summary")
say "with $nclients hostile clients: status p50 $h50 ms, p99 $h99 ms, max $hmax ms, $hfail failures of $nstatus"
say "hostile clients: $(cat "$T/hostile.stats")"
say "switchd during: RSS max $rss_max KiB, fds max $fds_max; ping a->b: $loss"

assert_eq 0 "$hfail" "switchctl status failures among $nstatus with hostile clients ($(sort -u "$T/status.err" | head -3))"
# The bound: this test measured p99 277..997 ms (normal build, 54k..65k entries) on the shared
# 2-core development machine, where hostile.py, the daemon and switchctl share the CPUs; 2 s
# (4 s under ASan) leaves room for a loaded CI machine and is still far under switchctl's own
# 10 s timeout: it catches a lock-out or a stall, not a slow machine.
assert_le "$h99" "$p99_max" "status p99 (ms) with hostile clients"
# The ping shares the daemon's one thread with the storm: a lost echo now and then (1 of 92 in
# one run) is tolerated, an outage is not.
pct=$(grep -oE '^[0-9]+' <<<"$loss" || echo 100)
assert_le "$pct" 5 "ping loss (%) through the switch during the hostile run"
# One fd per client: 64, and the newcomer accepted before the eviction that makes its room ...
assert_le "$fds_max" $((fds0 + 65)) "switchd's fds during the hostile run"
# ... and at most 64 clients' pending replies (8 MiB each at worst; 2.4 MiB here).
assert_le $((rss_max - rss0)) $((64 * 8 * 1024)) "RSS growth (KiB) during the hostile run"

# Afterwards: fds back at once, RSS back within a few seconds, and status as fast as before.
wait_for 5 "switchd's fds to return to $fds0" 'test "$(nfds)" -le '"$fds0"
sleep 2
rss1=$(rss_kb)
latency 20 "$T/lat.after"
read -r a50 a99 amax afail <<<"$(figures "$T/lat.after")"
say "after: RSS $rss1 KiB (was $rss0, max $rss_max), $(nfds) fds; status p50 $a50 ms, p99 $a99 ms, $afail failures"
assert_eq 0 "$afail" "status failures after the hostile run"
# Not under ASan: its allocator keeps freed blocks in a quarantine (256 MiB by default) on
# purpose, so RSS stays up there (13 -> 249 MiB in one run) whatever switchd frees.
if [ -z "$sanitized" ]; then
	assert_le "$rss1" $((rss0 + 16384)) "RSS (KiB) once the hostile clients left"
fi
ping_ok a 10.95.0.2
