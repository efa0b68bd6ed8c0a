#!/usr/bin/env bash
# RFC 2889 measurements on one host: switchd beside the kernel bridge, each with the same veth hosts,
# interleaved point by point (switchd, then the bridge, at every point).
#
# usage: bench/rfc2889.sh [--out FILE] [--tests LIST] [--time S] [--cache-rate PPS] [--learn-n N]
#   --tests       comma-separated, from: caching,learning,flood,broadcast,errors (default: all)
#   --out         where the JSON goes (default: a new file under /tmp, named at the end); give a
#                 tracked path such as bench/rfc2889.json only when you mean to rewrite it
#   --time        seconds per rate point (default 3)
#   --cache-rate  frames/s of the learning frames in the caching test (default 100000)
#   --learn-n     new source MACs per trial in the learning-rate test (default 100000)
#   --big         the caching test's large table (default 1000000; the small one is 8192)
#   --test-rate   frames/s of the test frames that check what was learned (default 50000)
# Needs root. Makes its namespaces and links under a unique prefix and always removes them. Not run
# by CI or ctest: the figures depend on the machine and what else runs on it.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tests=caching,learning,flood,broadcast,errors
out=
dur=3
cache_rate=100000
learn_n=100000
big=1000000
test_rate=50000
cmdline="bench/rfc2889.sh $*"
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift ;;
	--tests) tests=$2; shift ;;
	--time) dur=$2; shift ;;
	--cache-rate) cache_rate=$2; shift ;;
	--learn-n) learn_n=$2; shift ;;
	--big) big=$2; shift ;;
	--test-rate) test_rate=$2; shift ;;
	-h | --help) sed -n '2,16p' "$0"; exit 0 ;;
	*) echo "rfc2889: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "rfc2889: needs root (namespaces, veth)" >&2; exit 1; }
[ -n "$out" ] || out=$(mktemp /tmp/switchd-rfc2889.XXXXXX.json)
PY=/usr/bin/python3 # has scapy's and pkt.py's needs; a python3 on PATH may be another one
. "$top/bench/lib.sh"
bench_prepare rfc2889 require trafgen jq timeout "$PY"
bench_scratch r rfc2889
# Processes left in our namespaces (a trafgen a timeout did not reach) are ours: end them by PID,
# then the common cleanup removes namespaces, links, the daemon and the temp dir.
rfc_cleanup() {
	local ns pid
	set +e
	for ns in $(ip netns list | awk '{print $1}' | grep "^$P"); do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
	done
	bench_cleanup
}
trap rfc_cleanup EXIT

# A namespace with eth0 on a veth pair whose other end ($1 too) stays in the root namespace. No
# addresses, no IPv6: nothing but the frames this script sends crosses the switch, so every
# counter below is exact.
quiet_host() { # name [mtu]
	ip netns add "$1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip link add "$1" type veth peer name eth0 netns "$1"
	sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1"
	if [ -n "${2:-}" ]; then ip link set "$1" mtu "$2"; ip -n "$1" link set eth0 mtu "$2"; fi
	ip -n "$1" link set eth0 up
	ip -n "$1" link set lo up
	ip link set "$1" up
}

ctl() { timeout 20 "$SWITCHCTL" -s "$tmp/sw.sock" "$@"; }
# Storm control off: RFC 2889 measures the forwarding plane; the default limit (10,000 flooded
# frames/s a port) would cap the broadcast and the unknown-unicast figures at that policy.
"$SWITCHD" -s "$tmp/sw.sock" --max-macs 8192 --storm-broadcast 0 --storm-multicast 0 --storm-unknown 0 \
	2>"$tmp/switchd.log" &
swpid=$!
pids+=("$swpid")
for _ in $(seq 50); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
ctl status >/dev/null || { echo "rfc2889: switchd did not start: $(tail -3 "$tmp/switchd.log")" >&2; exit 1; }

ip link add "${P}br" type bridge
sysctl -qw "net.ipv6.conf.${P}br.disable_ipv6=1"
ip link set "${P}br" up

# The bridge's learned-entry count and its bound (IFLA_BR_FDB_N_LEARNED 48, IFLA_BR_FDB_MAX_LEARNED
# 49, kernel 6.7 and later; iproute2 6.1 shows neither): "N MAX", or "null null" on an older kernel.
cat >"$tmp/brfdb.py" <<'EOF_PY'
import socket, struct, sys
def attrs(b):
    while len(b) >= 4:
        l, t = struct.unpack_from("=HH", b)
        if l < 4:
            break
        yield t & 0x3fff, b[4:l]
        b = b[(l + 3) & ~3:]
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
ifi = struct.pack("=BxHiII", 0, 0, socket.if_nametoindex(sys.argv[1]), 0, 0)
s.send(struct.pack("=IHHII", 16 + len(ifi), 18, 1, 1, 0) + ifi)  # RTM_GETLINK, NLM_F_REQUEST
d = s.recv(65536)
got = {}
for t, v in attrs(d[32:struct.unpack_from("=I", d)[0]]):
    if t == 18:  # IFLA_LINKINFO
        for t2, v2 in attrs(v):
            if t2 == 2:  # IFLA_INFO_DATA
                for t3, v3 in attrs(v2):
                    if t3 in (48, 49) and len(v3) >= 4:
                        got[t3] = struct.unpack("=I", v3[:4])[0]
print(got.get(48, "null"), got.get(49, "null"))
EOF_PY
br_fdb() { timeout 10 "$PY" "$tmp/brfdb.py" "${P}br" 2>/dev/null || echo "null null"; }

# Host i of config c (s: switchd, b: bridge) is the namespace $P$c$i. Hosts 1..9: 1 sends, 2..9
# receive (8 receivers for the broadcast test; 1, 2, 3 are the RFC's learning, test and monitor
# ports). Host 10 (MTU 1400) is made by the errors test only.
attach() { # c name
	if [ "$1" = s ]; then ctl port add "$2" >/dev/null; else ip link set "$2" master "${P}br"; fi
}
for i in $(seq 9); do
	for c in s b; do quiet_host "$P$c$i"; attach $c "$P$c$i"; done
done
sleep 1 # carrier up on every veth

ns() { echo "$P$1$2"; } # c i
mac() { ip netns exec "$(ns "$1" "$2")" cat /sys/class/net/eth0/address; }
stat() { ip netns exec "$(ns "$1" "$2")" cat "/sys/class/net/eth0/statistics/$3"; } # c i field
port_json() { ctl -j port show | jq -c --arg n "$1" '.[] | select(.name == $n)'; }
flush() { # c
	if [ "$1" = s ]; then ctl mac flush >/dev/null; else ip link set "${P}br" type bridge fdb_flush; fi
}
config_name() { [ "$1" = s ] && echo switchd || echo bridge; }
emit() { echo "$2" >>"$tmp/$1.jsonl"; } # test json
hz=$(getconf CLK_TCK)
cpu_pct() { awk -v a="$1" -v b="$2" -v s="$3" -v hz="$hz" 'BEGIN{printf "%.0f", 100*(b-a)/hz/s}'; }

# trafgen from host c/i: COUNT frames (0: until --time runs out) at RATE frames/s (0: full rate).
gen() { # c i count rate config
	local nargs=() rargs=() to=$((dur + 5))
	[ "$3" != 0 ] && nargs=(-n "$3") && to=$(($3 / ($4 > 0 ? $4 : 100000) + 30))
	[ "$4" != 0 ] && rargs=(--rate "$4pps")
	if [ "$3" = 0 ]; then
		ip netns exec "$(ns "$1" "$2")" timeout -s INT "$dur" trafgen -o eth0 -P 1 --no-sock-mem -Q -C \
			"${rargs[@]}" "$5" >/dev/null 2>&1 || true
	else
		ip netns exec "$(ns "$1" "$2")" timeout "$to" trafgen -o eth0 -P 1 --no-sock-mem -Q -C \
			"${nargs[@]}" "${rargs[@]}" "$5" >/dev/null 2>&1
	fi
}
# Waits until switchd's port has read all it will (its rx count stands still), at most 5 s.
settle() { # c i
	local a b
	if [ "$1" = b ]; then sleep 0.3; return; fi
	a=$(port_json "$(ns "$1" "$2")" | jq .rx_packets)
	for _ in $(seq 25); do
		sleep 0.2
		b=$(port_json "$(ns "$1" "$2")" | jq .rx_packets)
		[ "$a" = "$b" ] && return
		a=$b
	done
}
# Makes host 2's MAC (the destination of the learning frames) known, so they are not flooded.
teach2() { # c
	gen "$1" 2 1 0 "{ eth(da=ff:ff:ff:ff:ff:ff, sa=$(mac "$1" 2), type=0x88b5), fill(0x00, 46) }"
	settle "$1" 2
}

# The rate host c/i really sent COUNT frames at: polls eth0's tx counter (every 0.5 ms) from the
# first frame to the last, so trafgen's start-up is not counted. Start it, then the generator.
txrate_start() { # c i count
	rm -f "$tmp/txr.ready" "$tmp/txr.out"
	ip netns exec "$(ns "$1" "$2")" timeout 120 "$PY" -c '
import sys, time
f = "/sys/class/net/eth0/statistics/tx_packets"
rd = lambda: int(open(f).read())
n, base = int(sys.argv[1]), rd()
open(sys.argv[2], "w").close()
t0 = v0 = None
end = time.monotonic() + 110
while time.monotonic() < end:
    v = rd() - base
    now = time.monotonic()
    if v > 0 and t0 is None:
        t0, v0 = now, v
    if v >= n:
        print("%.0f" % ((n - v0) / (now - t0)) if now > t0 else "null")
        break
    time.sleep(0.0005)
else:
    print("null")' "$3" "$tmp/txr.ready" >"$tmp/txr.out" 2>/dev/null &
	TXR=$!
	for _ in $(seq 100); do [ -e "$tmp/txr.ready" ] && return; sleep 0.02; done
}
txrate_end() { wait "$TXR" 2>/dev/null || true; cat "$tmp/txr.out" 2>/dev/null || echo null; }

# switchd's receive drops (the kernel's ring or socket queue overflows, all ports), which it reads
# once a second: wait for that before reading.
sw_drops() { sleep 1.1; ctl -j port show | jq '[.[].rx_drop_error] | add'; }

# One RFC 2889 learning trial: COUNT frames from new sources TAG:1..COUNT on port 1 to host 2 at
# RATE, then COUNT frames from host 2 to each of them (at TRATE). Prints "learn_rx delivered
# flooded sent_per_s drops_learn drops_test": learn_rx of the learning frames reached host 2;
# of the test frames, delivered reached host 1 and flooded reached host 3 (the monitor port) - a
# frame to a MAC the switch does not hold is flooded; the drops are switchd's (null: the bridge).
trial() { # c count rate tag trate
	local c=$1 n=$2 rate=$3 tag=$4 trate=$5 l0 l1 h1a h3a h1b h3b sent d0=null d1=null d2=null
	flush "$c"
	teach2 "$c"
	[ "$c" = s ] && d0=$(sw_drops)
	l0=$(stat "$c" 2 rx_packets)
	txrate_start "$c" 1 "$n"
	gen "$c" 1 "$n" "$rate" "{ eth(da=$(mac "$c" 2), sa=02:$tag:00:00:00:00, sa=dinc(1, $n), type=0x88b5), fill(0x00, 46) }"
	sent=$(txrate_end)
	settle "$c" 1
	[ "$c" = s ] && d1=$(sw_drops)
	l1=$(stat "$c" 2 rx_packets)
	h1a=$(stat "$c" 1 rx_packets) h3a=$(stat "$c" 3 rx_packets)
	gen "$c" 2 "$n" "$trate" "{ eth(da=02:$tag:00:00:00:00, da=dinc(1, $n), sa=$(mac "$c" 2), type=0x88b5), fill(0x00, 46) }"
	settle "$c" 2
	[ "$c" = s ] && d2=$(sw_drops)
	h1b=$(stat "$c" 1 rx_packets) h3b=$(stat "$c" 3 rx_packets)
	echo "$((l1 - l0)) $((h1b - h1a)) $((h3b - h3a)) $sent $([ "$c" = s ] && echo $((d1 - d0)) $((d2 - d1)) || echo null null)"
}
# A flooded test frame reaches host 1 too (and every other port): delivered counts it, flooded
# tells it apart; N - delivered test frames never arrived at all (lost, so they prove nothing).
verdict() { # n delivered flooded
	if [ "$3" = 0 ] && [ "$2" = "$1" ]; then echo "all learned, none flooded"; return; fi
	echo "$3 flooded (not learned)$([ "$2" != "$1" ] && echo ", $(($1 - $2)) test frames lost")"
}
tagn=16
nexttag() { tagn=$((tagn + 1)); [ $tagn -gt 250 ] && tagn=17; printf '%02x' $tagn; }

# ---- 1. address caching capacity --------------------------------------------------------------
caching() {
	echo
	echo "== address caching capacity (learning frames at $cache_rate/s, test frames at $test_rate/s)"
	printf '%-8s %-9s %9s %11s %11s %9s %8s %13s  %s\n' config max-macs N "learn rx" "test rx 1" "rx 3" "table" "sw drops l/t" verdict
	local max c n lrx del fl macs res cap lo hi first brmax
	for max in 8192 "$big"; do
		ctl set max-macs "$max" >/dev/null
		# Host 2 holds one entry, so N = max - 1 is the most the table can hold beside it: try it
		# and N + 1 (which must evict); if N = max - 1 floods, bisect below it.
		cap=$((max - 1)) lo=0 hi="" first=null
		for n in $((max - 1)) "$max"; do
			for c in s b; do
				read -r lrx del fl sent dl dt < <(trial "$c" "$n" "$cache_rate" "$(nexttag)" "$test_rate")
				macs=null
				if [ "$c" = s ]; then macs=$(ctl -j status | jq .macs); else read -r macs _ < <(br_fdb); fi
				res=$(verdict "$n" "$del" "$fl")
				printf '%-8s %-9s %9s %11s %11s %9s %8s %13s  %s\n' "$(config_name $c)" "$([ $c = s ] && echo "$max" || echo "none")" \
					"$n" "$lrx" "$del" "$fl" "$macs" "$([ "$dl" = null ] && echo - || echo "$dl/$dt")" "$res"
				emit caching "{\"config\":\"$(config_name $c)\",\"max_macs\":$([ $c = s ] && echo "$max" || echo null),\"n\":$n,\"learn_rx\":$lrx,\"sent_per_s\":$sent,\"delivered\":$del,\"flooded\":$fl,\"switchd_drops_learn\":$dl,\"switchd_drops_test\":$dt,\"table\":$macs}"
				if [ "$c" = s ] && [ "$n" = $((max - 1)) ] && [ "$fl" != 0 ]; then hi=$n; fi
				if [ "$c" = s ] && [ "$n" = "$max" ] && [ "$fl" != 0 ]; then first=$n; fi
			done
		done
		if [ -n "$hi" ]; then
			# Bisect switchd alone (at most 8 trials), between 0 and the first N that flooded.
			lo=0
			for _ in $(seq 8); do
				[ $((hi - lo)) -le 1 ] && break
				n=$(((lo + hi) / 2))
				read -r lrx del fl sent dl dt < <(trial s "$n" "$cache_rate" "$(nexttag)" "$test_rate")
				emit caching "{\"config\":\"switchd\",\"max_macs\":$max,\"n\":$n,\"learn_rx\":$lrx,\"sent_per_s\":$sent,\"delivered\":$del,\"flooded\":$fl,\"switchd_drops_learn\":$dl,\"switchd_drops_test\":$dt,\"table\":null,\"bisect\":true}"
				printf '%-8s %-9s %9s %11s %11s %9s %8s %13s  %s\n' switchd "$max" "$n" "$lrx" "$del" "$fl" - "$dl/$dt" "bisect: $(verdict "$n" "$del" "$fl")"
				if [ "$fl" = 0 ] && [ "$del" = "$n" ]; then lo=$n; else hi=$n; fi
			done
			cap=$lo first=$hi
		fi
		read -r _ brmax < <(br_fdb)
		emit caching_result "{\"bridge_fdb_max_learned\":$brmax,\"max_macs\":$max,\"capacity\":$cap,\"bisected\":$([ -z "$hi" ] && echo false || echo true),\"first_flooding_n\":$first}"
		echo "bridge fdb_max_learned: $brmax (0: no bound)"
		echo "switchd --max-macs $max: largest N without flooding: $cap$([ -n "$hi" ] && echo " (bisected, floods at $hi)" || echo " (host 2's own entry is the other one; N = $max floods)")"
	done
	flush s
	flush b
	ctl set max-macs 8192 >/dev/null
}

# ---- 2. address learning rate -----------------------------------------------------------------
# One trial: --learn-n new sources at a rate, then a frame to each; passed when none was flooded
# and every one reached host 1, failed when any was flooded, inconclusive when none was flooded but
# some test frames were lost. Rates step from 10,000/s to the generator's full rate,
# interleaved (switchd's trial, then the bridge's, at each step).
learn_point() { # c rate -> sets OK (1 passed, 0 some flooded, 2 inconclusive) and SENT; prints, emits
	local c=$1 r=$2 lrx del fl sent dl dt res
	read -r lrx del fl sent dl dt < <(trial "$c" "$learn_n" "$r" "$(nexttag)" "$test_rate")
	# Inconclusive: none flooded, but some test frames never arrived, so those MACs are unchecked.
	OK=$([ "$fl" != 0 ] && echo 0 || { [ "$del" = "$learn_n" ] && echo 1 || echo 2; })
	res=$(case $OK in 1) echo pass ;; 0) echo fail ;; *) echo inconclusive ;; esac)
	SENT=$sent
	printf '%-8s %11s %11s %11s %11s %9s %13s  %s\n' "$(config_name "$c")" "$([ "$r" = 0 ] && echo full || echo "$r")" "$sent" \
		"$lrx" "$del" "$fl" "$([ "$dl" = null ] && echo - || echo "$dl/$dt")" "$(verdict "$learn_n" "$del" "$fl")"
	emit learning "{\"config\":\"$(config_name "$c")\",\"rate\":$([ "$r" = 0 ] && echo null || echo "$r"),\"sent_per_s\":$sent,\"n\":$learn_n,\"learn_rx\":$lrx,\"delivered\":$del,\"flooded\":$fl,\"switchd_drops_learn\":$dl,\"switchd_drops_test\":$dt,\"result\":\"$res\"}"
}
learning() {
	echo
	echo "== address learning rate ($learn_n new source MACs a trial, switchd --max-macs $big; test frames at $test_rate/s)"
	ctl set max-macs "$big" >/dev/null
	printf '%-8s %11s %11s %11s %11s %9s %13s  %s\n' config "rate/s" "sent/s" "learn rx" "test rx 1" "rx 3" "sw drops l/t" verdict
	local c r best worst
	# Steps, not a bisection: above ~350,000/s trafgen's pacing falls short of what it is asked
	# (only its unpaced full rate goes higher), so each figure is the rate it really sent.
	declare -A BEST WORST UNSURE
	for r in 10000 50000 100000 200000 400000 0; do
		for c in s b; do
			learn_point "$c" "$r"
			[ "$SENT" = null ] && continue
			case $OK in
			1) [ "$SENT" -gt "${BEST[$c]:-0}" ] && BEST[$c]=$SENT ;;
			0) [ "$SENT" -lt "${WORST[$c]:-999999999}" ] && WORST[$c]=$SENT ;;
			*) UNSURE[$c]="${UNSURE[$c]:-}${UNSURE[$c]:+, }$SENT/s" ;;
			esac
		done
	done
	for c in s b; do
		best=${BEST[$c]:-null} worst=${WORST[$c]:-null}
		emit learning_result "{\"config\":\"$(config_name $c)\",\"max_sent_rate_all_learned\":$best,\"min_sent_rate_some_missing\":$worst,\"inconclusive\":\"${UNSURE[$c]:-}\"}"
		echo "$(config_name $c): the fastest trial with every MAC learned and checked: $best/s sent; $([ "$worst" != null ] && echo "the slowest with some not learned: $worst/s" || echo "none with any not learned")${UNSURE[$c]:+; inconclusive (test frames lost): ${UNSURE[$c]}}"
	done
	flush s
	flush b
	ctl set max-macs 8192 >/dev/null
}

# ---- 3. known unicast under a MAC flood --------------------------------------------------------
# Unicast host 1 -> host 2 (both known) for --time seconds; with the flood, host 3 sends at full
# rate from random sources (65,536 of them: 8 times switchd's table) to host 4's MAC.
unicast_run() { # c rate flood(0/1) -> "rx_per_s loss_pct flood_tx_per_s cpu"
	local c=$1 rate=$2 tx0 rx0 tx1 rx1 ft0 ft1 fpid="" c0 c1 t0 t1 pid=""
	[ "$c" = s ] && pid=$swpid
	gen "$c" 1 1 0 "{ eth(da=ff:ff:ff:ff:ff:ff, sa=$(mac "$c" 1), type=0x88b5), fill(0x00, 46) }"
	gen "$c" 2 1 0 "{ eth(da=ff:ff:ff:ff:ff:ff, sa=$(mac "$c" 2), type=0x88b5), fill(0x00, 46) }"
	gen "$c" 4 1 0 "{ eth(da=ff:ff:ff:ff:ff:ff, sa=$(mac "$c" 4), type=0x88b5), fill(0x00, 46) }"
	settle "$c" 4
	if [ "$3" = 1 ]; then
		ip netns exec "$(ns "$c" 3)" timeout -s INT $((dur + 2)) trafgen -o eth0 -P 1 --no-sock-mem -Q -C \
			"{ eth(da=$(mac "$c" 4), sa=02:fe:00:01:00:00, sa[4:2]=drnd(), type=0x88b5), fill(0x00, 46) }" \
			>/dev/null 2>&1 &
		fpid=$!
		pids+=("$fpid")
		sleep 1 # the table is full and churning before the unicast starts
	fi
	tx0=$(stat "$c" 1 tx_packets) rx0=$(stat "$c" 2 rx_packets) ft0=$(stat "$c" 3 tx_packets)
	c0=$(cpu_ticks "$pid") t0=$(date +%s.%N)
	gen "$c" 1 0 "$rate" "{ eth(da=$(mac "$c" 2), sa=$(mac "$c" 1), type=0x88b5), fill(0x00, 46) }"
	c1=$(cpu_ticks "$pid") t1=$(date +%s.%N) ft1=$(stat "$c" 3 tx_packets)
	sleep 0.3
	tx1=$(stat "$c" 1 tx_packets) rx1=$(stat "$c" 2 rx_packets)
	if [ -n "$fpid" ]; then wait "$fpid" 2>/dev/null || true; fi
	awk -v t=$((tx1 - tx0)) -v r=$((rx1 - rx0)) -v s="$dur" -v f=$((ft1 - ft0)) -v a="$c0" -v b="$c1" \
		-v ts="$t0" -v te="$t1" -v hz="$hz" -v p="$pid" \
		'BEGIN{printf "%.0f %.3f %.0f %s %.0f\n", r/s, (t ? 100*(t-r)/t : 0), f/(te-ts), (p ? sprintf("%.0f", 100*(b-a)/hz/(te-ts)) : "null"), t/s}'
}
flood() {
	echo
	echo "== known unicast host 1 -> host 2, alone and while host 3 floods random source MACs ($dur s a point)"
	printf '%-8s %-10s %-6s %12s %12s %9s %14s %6s\n' config "rate" flood "sent/s" "arrived/s" "loss %" "flood sent/s" "cpu %"
	local c rate fl rx loss fr cpu sent
	for rate in 0 100000; do
		for fl in 0 1; do
			for c in s b; do
				read -r rx loss fr cpu sent < <(unicast_run "$c" "$rate" "$fl")
				printf '%-8s %-10s %-6s %12s %12s %9s %14s %6s\n' "$(config_name $c)" "$([ "$rate" = 0 ] && echo full || echo "$rate")" \
					"$([ "$fl" = 1 ] && echo yes || echo no)" "$sent" "$rx" "$loss" "$([ "$fl" = 1 ] && echo "$fr" || echo -)" "$cpu"
				emit flood "{\"config\":\"$(config_name $c)\",\"rate\":$([ "$rate" = 0 ] && echo null || echo "$rate"),\"flood\":$([ "$fl" = 1 ] && echo true || echo false),\"sent_per_s\":$sent,\"arrived_per_s\":$rx,\"loss_pct\":$loss,\"flood_sent_per_s\":$fr,\"switch_cpu_pct\":$cpu}"
				flush "$c"
			done
		done
	done
	echo "switchd status after the floods: $(ctl -j status | jq -c '{macs, mac_learned, mac_evicted}')"
}

# ---- 4a. broadcast to 8 ports ------------------------------------------------------------------
broadcast() {
	echo
	echo "== broadcast from host 1 to hosts 2..9 (8 receivers), $dur s a point"
	printf '%-8s %-8s %10s %22s %22s %6s %10s\n' config rate "sent/s" "arrived/s per port" "loss % per port" "cpu %" "sw drops"
	local c rate i tx0 tx1 per pid c0 c1 t0 t1
	for rate in 0 20000 100000; do
		for c in s b; do
			pid=
			[ "$c" = s ] && pid=$swpid
			declare -A R0
			local d0=null d1=null
			[ "$c" = s ] && d0=$(sw_drops)
			tx0=$(stat "$c" 1 tx_packets)
			for i in $(seq 2 9); do R0[$i]=$(stat "$c" "$i" rx_packets); done
			c0=$(cpu_ticks "$pid") t0=$(date +%s.%N)
			gen "$c" 1 0 "$rate" "{ eth(da=ff:ff:ff:ff:ff:ff, sa=$(mac "$c" 1), type=0x88b5), fill(0x00, 46) }"
			c1=$(cpu_ticks "$pid") t1=$(date +%s.%N)
			settle "$c" 1
			tx1=$(stat "$c" 1 tx_packets)
			[ "$c" = s ] && d1=$(sw_drops)
			per=()
			for i in $(seq 2 9); do per+=($(($(stat "$c" "$i" rx_packets) - ${R0[$i]}))); done
			local sent=$((tx1 - tx0)) cpu=null
			[ -n "$pid" ] && cpu=$(cpu_pct "$c0" "$c1" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')")
			local js
			js=$(printf '%s\n' "${per[@]}" | jq -s -c --argjson sent "$sent" --argjson s "$dur" \
				'{arrived_per_s: map(. / $s | round), loss_pct: map(if $sent > 0 then (1000 * 100 * ($sent - .) / $sent | round) / 1000 else 0 end)}')
			local drops=null
			[ "$c" = s ] && drops=$((d1 - d0))
			printf '%-8s %-8s %10s %22s %22s %6s %10s\n' "$(config_name $c)" "$([ "$rate" = 0 ] && echo full || echo "$rate")" $((sent / dur)) \
				"$(echo "$js" | jq -r '.arrived_per_s | "\(min)..\(max)"')" "$(echo "$js" | jq -r '.loss_pct | "\(min)..\(max)"')" "$cpu" "$drops"
			emit broadcast "$(echo "$js" | jq -c --arg c "$(config_name $c)" --argjson r "$([ "$rate" = 0 ] && echo null || echo "$rate")" \
				--argjson sent $((sent / dur)) --argjson cpu "$cpu" --argjson drops "$drops" \
				'{config: $c, rate: $r, sent_per_s: $sent, switch_cpu_pct: $cpu, switchd_rx_drops: $drops} + .')"
		done
	done
}

# ---- 4b. errored frames ------------------------------------------------------------------------
# Each class goes from host 1 to host 10 (MTU 1400 on both ends of its veth), 100 frames; switchd's
# counters on ports 1 and 10 and what reached host 10 are compared with what the class should do.
errors() {
	local n=100 c
	for c in s b; do quiet_host "$P${c}10" 1400; attach "$c" "$P${c}10"; done
	sleep 1
	echo
	echo "== errored frames, $n of each from host 1 to host 10 (egress MTU 1400)"
	printf '%-34s %-10s %-52s %8s %8s  %s\n' class expect "switchd counters (port 1 rx/bad_src/link_local, port 10 tx/mtu)" "sw host" "br host" check
	local d10 s1 name hex exp
	for c in s b; do
		gen "$c" 10 1 0 "{ eth(da=ff:ff:ff:ff:ff:ff, sa=$(mac "$c" 10), type=0x88b5), fill(0x00, 46) }"
	done
	settle s 10
	classes=(
		"14-byte frame (header only)|fwd|DST SRC 88b5"
		"42-byte frame|fwd|DST SRC 88b5 $(printf '00%.0s' $(seq 28))"
		"59-byte frame|fwd|DST SRC 88b5 $(printf '00%.0s' $(seq 45))"
		"1414 B (payload = egress MTU)|fwd|DST SRC 88b5 $(printf 'ab%.0s' $(seq 1400))"
		"1415 B (payload MTU + 1)|mtu|DST SRC 88b5 $(printf 'ab%.0s' $(seq 1401))"
		"1514 B (payload 1500)|mtu|DST SRC 88b5 $(printf 'ab%.0s' $(seq 1500))"
		"source 00:00:00:00:00:00|bad_src|DST 000000000000 88b5 $(printf '00%.0s' $(seq 46))"
		"source multicast 01:00:5e:00:00:01|bad_src|DST 01005e000001 88b5 $(printf '00%.0s' $(seq 46))"
		"source broadcast|bad_src|DST ffffffffffff 88b5 $(printf '00%.0s' $(seq 46))"
		"dest 01:80:c2:00:00:00 (STP)|link_local|0180c2000000 SRC 88b5 $(printf '00%.0s' $(seq 46))"
		"VLAN tag cut short (15 B)|?|DST SRC 8100 00"
		"VLAN tag, nothing after it (16 B)|?|DST SRC 8100 0064"
		"VLAN VID 4095 (reserved)|?|DST SRC 8100 0fff 88b5 $(printf '00%.0s' $(seq 42))"
		"VLAN TPID 8100 twice, VID 0|?|DST SRC 8100 0000 8100 0000 88b5 $(printf '00%.0s' $(seq 38))"
	)
	for cls in "${classes[@]}"; do
		IFS='|' read -r name exp hex <<<"$cls"
		local got_s got_b line
		# switchd
		s1=$(port_json "${P}s1") d10=$(port_json "${P}s10")
		local h0 h1 b0 b1
		h0=$(stat s 10 rx_packets) b0=$(stat b 10 rx_packets)
		for c in s b; do
			local f=${hex//DST/$(mac "$c" 10 | tr -d :)}
			f=${f//SRC/$(mac "$c" 1 | tr -d :)}
			ip netns exec "$(ns "$c" 1)" timeout 20 "$PY" "$top/tests/integration/pkt.py" send eth0 "${f// /}" --repeat "$n" ||
				echo "rfc2889: $name: pkt.py send failed on $(config_name $c)" >&2
		done
		settle s 1
		sleep 0.2
		h1=$(stat s 10 rx_packets) b1=$(stat b 10 rx_packets)
		local s1b d10b
		s1b=$(port_json "${P}s1") d10b=$(port_json "${P}s10")
		line=$(jq -n -c --argjson a "$s1" --argjson b "$s1b" --argjson c "$d10" --argjson d "$d10b" \
			'{rx: ($b.rx_packets - $a.rx_packets), bad_src: ($b.rx_drop_bad_src - $a.rx_drop_bad_src),
			  runt: ($b.rx_drop_runt - $a.rx_drop_runt), link_local: ($b.rx_drop_link_local - $a.rx_drop_link_local),
			  rx_dropped: ($b.rx_dropped - $a.rx_dropped),
			  tx: ($d.tx_packets - $c.tx_packets), mtu: ($d.tx_drop_mtu - $c.tx_drop_mtu), tx_dropped: ($d.tx_dropped - $c.tx_dropped)}')
		got_s=$((h1 - h0)) got_b=$((b1 - b0))
		# What each class should do to switchd's counters.
		local want check
		case $exp in
		fwd) want="{\"rx\":$n,\"bad_src\":0,\"link_local\":0,\"tx\":$n,\"mtu\":0}" ;;
		mtu) want="{\"rx\":$n,\"bad_src\":0,\"link_local\":0,\"tx\":0,\"mtu\":$n}" ;;
		bad_src) want="{\"rx\":$n,\"bad_src\":$n,\"link_local\":0,\"tx\":0,\"mtu\":0}" ;;
		link_local) want="{\"rx\":$n,\"bad_src\":0,\"link_local\":$n,\"tx\":0,\"mtu\":0}" ;;
		*) want= ;;
		esac
		if [ -z "$want" ]; then
			check="(no rule: reported)"
		elif jq -e -n --argjson g "$line" --argjson w "$want" '$w | to_entries | all(. as $e | $g[$e.key] == $e.value)' >/dev/null &&
			[ "$got_s" = "$([ "$exp" = fwd ] && echo "$n" || echo 0)" ]; then
			check=ok
		else
			check="MISMATCH (want $want)"
		fi
		printf '%-34s %-10s %-52s %8s %8s  %s\n' "$name" "$exp" \
			"$(echo "$line" | jq -r '"\(.rx)/\(.bad_src)/\(.link_local), \(.tx)/\(.mtu) (runt \(.runt))"')" "$got_s" "$got_b" "$check"
		emit errors "$(jq -n -c --arg name "$name" --arg exp "$exp" --argjson sw "$line" --argjson n $n \
			--argjson hs "$got_s" --argjson hb "$got_b" --arg check "$check" \
			'{class: $name, expect: $exp, sent: $n, switchd: $sw, switchd_host_rx: $hs, bridge_host_rx: $hb, check: $check}')"
	done
	for c in s b; do
		[ "$c" = s ] && ctl port del "$P${c}10" >/dev/null
		ip netns del "$P${c}10"
		ip link del "$P${c}10" 2>/dev/null || true
	done
	echo "(runts under 14 bytes cannot be sent here: AF_PACKET send of 13 bytes is EINVAL, as is a TAP write of fewer than 14)"
}

echo "rfc2889: prefix $P, switchd pid $swpid, load: $(uptime)"
started=$(date -u +%FT%TZ)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for t in ${tests//,/ }; do
	case $t in
	caching | learning | flood | broadcast | errors) "$t" ;;
	*) echo "rfc2889: unknown test $t" >&2; exit 2 ;;
	esac
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)

sl() { [ -s "$tmp/$1.jsonl" ] && jq -s -c . "$tmp/$1.jsonl" || echo '[]'; }
jq -n --arg cmd "$cmdline" --arg start "$started" --arg fin "$(date -u +%FT%TZ)" --arg l0 "$load0" --arg l1 "$load1" \
	--argjson cpus "$(nproc)" --arg kernel "$(uname -r)" --argjson dur "$dur" \
	--argjson caching "$(sl caching)" --argjson caching_result "$(sl caching_result)" \
	--argjson learning "$(sl learning)" --argjson learning_result "$(sl learning_result)" \
	--argjson flood "$(sl flood)" --argjson broadcast "$(sl broadcast)" --argjson errors "$(sl errors)" \
	'{command: $cmd, start: $start, "end": $fin, loadavg_start: $l0, loadavg_end: $l1,
	  machine: {cpus: $cpus, kernel: $kernel, note: "generator, receivers and switch share the cores"},
	  seconds_per_point: $dur, switchd_options: "--storm-* 0 (storm control off)",
	  caching: $caching, caching_result: $caching_result, learning: $learning, learning_result: $learning_result,
	  flood: $flood, broadcast: $broadcast, errors: $errors}' >"$out"
echo
echo "load average: $load0 at the start, $load1 at the end ($(nproc) CPUs shared by generator, receivers and switch)"
echo "JSON: $out"
