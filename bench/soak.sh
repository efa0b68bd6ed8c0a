#!/usr/bin/env bash
# Soak: one switchd under everything at once for --minutes (default 30): TCP (iperf3, paced), port
# churn (veth and TAP ports added and removed, some veths deleted under switchd), a MAC flood from
# random sources, monitor clients (reading ones and one that never reads), and hostile control
# clients (tests/integration/hostile.py). Every 10 s switchd's RSS, fd count, CPU, table size and
# `switchctl status` latency go into a CSV; at the end the bounds below are checked and gnuplot
# draws the CSV.
#
# usage: bench/soak.sh [--minutes M] [--csv FILE] [--png FILE] [--tcp-rate BITS] [--flood-rate PPS]
#                      [--hostile N]
#   --csv, --png   default docs/soak-<M>min.csv and docs/soak-<M>min.png (and the TCP stream's
#                  per-second figures beside the CSV, as <name>-tcp.csv)
#   --tcp-rate     iperf3 -b (default 1G: the machine is shared; 0 = unpaced)
#   --flood-rate   frames/s of the MAC flood (default 20000)
#   --hostile      hostile control clients (default 200, re-connecting 50 ms after a drop)
# Needs root; not run by CI or ctest. Exit 0 when every check passed, 1 otherwise.
#
# The checks, and what "nothing lost" means here:
#   - switchd alive at the end, and every `switchctl status` probe (one per sample) answered;
#   - RSS bounded: its maximum over the last third of the run at most 8 MiB above its maximum
#     over the first third (no steady growth), and after the load stops, back within 16 MiB
#     of the figure before it started;
#   - fds bounded: never above the count before the load + 64 clients + 16 monitors + 8 churn
#     ports, and back to exactly the count before the load once it stopped;
#   - iperf3 never stalled: no 1-second interval at 0 bit/s, and the stream lasted the whole run;
#   - nothing lost that should not be: the two TCP hosts' MAC entries stayed on their ports in
#     every sample (the flood evicts the flooding port's own entries, never theirs); every churn
#     `port add`/`port del` succeeded and every veth deleted under switchd was removed by it
#     within 2 s; no churn port or switchd-made TAP is left at the end; no monitor was dropped:
#     the reading monitors are still connected at the end, and the one that never read got an
#     `events_lost` once it read (switchd kept it and counted what it could not queue).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
minutes=30 csv="" png="" tcp_rate=1G flood_rate=20000 nhostile=200
while [ $# -gt 0 ]; do
	case "$1" in
	--minutes) minutes=$2; shift ;;
	--csv) csv=$2; shift ;;
	--png) png=$2; shift ;;
	--tcp-rate) tcp_rate=$2; shift ;;
	--flood-rate) flood_rate=$2; shift ;;
	--hostile) nhostile=$2; shift ;;
	-h | --help) sed -n '2,33p' "$0"; exit 0 ;;
	*) echo "soak: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "soak: needs root" >&2; exit 1; }
case $minutes in '' | *[!0-9]*) echo "soak: --minutes wants a whole number" >&2; exit 2 ;; esac
[ "$minutes" -ge 1 ] || { echo "soak: --minutes must be at least 1" >&2; exit 2; }
csv=${csv:-$top/docs/soak-${minutes}min.csv}
png=${png:-$top/docs/soak-${minutes}min.png}
PY=/usr/bin/python3
. "$top/bench/lib.sh"
bench_prepare soak install iperf3 trafgen jq gnuplot timeout ping
bench_scratch k soak
soak_cleanup() {
	local ns pid
	set +e
	[ -n "${sleeper:-}" ] && kill "$sleeper" 2>/dev/null
	touch "$tmp/stop" "$tmp/go" 2>/dev/null
	for ns in $(ip netns list | awk '{print $1}' | grep "^$P"); do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
	done
	bench_cleanup
}
trap soak_cleanup EXIT

ctl() { timeout 15 "$SWITCHCTL" -s "$tmp/sw.sock" "$@"; }
"$SWITCHD" -s "$tmp/sw.sock" 2>"$tmp/switchd.log" &
swpid=$!
pids+=("$swpid")
for _ in $(seq 50); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
ctl status >/dev/null || { echo "soak: switchd did not start" >&2; exit 1; }

host() { # name addr
	ip netns add "$P$1"
	ip netns exec "$P$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip link add "$P$1" type veth peer name eth0 netns "$P$1"
	sysctl -qw "net.ipv6.conf.$P$1.disable_ipv6=1"
	ip -n "$P$1" addr add "$2/24" dev eth0
	ip -n "$P$1" link set eth0 up
	ip -n "$P$1" link set lo up
	ctl port add "$P$1" >/dev/null
}
host a 10.211.0.1
host b 10.211.0.2
host f 10.211.0.3 # the flooder
ip netns exec "${P}a" timeout 10 ping -c 3 -i 0.2 -W 1 10.211.0.2 >/dev/null || { echo "soak: a cannot ping b" >&2; exit 1; }
mac_a=$(ip netns exec "${P}a" cat /sys/class/net/eth0/address)
mac_b=$(ip netns exec "${P}b" cat /sys/class/net/eth0/address)

rss() { awk '/^VmRSS/{print $2}' "/proc/$swpid/status"; }
nfds() { ls "/proc/$swpid/fd" | wc -l; }
rss0=$(rss) fds0=$(nfds)
secs=$((minutes * 60))
echo "soak: prefix $P, switchd pid $swpid, $minutes min; before the load: RSS $rss0 KiB, $fds0 fds; load: $(cut -d' ' -f1-3 /proc/loadavg)"

# TCP: one stream a -> b for the whole run, 1-second intervals.
ip netns exec "${P}b" timeout $((secs + 60)) iperf3 -s -1 -p 5311 >/dev/null 2>&1 &
pids+=($!)
sleep 0.5
bps=()
[ "$tcp_rate" != 0 ] && bps=(-b "$tcp_rate")
ip netns exec "${P}a" timeout $((secs + 60)) iperf3 -c 10.211.0.2 -p 5311 -t "$secs" -i 1 "${bps[@]}" -J \
	>"$tmp/iperf.json" 2>"$tmp/iperf.err" &
iperf=$!
pids+=("$iperf")

# The MAC flood: random sources to a MAC nobody has (so it is also flooded, within storm control).
ip netns exec "${P}f" timeout $((secs + 10)) trafgen -o eth0 -P 1 --no-sock-mem -Q -C --rate "${flood_rate}pps" \
	'{ eth(da=02:00:00:00:fe:01, sa=02:00:00:00:00:00, sa[2:4]=drnd(), type=0x88b5), fill(0x00, 46) }' \
	>"$tmp/flood.out" 2>&1 &
flood=$!
pids+=("$flood")

# Monitors: three that read (JSON lines into files), one that never reads until the end.
mons=()
for i in 1 2 3; do
	timeout $((secs + 60)) "$SWITCHCTL" -s "$tmp/sw.sock" -j monitor >"$tmp/mon$i.jsonl" 2>"$tmp/mon$i.err" &
	mons+=($!)
	pids+=($!)
done
timeout $((secs + 90)) "$PY" "$top/tests/integration/monclient.py" "$tmp/sw.sock" --ready "$tmp/stall.ready" \
	--go "$tmp/go" --until events_lost --out "$tmp/stall.jsonl" --timeout 20 >"$tmp/stall.out" 2>&1 &
stall=$!
pids+=("$stall")

# Hostile control clients.
timeout $((secs + 60)) "$PY" "$top/tests/integration/hostile.py" "$tmp/sw.sock" --clients "$nhostile" \
	--reconnect-ms 50 --stop "$tmp/stop" --ready "$tmp/hostile.ready" --stats "$tmp/hostile.stats" \
	>"$tmp/hostile.out" 2>&1 &
hostile=$!
pids+=("$hostile")

# Port churn: a cycle every ~0.5 s; every 4th a veth deleted under switchd (it must drop the
# port by itself within 2 s), every 3rd a TAP switchd creates; the rest port add / port del.
(
	set +e
	i=0
	while [ ! -e "$tmp/stop" ]; do
		i=$((i + 1)) n=${P}c$((i % 8))
		if [ $((i % 3)) = 0 ]; then
			ctl port add "$n" type tap >/dev/null || echo "add-tap $n" >>"$tmp/churn.fail"
			sleep 0.2
			ctl port del "$n" >/dev/null || echo "del-tap $n" >>"$tmp/churn.fail"
			ip link show "$n" >/dev/null 2>&1 && echo "tap-left $n" >>"$tmp/churn.fail"
		else
			ip link add "$n" type veth peer name "${n}p" || { echo "veth $n" >>"$tmp/churn.fail"; sleep 0.5; continue; }
			sysctl -qw "net.ipv6.conf.$n.disable_ipv6=1" "net.ipv6.conf.${n}p.disable_ipv6=1"
			ip link set "${n}p" up
			ctl port add "$n" >/dev/null || echo "add $n" >>"$tmp/churn.fail"
			sleep 0.2
			if [ $((i % 4)) = 0 ]; then
				ip link del "$n"
				gone=0
				for _ in $(seq 20); do
					ctl -j port show | jq -e --arg n "$n" 'any(.[]; .name == $n)' >/dev/null || { gone=1; break; }
					sleep 0.1
				done
				[ $gone = 1 ] || echo "vanish $n" >>"$tmp/churn.fail"
			else
				ctl port del "$n" >/dev/null || echo "del $n" >>"$tmp/churn.fail"
				ip link del "$n"
			fi
		fi
		echo "$i" >"$tmp/churn.count"
		sleep 0.3
	done
) &
churn=$!
pids+=("$churn")

# Samples every 10 s.
hz=$(getconf CLK_TCK)
echo "t_s,rss_kb,fds,cpu_pct,macs,ports,status_ms,status_ok,hosts_kept" >"$csv"
start=$(date +%s)
c_prev=$(cpu_ticks "$swpid") t_prev=$(date +%s.%N)
status_fail=0 kept_fail=0
while :; do
	# In the background, so that a TERM or Ctrl-C runs the cleanup at once, not after the sleep.
	sleep 10 &
	sleeper=$!
	wait "$sleeper"
	now=$(date +%s)
	el=$((now - start))
	alive=1
	kill -0 "$swpid" 2>/dev/null || alive=0
	[ $alive = 1 ] || { echo "soak: switchd died at ${el}s" >&2; break; }
	c=$(cpu_ticks "$swpid") t=$(date +%s.%N)
	cpu=$(awk -v a="$c_prev" -v b="$c" -v s="$t_prev" -v e="$t" -v hz="$hz" 'BEGIN{printf "%.1f", 100*(b-a)/hz/(e-s)}')
	c_prev=$c t_prev=$t
	t0=$(date +%s%N) ok=1
	st=$(ctl -j status 2>/dev/null) || { ok=0 status_fail=$((status_fail + 1)); }
	ms=$((($(date +%s%N) - t0) / 1000000))
	macs=$(echo "${st:-null}" | jq '.macs // null') ports=$(echo "${st:-null}" | jq '.ports // null')
	# 1: both entries on their ports; 0: one missing from a complete answer; -1: a mac show
	# failed (counted with the status probes, not as a loss).
	kept=1
	for h in a b; do
		m=$([ $h = a ] && echo "$mac_a" || echo "$mac_b")
		if tbl=$(ctl -j mac show port "$P$h" 2>>"$tmp/probe.err"); then
			echo "$tbl" | jq -e --arg m "$m" 'any(.[]; .mac == $m)' >/dev/null || { [ $kept = 1 ] && kept=0; }
		else
			kept=-1
		fi
	done
	[ $kept = 0 ] && kept_fail=$((kept_fail + 1))
	[ $kept = -1 ] && status_fail=$((status_fail + 1))
	echo "$el,$(rss),$(nfds),$cpu,$macs,$ports,$ms,$ok,$kept" >>"$csv"
	printf 'soak: %5ss RSS %6s KiB, %3s fds, CPU %5s %%, %5s MACs, %s ports, status %4s ms, hosts kept %s\n' \
		"$el" "$(rss)" "$(nfds)" "$cpu" "$macs" "$ports" "$ms" "$kept"
	[ "$el" -ge "$secs" ] && break
done

# The monitor that never read reads now, while the flood still makes events: after the backlog
# switchd owes it an events_lost before the next event.
touch "$tmp/go"
wait "$stall" 2>/dev/null || true
# Stop the load: the clients first, then the generators; wait for the TCP stream's report.
touch "$tmp/stop"
wait "$churn" 2>/dev/null || true
wait "$hostile" 2>/dev/null || true
# The stream ends by itself within a second or two of the last sample; if switchd died early it
# would run on to its full time: give it 15 s, then stop it (and its report is missing).
for _ in $(seq 150); do kill -0 "$iperf" 2>/dev/null || break; sleep 0.1; done
kill "$iperf" 2>/dev/null || true
wait "$iperf" 2>/dev/null || true
kill "$flood" 2>/dev/null || true
wait "$flood" 2>/dev/null || true
mons_alive=0
for m in "${mons[@]}"; do kill -0 "$m" 2>/dev/null && mons_alive=$((mons_alive + 1)); done
for m in "${mons[@]}"; do kill -INT "$m" 2>/dev/null || true; wait "$m" 2>/dev/null || true; done
sleep 3 # switchd notices the closed clients and trims freed memory (once a second)

fails=()
check() { # ok? description
	if [ "$1" = 1 ]; then echo "soak: ok   $2"; else echo "soak: FAIL $2"; fails+=("$2"); fi
}
alive=$(kill -0 "$swpid" 2>/dev/null && ctl status >/dev/null 2>&1 && echo 1 || echo 0)
check "$alive" "switchd alive and answering at the end"
check "$([ "$status_fail" = 0 ] && echo 1 || echo 0)" "every status and mac show probe answered ($status_fail failed$([ -s "$tmp/probe.err" ] && echo ": $(sort "$tmp/probe.err" | uniq -c | head -3 | tr '\n' ' ')"))"
rss1=$(rss 2>/dev/null || echo 0) fds1=$(nfds 2>/dev/null || echo 0)
n=$(($(wc -l <"$csv") - 1))
third=$(((n + 2) / 3))
read -r first_max last_max _ fds_max < <(awk -F, -v k="$third" -v n="$n" 'NR > 1 {
	i = NR - 1; if (i <= k && $2 > a) a = $2; if (i > n - k && $2 > b) b = $2; if ($2 > m) m = $2; if ($3 > f) f = $3 }
	END { print a + 0, b + 0, m + 0, f + 0 }' "$csv")
check "$([ "$last_max" -le $((first_max + 8192)) ] && echo 1 || echo 0)" \
	"RSS: max $last_max KiB in the last third against $first_max KiB in the first (bound +8192)"
check "$([ "$rss1" -le $((rss0 + 16384)) ] && echo 1 || echo 0)" "RSS after the load $rss1 KiB, before it $rss0 KiB (bound +16384)"
check "$([ "$fds_max" -le $((fds0 + 64 + 16 + 8)) ] && echo 1 || echo 0)" "fds: max $fds_max, before the load $fds0 (bound +88)"
check "$([ "$fds1" = "$fds0" ] && echo 1 || echo 0)" "fds after the load $fds1, before it $fds0 (must be equal)"
read -r ivs zero minbps _ < <(jq -r '[.intervals[].sum.bits_per_second] as $v |
	"\($v | length) \([$v[] | select(. == 0)] | length) \($v | min) \(.end.sum_received.seconds // 0)"' "$tmp/iperf.json" 2>/dev/null || echo "0 0 0 0")
check "$([ "$ivs" -ge $((secs - 2)) ] && [ "$zero" = 0 ] && echo 1 || echo 0)" \
	"iperf3: $ivs 1-s intervals, $zero at 0 bit/s$([ "$zero" != 0 ] && echo " (ending at $(jq -r '[.intervals[].sum | select(.bits_per_second == 0) | .end | round | "\(.) s"] | join(", ")' "$tmp/iperf.json"))"), the slowest $(awk -v b="$minbps" 'BEGIN{printf "%.2f", b/1e9}') Gbit/s, mean $(jq -r '.end.sum_received.bits_per_second / 1e9 * 100 | round / 100' "$tmp/iperf.json" 2>/dev/null) Gbit/s"
check "$([ "$kept_fail" = 0 ] && echo 1 || echo 0)" "TCP hosts' MAC entries on their ports in every sample ($kept_fail samples without)"
# What the monitors saw happen to the TCP hosts' entries besides being learned.
ev=$(cat "$tmp"/mon*.jsonl | jq -c --arg a "$mac_a" --arg b "$mac_b" 'select((.mac == $a or .mac == $b) and .event != "mac_learned")' 2>/dev/null | sort | uniq -c | head -5)
[ -n "$ev" ] && echo "soak: events of the TCP hosts' MACs in the monitors' logs:" && echo "$ev"
cycles=$(cat "$tmp/churn.count" 2>/dev/null || echo 0)
cf=$( [ -s "$tmp/churn.fail" ] && wc -l <"$tmp/churn.fail" || echo 0)
check "$([ "$cf" = 0 ] && [ "$cycles" -gt 0 ] && echo 1 || echo 0)" "port churn: $cycles cycles, $cf failed$([ "$cf" != 0 ] && echo ": $(head -3 "$tmp/churn.fail" | tr '\n' ' ')")"
left=$(ctl -j port show | jq -r --arg p "${P}c" '[.[] | select(.name | startswith($p)) | .name] | join(" ")')
check "$([ -z "$left" ] && ! ip -o link | grep -q ": ${P}c[0-9]*:" && echo 1 || echo 0)" "no churn port or TAP left${left:+: $left}"
check "$([ "$mons_alive" = 3 ] && echo 1 || echo 0)" "reading monitors still connected at the end: $mons_alive of 3 ($(cat "$tmp"/mon*.jsonl | wc -l) events printed, $(cat "$tmp"/mon*.jsonl | grep -c events_lost || true) events_lost lines)"
check "$(grep -q '"events_lost"' "$tmp/stall.jsonl" 2>/dev/null && echo 1 || echo 0)" \
	"the monitor that never read was kept and told what it lost ($(jq -r 'select(.event == "events_lost") | .count' "$tmp/stall.jsonl" 2>/dev/null | head -1) events)"
fsent=$(ip netns exec "${P}f" cat /sys/class/net/eth0/statistics/tx_packets)
check "$([ "$fsent" -ge $((flood_rate * secs / 2)) ] && echo 1 || echo 0)" "the MAC flood ran: $fsent frames sent, $((fsent / secs))/s on average (asked: $flood_rate/s; trafgen paces loosely)"
echo "soak: hostile clients: $(jq -c '{connects: ([.[]? | objects | .connects? // empty] | add), backlog_full}' "$tmp/hostile.stats" 2>/dev/null || echo '?')"
echo "soak: switchd status at the end: $(ctl -j status | jq -c '{macs, mac_learned, mac_moved, mac_evicted, mac_aged, ports}')"

tcpcsv=${csv%.csv}-tcp.csv
{
	echo "t_s,tcp_gbps,retransmits"
	jq -r '.intervals[]?.sum | "\(.end | round),\(.bits_per_second / 1e9 * 1000 | round / 1000),\(.retransmits // 0)"' "$tmp/iperf.json" 2>/dev/null
} >"$tcpcsv"
label="switchd soak, $minutes min$([ "$minutes" -lt 30 ] && echo " (smoke run)"), $(date -u +%F), $(nproc) shared CPUs"
gnuplot <<EOF
set terminal pngcairo size 1000,900 font ",10"
set output "$png"
set datafile separator ","
set key autotitle columnhead top left
set multiplot layout 3,1 title "$label"
set xlabel "seconds"
set ylabel "KiB / count"
set y2label "fds"
set y2tics
plot "$csv" using 1:2 with linespoints title "RSS (KiB)", "" using 1:5 with linespoints title "MAC entries", \
	"" using 1:3 axes x1y2 with linespoints title "fds (right)"
set ylabel "%  /  ms"
unset y2label
unset y2tics
plot "$csv" using 1:4 with linespoints title "switchd CPU %", "" using 1:7 with linespoints title "status latency (ms)"
set ylabel "Gbit/s"
plot "$tcpcsv" using 1:2 with lines title "iperf3 TCP a -> b, per second"
unset multiplot
EOF
echo "soak: CSV $csv (TCP per second: $tcpcsv), plot $png"
if [ ${#fails[@]} -gt 0 ]; then
	echo "soak: ${#fails[@]} check(s) failed" >&2
	exit 1
fi
echo "soak: all checks passed"
