#!/usr/bin/env bash
# Side-by-side benchmark: switchd (veth<->veth, also with a capture running, veth<->TAP, veth<->stream port, two chained with and without
# VLANs) against the Linux kernel bridge, a direct veth pair (the ceiling) and, when installed, vde_switch — all in one run, interleaved A/B/A/B, several
# repetitions, medians with min-max, each figure as a ratio to the kernel bridge.
#
# usage: bench/run.sh [--reps N] [--time SECONDS] [--quick] [--no-vde] [--ports N] [--json FILE]
#   --quick   1 repetition, 2-second tests, no zero-loss bisection (a smoke run)
#   --ports   how many idle veth ports the memory and idle-CPU figure has (default 256)
#   --json    where the figures go (default build-bench/results.json, untracked; the run the docs
#             report is bench/results.json, written only when asked for by name)
# Needs root. Creates its own namespaces under a unique prefix and always removes them.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
reps=3
dur=5
bisect=1
vde=1
nports=256
json_out="$top/build-bench/results.json"
while [ $# -gt 0 ]; do
	case "$1" in
	--reps) reps=$2; shift ;;
	--time) dur=$2; shift ;;
	--quick) reps=1; dur=2; bisect=0 ;;
	--no-vde) vde=0 ;;
	--json) json_out=$2; shift ;;
	--ports) nports=$2; shift ;;
	-h | --help) sed -n '2,10p' "$0"; exit 0 ;;
	*) echo "bench: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (namespaces, veth, TAP)" >&2; exit 1; }

"$top/scripts/deps.sh" --test
need=(iperf3 trafgen jq ping)
[ "$vde" = 1 ] && need+=(vde_switch)
. "$top/bench/lib.sh"
bench_prepare bench install "${need[@]}"
bench_scratch b bench

ADDR_A=10.203.0.1
ADDR_B=10.203.0.2

# Moves a TAP's kernel side into a new namespace as its host interface.
host_on_tap() { # ns tap addr
	ip netns add "$1"
	ip link set "$2" netns "$1"
	ip -n "$1" link set "$2" name eth0
	ip -n "$1" addr add "$3/24" dev eth0
	ip -n "$1" link set eth0 up
	ip -n "$1" link set lo up
}

start_switchd() { # name -> sets SOCK_<name>, PID_<name>
	local sock=$tmp/$1.sock
	"$SWITCHD" -s "$sock" 2>"$tmp/$1.log" &
	local pid=$!
	pids+=("$pid")
	for _ in $(seq 50); do "$SWITCHCTL" -s "$sock" status >/dev/null 2>&1 && break; sleep 0.1; done
	eval "SOCK_$1=$sock PID_$1=$pid"
}

configs=()
declare -A CPU_PID # config -> pid whose CPU is measured

echo "bench: setting up (prefix $P)"
# switchd, veth <-> veth
host_on_veth "${P}sva" "${P}sva" $ADDR_A
host_on_veth "${P}svb" "${P}svb" $ADDR_B
start_switchd sv
"$SWITCHCTL" -s "$SOCK_sv" port add "${P}sva" >/dev/null
"$SWITCHCTL" -s "$SOCK_sv" port add "${P}svb" >/dev/null
configs+=(switchd-veth)
CPU_PID[switchd-veth]=$PID_sv

# switchd, veth <-> TAP (switchd holds the TAP, its kernel side is host B)
host_on_veth "${P}sta" "${P}sta" $ADDR_A
start_switchd st
"$SWITCHCTL" -s "$SOCK_st" port add "${P}sta" >/dev/null
"$SWITCHCTL" -s "$SOCK_st" port add "${P}stt" type tap >/dev/null
host_on_tap "${P}stb" "${P}stt" $ADDR_B
configs+=(switchd-tap)
CPU_PID[switchd-tap]=$PID_st

# Two switchd joined by a veth between two ports, as they come, and the same two with VLANs: A on an
# access port of VLAN 10, the link a trunk of VLAN 10 (a tag pushed by the first, popped by the
# second), B on an access port of VLAN 10. The pair of figures is the cost of a push and a pop.
for v in ch cv; do
	host_on_veth "${P}${v}a" "${P}${v}a" $ADDR_A
	host_on_veth "${P}${v}b" "${P}${v}b" $ADDR_B
	ip link add "${P}${v}1" type veth peer name "${P}${v}2"
	for e in 1 2; do sysctl -qw "net.ipv6.conf.${P}${v}$e.disable_ipv6=1"; done
	start_switchd "${v}1"
	start_switchd "${v}2"
	s1=$tmp/${v}1.sock s2=$tmp/${v}2.sock
	"$SWITCHCTL" -s "$s1" port add "${P}${v}a" >/dev/null
	"$SWITCHCTL" -s "$s1" port add "${P}${v}1" >/dev/null
	"$SWITCHCTL" -s "$s2" port add "${P}${v}2" >/dev/null
	"$SWITCHCTL" -s "$s2" port add "${P}${v}b" >/dev/null
	if [ $v = cv ]; then
		"$SWITCHCTL" -s "$s1" port set "${P}${v}a" vlan access 10
		"$SWITCHCTL" -s "$s1" port set "${P}${v}1" vlan trunk 10
		"$SWITCHCTL" -s "$s2" port set "${P}${v}2" vlan trunk 10
		"$SWITCHCTL" -s "$s2" port set "${P}${v}b" vlan access 10
	fi
done
configs+=(switchd-chain switchd-chain-vlan)
CPU_PID[switchd-chain]=$PID_ch1
CPU_PID[switchd-chain-vlan]=$PID_cv1

# switchd, veth <-> stream port: B is the TAP of streamrelay, a stand-in for QEMU's -netdev stream
# (no offloads: switchd segments A's TCP and completes its checksums for it).
host_on_veth "${P}ssa" "${P}ssa" $ADDR_A
start_switchd ss
"$SWITCHCTL" -s "$SOCK_ss" port add "${P}ssa" >/dev/null
"$SWITCHCTL" -s "$SOCK_ss" port add "${P}sss" type stream path "$tmp/ss.port" >/dev/null
"$STREAMRELAY" "$tmp/ss.port" "${P}sst" &
pids+=("$!")
for _ in $(seq 50); do ip link show "${P}sst" >/dev/null 2>&1 && break; sleep 0.1; done
host_on_tap "${P}ssb" "${P}sst" $ADDR_B
configs+=(switchd-stream)
CPU_PID[switchd-stream]=$PID_ss

# switchd, veth <-> veth, with one capture running on both ports: every frame copied to switchctl
# (no filter, written to /dev/null); a filter that matches none (the cost of running it); and every
# frame for a reader that never reads (stopped: its buffer fills, then each frame is dropped, counted).
for v in sc sn ss2; do
	host_on_veth "${P}${v}a" "${P}${v}a" $ADDR_A
	host_on_veth "${P}${v}b" "${P}${v}b" $ADDR_B
	start_switchd "$v"
	"$SWITCHCTL" -s "$tmp/$v.sock" port add "${P}${v}a" >/dev/null
	"$SWITCHCTL" -s "$tmp/$v.sock" port add "${P}${v}b" >/dev/null
done
"$SWITCHCTL" -s "$SOCK_sc" capture -w /dev/null 2>"$tmp/sc.capture" &
pids+=("$!")
CAP_sc=$!
"$SWITCHCTL" -s "$SOCK_sn" capture -w /dev/null ether proto 0x1234 2>"$tmp/sn.capture" &
pids+=("$!")
CAP_sn=$!
"$SWITCHCTL" -s "$SOCK_ss2" capture -w /dev/null 2>"$tmp/ss2.capture" &
pids+=("$!")
CAP_ss2=$!
for v in sc sn ss2; do
	for _ in $(seq 50); do grep -q "^listening on" "$tmp/$v.capture" && break; sleep 0.1; done
	grep -q "^listening on" "$tmp/$v.capture" || { echo "bench: the capture of $v did not start" >&2; exit 1; }
done
kill -STOP "$CAP_ss2"
configs+=(switchd-capture switchd-capture-none switchd-capture-stuck)
CPU_PID[switchd-capture]=$PID_sc
CPU_PID[switchd-capture-none]=$PID_sn
CPU_PID[switchd-capture-stuck]=$PID_ss2

# the kernel bridge with the same kind of veths
host_on_veth "${P}bra" "${P}bra" $ADDR_A
host_on_veth "${P}brb" "${P}brb" $ADDR_B
ip link add "${P}br" type bridge
ip link set "${P}bra" master "${P}br"
ip link set "${P}brb" master "${P}br"
ip link set "${P}br" up
configs+=(bridge)

# a direct veth pair: the ceiling
ip netns add "${P}dia"
ip netns add "${P}dib"
ip link add eth0 netns "${P}dia" type veth peer name eth0 netns "${P}dib"
ip -n "${P}dia" addr add $ADDR_A/24 dev eth0
ip -n "${P}dib" addr add $ADDR_B/24 dev eth0
for n in dia dib; do ip -n "$P$n" link set eth0 up; ip -n "$P$n" link set lo up; done
configs+=(direct)

# vde_switch with two TAP ports, their kernel sides in namespaces
if [ "$vde" = 1 ]; then
	ip tuntap add dev "${P}vta" mode tap
	ip tuntap add dev "${P}vtb" mode tap
	vde_switch -s "$tmp/vde.ctl" -t "${P}vta" -t "${P}vtb" -d >/dev/null 2>&1 ||
		vde_switch -s "$tmp/vde.ctl" --tap "${P}vta" --tap "${P}vtb" -daemon -p "$tmp/vde.pid"
	sleep 0.5
	vpid=$(pgrep -n -f "vde_switch -s $tmp/vde.ctl")
	pids+=("$vpid")
	host_on_tap "${P}vda" "${P}vta" $ADDR_A
	host_on_tap "${P}vdb" "${P}vtb" $ADDR_B
	configs+=(vde_switch)
	CPU_PID[vde_switch]=$vpid
fi

# Four pairs of hosts at once (A1..A4 to B1..B4, one TCP stream each): one switchd with the eight
# ports (pairs-switchd); two switchd with two pairs each (pairs-switchd-2), what a switch of two
# workers with a port-to-worker map and nothing shared could do at best; the kernel bridge
# (pairs-bridge).
pair_a() { echo "10.204.0.$1"; }
pair_b() { echo "10.204.0.$((10 + $1))"; }
start_switchd pr
start_switchd pq
start_switchd pp
ip link add "${P}pbr" type bridge
ip link set "${P}pbr" up
for i in 1 2 3 4; do
	for k in s t b; do
		host_on_veth "${P}p${k}a$i" "${P}p${k}a$i" "$(pair_a $i)"
		host_on_veth "${P}p${k}b$i" "${P}p${k}b$i" "$(pair_b $i)"
	done
	for e in a b; do
		"$SWITCHCTL" -s "$SOCK_pr" port add "${P}ps$e$i" >/dev/null
		if [ $i -le 2 ]; then s2=$SOCK_pq; else s2=$SOCK_pp; fi
		"$SWITCHCTL" -s "$s2" port add "${P}pt$e$i" >/dev/null
		ip link set "${P}pb$e$i" master "${P}pbr"
	done
done
pair_configs=(pairs-switchd pairs-switchd-2 pairs-bridge)
CPU_PID[pairs-switchd]=$PID_pr
CPU_PID[pairs-switchd-2]="$PID_pq $PID_pp"
pair_ns() { # config a|b pair
	case $1 in pairs-switchd) echo "${P}ps$2$3" ;; pairs-switchd-2) echo "${P}pt$2$3" ;; pairs-bridge) echo "${P}pb$2$3" ;; esac
}

# Gbit/s of four TCP streams at once, one from each Ai to its Bi.
tcp_pairs() { # config
	local i clients=()
	for i in 1 2 3 4; do iperf_server "$(pair_ns "$1" b $i)" 5301; done
	for i in 1 2 3 4; do
		ip netns exec "$(pair_ns "$1" a $i)" timeout $((dur + 15)) iperf3 -c "$(pair_b $i)" -p 5301 -t "$dur" -J >"$tmp/pair$i.json" &
		clients+=("$!")
	done
	wait "${clients[@]}"
	cat "$tmp"/pair[1-4].json | jq -s 'map(.end.sum_received.bits_per_second) | add / 1e9 * 100 | round / 100'
}

# The single-pair tests that also run through real sockets' small datagrams.
udp_configs=()
for c in switchd-veth switchd-tap bridge direct vde_switch; do
	[[ " ${configs[*]} " == *" $c "* ]] && udp_configs+=("$c")
done

ns_a() { case $1 in switchd-capture-stuck) echo "${P}ss2a" ;; switchd-capture) echo "${P}sca" ;; switchd-capture-none) echo "${P}sna" ;; switchd-stream) echo "${P}ssa" ;; switchd-chain) echo "${P}cha" ;; switchd-chain-vlan) echo "${P}cva" ;; switchd-veth) echo "${P}sva" ;; switchd-tap) echo "${P}sta" ;; bridge) echo "${P}bra" ;; direct) echo "${P}dia" ;; vde_switch) echo "${P}vda" ;; esac; }
ns_b() { case $1 in switchd-capture-stuck) echo "${P}ss2b" ;; switchd-capture) echo "${P}scb" ;; switchd-capture-none) echo "${P}snb" ;; switchd-stream) echo "${P}ssb" ;; switchd-chain) echo "${P}chb" ;; switchd-chain-vlan) echo "${P}cvb" ;; switchd-veth) echo "${P}svb" ;; switchd-tap) echo "${P}stb" ;; bridge) echo "${P}brb" ;; direct) echo "${P}dib" ;; vde_switch) echo "${P}vdb" ;; esac; }

for c in "${configs[@]}"; do
	ip netns exec "$(ns_a "$c")" ping -c 3 -i 0.2 -W 1 $ADDR_B >/dev/null ||
		{ echo "bench: $c: no connectivity" >&2; exit 1; }
done
for c in "${pair_configs[@]}"; do
	for i in 1 2 3 4; do
		ip netns exec "$(pair_ns "$c" a $i)" ping -c 3 -i 0.2 -W 1 "$(pair_b $i)" >/dev/null ||
			{ echo "bench: $c: no connectivity in pair $i" >&2; exit 1; }
	done
done

hz=$(getconf CLK_TCK)

# Runs a command while measuring the config's switch CPU (its processes, CPU_PID) and the whole
# machine's; writes each in % of one core to $tmp/cpu ("null" without a switch process) and
# $tmp/mcpu.
with_cpu() { # config cmd...
	local pids=${CPU_PID[$1]:-} t0 c0 m0 c1 m1 t1
	shift
	# shellcheck disable=SC2086 # a list of PIDs
	c0=$(cpu_ns $pids) m0=$(machine_ticks) t0=$(date +%s.%N)
	"$@"
	# shellcheck disable=SC2086
	c1=$(cpu_ns $pids) m1=$(machine_ticks) t1=$(date +%s.%N)
	if [ -n "$pids" ]; then
		awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" 'BEGIN{printf "%.1f\n", (b-a)/1e7/(e-s)}' >"$tmp/cpu"
	else
		echo null >"$tmp/cpu"
	fi
	awk -v a="$m0" -v b="$m1" -v s="$t0" -v e="$t1" -v hz="$hz" 'BEGIN{printf "%.1f\n", 100*(b-a)/hz/(e-s)}' >"$tmp/mcpu"
}

# CPU seconds per gigabyte moved, from a CPU % of one core and a rate in Gbit/s.
per_gb() { awk -v c="$1" -v g="$2" 'BEGIN{if (c == "null" || g == "null" || g <= 0) print "null"; else printf "%.3f\n", c/100*8/g}'; }
# CPU microseconds per frame, from a CPU % of one core and a rate in frames/s.
per_frame() { awk -v c="$1" -v r="$2" 'BEGIN{if (c == "null" || r == "null" || r <= 0) print "null"; else printf "%.2f\n", c*1e4/r}'; }

# An iperf3 server for one test in namespace NS on PORT, up once it listens.
iperf_server() { # ns port
	ip netns exec "$1" iperf3 -s -1 -D -p "$2" >/dev/null 2>&1
	for _ in $(seq 50); do ip netns exec "$1" ss -Htln "sport = :$2" | grep -q . && return 0; sleep 0.1; done
	echo "bench: the iperf3 server in $1 did not listen" >&2
	return 1
}

declare -A R # "metric|config" -> space-separated samples

add() { R["$1|$2"]="${R["$1|$2"]:-} $3"; }

tcp() { # config streams
	local a b out
	a=$(ns_a "$1") b=$(ns_b "$1")
	iperf_server "$b" 5301
	out=$(ip netns exec "$a" timeout $((dur + 15)) iperf3 -c $ADDR_B -p 5301 -t "$dur" -P "$2" -J)
	echo "$out" | jq '.end.sum_received.bits_per_second / 1e9 * 100 | round / 100'
}

# 64-byte UDP datagrams through real sockets (iperf3 -u -l 64) from A to B, at full rate (RATE 0) or
# RATE datagrams/s. Prints "arrived_per_second loss_percent".
udp64() { # config rate
	local a b out bw=0
	a=$(ns_a "$1") b=$(ns_b "$1")
	[ "$2" = 0 ] || bw=$(($2 * 64 * 8))
	iperf_server "$b" 5301
	out=$(ip netns exec "$a" timeout $((dur + 15)) iperf3 -c $ADDR_B -p 5301 -u -l 64 -b "$bw" -t "$dur" -J)
	echo "$out" | jq -r '.end.sum_received | "\(.bytes / 64 / .seconds | round) \(.lost_percent * 100 | round / 100)"'
}

pingrtt() { # config -> "median p99" in microseconds
	local a
	a=$(ns_a "$1")
	ip netns exec "$a" ping -c 200 -i 0.01 -W 1 $ADDR_B |
		sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -g |
		awk '{v[NR]=$1} END {if (NR == 0) {print "null null"; exit} m=v[int((NR+1)/2)]; p=v[int(NR*0.99+0.999)]; printf "%.0f %.0f\n", m*1000, p*1000}'
}

ifstat() { # ns dev field
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"
}

# 60-byte frames (64 on a wire) from A to B's MAC at the generator's full rate, or at a given pps.
# Prints "rate_pps loss_fraction".
frames() { # config seconds [pps]
	local a b mac tx0 rx0 tx1 rx1 rate=()
	a=$(ns_a "$1") b=$(ns_b "$1")
	mac=$(ip netns exec "$b" cat /sys/class/net/eth0/address | sed 's/^/0x/; s/:/, 0x/g')
	smac=$(ip netns exec "$a" cat /sys/class/net/eth0/address | sed 's/^/0x/; s/:/, 0x/g')
	[ -n "${3:-}" ] && rate=(--rate "${3}pps")
	# Keep B's MAC fresh in the switch's table so the frames are unicast.
	ip netns exec "$a" ping -c 1 -W 1 $ADDR_B >/dev/null || true
	tx0=$(ifstat "$a" eth0 tx_packets) rx0=$(ifstat "$b" eth0 rx_packets)
	ip netns exec "$a" timeout -s INT "$2" trafgen -o eth0 -P 1 --no-sock-mem -Q -C "${rate[@]}" \
		"{ $mac, $smac, c16(0x88b5), fill(0x00, 46) }" >/dev/null 2>&1 || true
	sleep 0.3
	tx1=$(ifstat "$a" eth0 tx_packets) rx1=$(ifstat "$b" eth0 rx_packets)
	awk -v t=$((tx1 - tx0)) -v r=$((rx1 - rx0)) -v s="$2" \
		'BEGIN{printf "%.0f %.6f\n", r/s, (t > r ? (t-r)/t : 0)}' # more in than out: no loss, not a negative one
}

# Highest rate with loss under 0.1 %, by bisection between 0 and the full-rate figure.
zero_loss() { # config full_rate
	local lo=0 hi=$2 mid out loss
	for _ in 1 2 3 4 5 6; do
		mid=$(((lo + hi) / 2))
		[ "$mid" -lt 1000 ] && break
		out=$(frames "$1" 2 "$mid")
		loss=${out#* }
		if awk -v l="$loss" 'BEGIN{exit !(l < 0.001)}'; then lo=$mid; else hi=$mid; fi
	done
	echo "$lo"
}

for rep in $(seq "$reps"); do
	echo "bench: repetition $rep of $reps"
	for n in 1 4; do
		for c in "${configs[@]}"; do
			v=$(with_cpu "$c" tcp "$c" $n); add tcp$n "$c" "$v"; add cpu_tcp$n "$c" "$(cat "$tmp/cpu")"
			add gb_tcp$n "$c" "$(per_gb "$(cat "$tmp/cpu")" "$v")"
			add mgb_tcp$n "$c" "$(per_gb "$(cat "$tmp/mcpu")" "$v")"
		done
	done
	for c in "${udp_configs[@]}"; do
		# Not read from a process substitution: with_cpu must have written $tmp/cpu.
		out=$(with_cpu "$c" udp64 "$c" 0)
		read -r rate loss <<<"$out"
		add udp64 "$c" "$rate"; add udp64_loss "$c" "$loss"; add cpu_udp64 "$c" "$(cat "$tmp/cpu")"
		add us_udp64 "$c" "$(per_frame "$(cat "$tmp/cpu")" "$rate")"
		add mus_udp64 "$c" "$(per_frame "$(cat "$tmp/mcpu")" "$rate")"
		# The cost of a frame at low rates, where each may be a wakeup of its own.
		for r in 1000 10000 100000; do
			[ -n "${CPU_PID[$c]:-}" ] || continue
			out=$(with_cpu "$c" udp64 "$c" $r)
			read -r rate loss <<<"$out"
			add "us_udp${r%000}k" "$c" "$(per_frame "$(cat "$tmp/cpu")" "$rate")"
		done
	done
	# Four hosts talking to four others at once, one TCP stream each.
	for c in "${pair_configs[@]}"; do
		v=$(with_cpu "$c" tcp_pairs "$c"); add tcp_pairs "$c" "$v"; add cpu_tcp_pairs "$c" "$(cat "$tmp/cpu")"
		add mgb_tcp_pairs "$c" "$(per_gb "$(cat "$tmp/mcpu")" "$v")"
	done
	for c in "${configs[@]}"; do
		out=$(with_cpu "$c" frames "$c" "$dur")
		read -r rate loss <<<"$out"
		add pps64 "$c" "$rate"; add loss64 "$c" "$(awk -v l="$loss" 'BEGIN{printf "%.4f", l*100}')"
		add cpu_pps64 "$c" "$(cat "$tmp/cpu")"
		[ "$bisect" = 1 ] && add zeroloss64 "$c" "$(zero_loss "$c" "$rate")"
	done
	for c in "${configs[@]}"; do
		read -r med p99 < <(pingrtt "$c")
		add ping_med "$c" "$med"; add ping_p99 "$c" "$p99"
	done
done

# Idle CPU and RSS of the switches, then RSS and idle CPU of one switchd with many ports.
for c in "${configs[@]}"; do
	pid=${CPU_PID[$c]:-}
	[ -n "$pid" ] || continue
	c0=$(cpu_ns "$pid"); sleep 5; c1=$(cpu_ns "$pid")
	add cpu_idle "$c" "$(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.2f", (b-a)/1e7/5}')"
	add rss_kb "$c" "$(awk '/VmRSS/{print $2}' "/proc/$pid/status")"
done
start_switchd many
rss0=$(awk '/VmRSS/{print $2}' "/proc/$PID_many/status")
for i in $(seq "$nports"); do
	ip link add "${P}m$i" type veth peer name "${P}n$i"
	# No IPv6 on these: its start-up chatter (DAD, MLD, RS) would be measured as "idle" traffic.
	for e in m n; do sysctl -qw "net.ipv6.conf.${P}$e$i.disable_ipv6=1"; done
	ip link set "${P}n$i" up
	"$SWITCHCTL" -s "$SOCK_many" port add "${P}m$i" >/dev/null
done
c0=$(cpu_ns "$PID_many"); sleep 5; c1=$(cpu_ns "$PID_many")
rss_many=$(awk '/VmRSS/{print $2}' "/proc/$PID_many/status")
idle_many=$(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.2f", (b-a)/1e7/5}')
per_port=$(((rss_many - rss0) / nports))

metrics=(tcp1 tcp4 pps64 loss64 zeroloss64 udp64 udp64_loss ping_med ping_p99 cpu_tcp1 cpu_tcp4 cpu_pps64 cpu_udp64
	gb_tcp1 gb_tcp4 mgb_tcp1 mgb_tcp4 us_udp64 mus_udp64 us_udp1k us_udp10k us_udp100k cpu_idle rss_kb
	tcp_pairs cpu_tcp_pairs mgb_tcp_pairs)
# Below these the bridge's figure is zero or noise, and a ratio to it says nothing: none is given.
declare -A ratio_floor=([loss64]=0.1 [udp64_loss]=0.1 [cpu_tcp1]=1 [cpu_tcp4]=1 [cpu_pps64]=1 [cpu_udp64]=1 [cpu_idle]=1 [cpu_tcp_pairs]=1)
# The four-pair figures are to the bridge of four pairs.
declare -A ratio_base=([tcp_pairs]=pairs-bridge [cpu_tcp_pairs]=pairs-bridge [mgb_tcp_pairs]=pairs-bridge)
declare -A label=(
	[tcp1]="TCP 1 stream, Gbit/s" [tcp4]="TCP 4 streams, Gbit/s" [pps64]="64 B frames arrived/s"
	[loss64]="64 B loss at full rate, %" [zeroloss64]="64 B zero-loss rate, frames/s"
	[udp64]="UDP 64 B (iperf3) arrived/s" [udp64_loss]="UDP 64 B loss, %"
	[ping_med]="ping RTT median, us" [ping_p99]="ping RTT p99, us"
	[cpu_tcp1]="switch CPU in TCP 1, %" [cpu_tcp4]="switch CPU in TCP 4, %"
	[cpu_pps64]="switch CPU in 64 B, %" [cpu_udp64]="switch CPU in UDP 64 B, %"
	[gb_tcp1]="switch CPU s per GB, TCP 1" [gb_tcp4]="switch CPU s per GB, TCP 4"
	[mgb_tcp1]="machine CPU s per GB, TCP 1" [mgb_tcp4]="machine CPU s per GB, TCP 4"
	[us_udp64]="switch CPU us/frame, UDP full" [mus_udp64]="machine CPU us/frame, UDP full"
	[us_udp1k]="switch CPU us/frame, UDP 1k/s" [us_udp10k]="switch CPU us/frame, UDP 10k/s"
	[us_udp100k]="switch CPU us/frame, UDP 100k/s"
	[cpu_idle]="switch CPU idle, %" [rss_kb]="switch RSS, KiB"
	[tcp_pairs]="4 pairs TCP at once, Gbit/s" [cpu_tcp_pairs]="switch CPU in 4 pairs, %"
	[mgb_tcp_pairs]="machine CPU s per GB, 4 pairs")

# bench_json writes the figures of every configuration.
single_configs=("${configs[@]}")
configs+=("${pair_configs[@]}")
bench_json "$json_out" "\"switchd_many_ports\": {\"ports\": $nports, \"rss_kb\": $rss_many, \"rss_kb_no_ports\": $rss0, \"kb_per_port\": $per_port, \"cpu_idle\": $idle_many},"

# The figures of CONFIG... that have any, as a table.
table() { # config...
	local m c k cell have
	printf '\n%-32s' "figure (median, min-max)"
	for c in "$@"; do printf ' | %-24s' "$c"; done
	echo
	for m in "${metrics[@]}"; do
		have=0
		for c in "$@"; do [ -z "${R["$m|$c"]:-}" ] || have=1; done
		[ $have = 1 ] || continue
		printf '%-32s' "${label[$m]}"
		for c in "$@"; do
			k="$m|$c"
			if ! jq -e --arg k "$k" '.results[$k]' "$json_out" >/dev/null; then printf ' | %-24s' "-"; continue; fi
			cell=$(jq -r --arg k "$k" '.results[$k] | "\(.median) (\(.min)-\(.max))" + (if .ratio_to_bridge == "base ~0" then " (bridge ~0: no ratio)" elif .ratio_to_bridge != null then " x\(.ratio_to_bridge)" else "" end)' "$json_out")
			printf ' | %-24s' "$cell"
		done
		echo
	done
}
table "${single_configs[@]}"
table "${pair_configs[@]}"
echo
echo "switchd with $nports veth ports: RSS ${rss_many} KiB (${rss0} KiB without ports: ${per_port} KiB a port), idle CPU ${idle_many} %"
# The VLAN tag's cost: the chain with VLANs against the same chain without, in this run.
for m in tcp1 tcp4 pps64 ping_med; do
	jq -r --arg m "$m" --arg l "${label[$m]}" '(.results["\($m)|switchd-chain-vlan"].median) as $v |
		(.results["\($m)|switchd-chain"].median) as $d |
		if $v == null or $d == null or $d == 0 then empty
		else "VLAN push+pop, \($l): \($v) against \($d) without, x\($v / $d * 100 | round / 100)" end' "$json_out"
done
# A running capture's cost: the same veth pair with one against without, in this run.
for c in switchd-capture switchd-capture-none switchd-capture-stuck; do
	for m in tcp1 tcp4 pps64 ping_med; do
		jq -r --arg m "$m" --arg c "$c" --arg l "${label[$m]}" '(.results["\($m)|\($c)"].median) as $v |
			(.results["\($m)|switchd-veth"].median) as $d |
			if $v == null or $d == null or $d == 0 then empty
			else "\($c), \($l): \($v) against \($d) without, x\($v / $d * 100 | round / 100)" end' "$json_out"
	done
done
kill -CONT "$CAP_ss2" 2>/dev/null || true
kill -INT "$CAP_sc" "$CAP_sn" "$CAP_ss2" 2>/dev/null || true
wait "$CAP_sc" "$CAP_sn" "$CAP_ss2" 2>/dev/null || true
echo "capture of every frame: $(tail -n 1 "$tmp/sc.capture"); filtering all out: $(tail -n 1 "$tmp/sn.capture"); a reader that never read: $(tail -n 1 "$tmp/ss2.capture")"
echo "ratios (xN) are to the kernel bridge in the same run; JSON: $json_out"
