#!/usr/bin/env bash
# Cross-host benchmark over VXLAN: container A on host 1 to container B on host 2, the hosts two
# network namespaces joined by an underlay veth. Two setups in one run, interleaved A/B/A/B:
#   switchd  switchd on both hosts, each with a veth port to its container and a vxlan port
#            (port add ... type vxlan) to the other host
#   bridge   a Linux bridge on both hosts, each with the container's veth and a Linux vxlan
#            device (ip link add ... type vxlan) with the same VNI, dstport and flood list
# Both encapsulate in the kernel's vxlan driver; the figure is what switchd costs on top of it.
# TCP 1 and 4 streams both ways (iperf3, default offloads, the containers' MTU 1450), ping RTT,
# and the CPU of both switchd processes; medians with min-max, each a ratio to the bridges.
#
# usage: bench/vxlan.sh [--reps N] [--time SECONDS] [--quick] [--json FILE] [--perf DIR] [-- OPTION...]
#   --quick   1 repetition, 2-second tests (a smoke run)
#   --perf    record a call-graph profile of both switchd (perf record -a: the kernel's
#             softirq work too) during each TCP 1 stream A->B into DIR/tcp1.REP.data
#   -- OPTION...  switchd's options for both switchd, e.g. -- --spin-us 0
#   --json    where the figures go (default build-bench/vxlan.json, untracked; the run the docs
#             report is bench/vxlan.json, written only when asked for by name)
# Needs root. Creates its own namespaces under a unique prefix and always removes them.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
reps=3
dur=5
json_out="$top/build-bench/vxlan.json"
perfdir=
while [ $# -gt 0 ]; do
	case "$1" in
	--reps) reps=$2; shift ;;
	--time) dur=$2; shift ;;
	--quick) reps=1; dur=2 ;;
	--json) json_out=$2; shift ;;
	--perf) perfdir=$2; shift ;;
	--) shift; break ;;
	-h | --help) sed -n '2,19p' "$0"; exit 0 ;;
	*) echo "bench: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (namespaces, veth, vxlan)" >&2; exit 1; }

"$top/scripts/deps.sh" --test
. "$top/bench/lib.sh"
tools=(iperf3 jq ping bridge)
[ -n "$perfdir" ] && tools+=(perf)
bench_prepare bench install "${tools[@]}"
bench_scratch x vxlan
mkdir -p "$(dirname "$json_out")"

U1=198.18.71.1 U2=198.18.71.2 # the underlay
ADDR_A=10.71.0.1 ADDR_B=10.71.0.2
VNI=4243
configs=(switchd bridge)
declare -A SW_PIDS # config -> the switch processes whose CPU is measured

# Two hosts ${P}<t>1 and ${P}<t>2 joined by a veth (eth0 on each), with the underlay addresses.
hosts() { # tag
	local h
	for h in 1 2; do
		ip netns add "$P$1$h"
		ip -n "$P$1$h" link set lo up
	done
	ip link add eth0 netns "${P}${1}1" type veth peer name eth0 netns "${P}${1}2"
	ip -n "${P}${1}1" addr add "$U1/24" dev eth0
	ip -n "${P}${1}2" addr add "$U2/24" dev eth0
	for h in 1 2; do ip -n "$P$1$h" link set eth0 up; done
}

# A container namespace ${P}<t><a|b> with eth0 (MTU 1450, the tunnel's) at ADDR.
container() { # tag a|b addr
	ip -n "$P$1$2" addr add "$3/24" dev eth0
	ip -n "$P$1$2" link set eth0 mtu 1450 up
	ip -n "$P$1$2" link set lo up
}

echo "bench: setting up (prefix $P)"
# switchd on both hosts; each creates its container's veth and its vxlan device.
hosts s
for h in 1 2; do
	sock=$tmp/s$h.sock
	ip netns exec "${P}s$h" "$SWITCHD" -s "$sock" "$@" 2>"$tmp/s$h.log" &
	pids+=("$!")
	SW_PIDS[switchd]="${SW_PIDS[switchd]:-} $!"
	for _ in $(seq 50); do "$SWITCHCTL" -s "$sock" status >/dev/null 2>&1 && break; sleep 0.1; done
done
"$SWITCHCTL" -s "$tmp/s1.sock" port add vx type vxlan vni $VNI remote $U2 local $U1 >/dev/null
"$SWITCHCTL" -s "$tmp/s2.sock" port add vx type vxlan vni $VNI remote $U1 local $U2 >/dev/null
ip netns add "${P}sa"
ip netns add "${P}sb"
"$SWITCHCTL" -s "$tmp/s1.sock" port add ct netns "${P}sa" >/dev/null
"$SWITCHCTL" -s "$tmp/s2.sock" port add ct netns "${P}sb" >/dev/null
container s a $ADDR_A
container s b $ADDR_B

# Linux bridges on both hosts with the kernel's vxlan devices, configured alike.
hosts b
for h in 1 2; do
	n=${P}b$h
	[ $h = 1 ] && { loc=$U1 rem=$U2 c=${P}ba; } || { loc=$U2 rem=$U1 c=${P}bb; }
	ip -n "$n" link add br0 type bridge
	ip -n "$n" link add vx type vxlan id $VNI local "$loc" dstport 4789
	bridge -n "$n" fdb append 00:00:00:00:00:00 dev vx dst "$rem"
	ip -n "$n" link set vx master br0 up
	ip -n "$n" link set br0 up
	ip netns add "$c"
	ip -n "$n" link add ct type veth peer name eth0 netns "$c"
	ip -n "$n" link set ct master br0 up
done
container b a $ADDR_A
container b b $ADDR_B

ns_of() { # config a|b
	[ "$1" = switchd ] && echo "${P}s$2" || echo "${P}b$2"
}
for c in "${configs[@]}"; do
	ok=0
	for _ in $(seq 30); do
		ip netns exec "$(ns_of "$c" a)" ping -c 1 -W 1 $ADDR_B >/dev/null 2>&1 && { ok=1; break; }
	done
	[ $ok = 1 ] || { echo "bench: $c: no connectivity from A to B" >&2; exit 1; }
done

hz=$(getconf CLK_TCK)
declare -A R # "metric|config" -> space-separated samples
add() { R["$1|$2"]="${R["$1|$2"]:-} $3"; }

# TCP from A to B (or B to A with -R) in Gbit/s; the switches' CPU over it in % of one core in $tmp/cpu.
tcp() { # config streams [-R]
	local a b out c0 c1 t0 t1
	a=$(ns_of "$1" a) b=$(ns_of "$1" b)
	ip netns exec "$b" iperf3 -s -1 -D -p 5302 >/dev/null 2>&1
	for _ in $(seq 50); do ip netns exec "$b" ss -Htln "sport = :5302" | grep -q . && break; sleep 0.1; done
	c0=$(cpu_ticks ${SW_PIDS[$1]:-}) t0=$(date +%s.%N)
	out=$(ip netns exec "$a" timeout $((dur + 15)) iperf3 -c $ADDR_B -p 5302 -t "$dur" -P "$2" ${3:-} -J)
	c1=$(cpu_ticks ${SW_PIDS[$1]:-}) t1=$(date +%s.%N)
	if [ -n "${SW_PIDS[$1]:-}" ]; then
		awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" -v hz="$hz" 'BEGIN{printf "%.1f\n", 100*(b-a)/hz/(e-s)}' >"$tmp/cpu"
	else
		echo null >"$tmp/cpu"
	fi
	echo "$out" | jq '.end.sum_received.bits_per_second / 1e9 * 100 | round / 100'
}

pingrtt() { # config -> median RTT in microseconds
	ip netns exec "$(ns_of "$1" a)" ping -c 200 -i 0.01 -W 1 $ADDR_B |
		sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -g |
		awk '{v[NR]=$1} END {if (NR == 0) {print "null"; exit} printf "%.0f\n", v[int((NR+1)/2)]*1000}'
}

for rep in $(seq "$reps"); do
	echo "bench: repetition $rep of $reps"
	for c in "${configs[@]}"; do
		perf_pid=
		if [ -n "$perfdir" ] && [ "$c" = switchd ]; then
			mkdir -p "$perfdir"
			perf record -q -a -e cpu-clock -g -o "$perfdir/tcp1.$rep.data" -- sleep $((dur > 2 ? dur - 1 : 1)) 2>/dev/null &
			perf_pid=$!
		fi
		add tcp1 "$c" "$(tcp "$c" 1)"; add cpu_tcp1 "$c" "$(cat "$tmp/cpu")"
		[ -z "$perf_pid" ] || wait "$perf_pid" || true
	done
	for c in "${configs[@]}"; do
		add tcp1_rev "$c" "$(tcp "$c" 1 -R)"
	done
	for c in "${configs[@]}"; do
		add tcp4 "$c" "$(tcp "$c" 4)"; add cpu_tcp4 "$c" "$(cat "$tmp/cpu")"
	done
	for c in "${configs[@]}"; do
		add ping_med "$c" "$(pingrtt "$c")"
	done
done

metrics=(tcp1 tcp1_rev tcp4 ping_med cpu_tcp1 cpu_tcp4)
declare -A label=(
	[tcp1]="TCP 1 stream A->B, Gbit/s" [tcp1_rev]="TCP 1 stream B->A, Gbit/s" [tcp4]="TCP 4 streams, Gbit/s"
	[ping_med]="ping RTT median, us" [cpu_tcp1]="both switchd CPU in TCP 1, %" [cpu_tcp4]="both switchd CPU in TCP 4, %")
bench_json "$json_out"

printf '\n%-32s | %-24s | %-24s\n' "figure (median, min-max)" "switchd on both hosts" "Linux bridge on both hosts"
for m in "${metrics[@]}"; do
	printf '%-32s' "${label[$m]}"
	for c in "${configs[@]}"; do
		k="$m|$c"
		cell=$(jq -r --arg k "$k" --arg c "$c" '.results[$k] // empty | select(.median != null) | "\(.median) (\(.min)-\(.max))" + (if .ratio_to_bridge != null and $c != "bridge" then " x\(.ratio_to_bridge)" else "" end)' "$json_out")
		printf ' | %-24s' "${cell:--}"
	done
	echo
done
echo
# What each switchd's ports received over the run, in frames and bytes per frame: how whole the
# GSO super-frames came to it (a container's TCP) and how whole the kernel's vxlan handed them back.
for h in 1 2; do
	"$SWITCHCTL" -s "$tmp/s$h.sock" -j port show | jq -r --arg h "$h" '.[] |
		"host \($h) switchd, port \(.name): \(.rx_packets) frames in, \(if .rx_packets > 0 then (.rx_bytes / .rx_packets | floor) else 0 end) bytes a frame"'
done
echo "ratios (xN) are to the Linux bridges in the same run; JSON: $json_out"
