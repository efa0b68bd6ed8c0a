#!/usr/bin/env bash
# A/B of switchd builds or settings, side by side with the kernel bridge, interleaved: every
# configuration runs each test once per round. Each configuration gets its own two veth hosts.
#
# usage: bench/ab.sh [--rounds N] [--time S] [--tests LIST] [--rate PPS] [--perf DIR] CONFIG...
#   CONFIG   [VAR=VALUE,...:]PATH/TO/switchd (its switchctl beside it); the variables go to its
#            environment, e.g. SWITCHD_AFP_RING=0:build-bench/bin/switchd; words starting with
#            -- are its options instead, e.g. --spin-us=0:build-bench/bin/switchd
#   --tests  comma-separated, from: tcp1 tcp4 pps (64-byte frames at full rate), ppsr (at --rate,
#            default 150000/s), ping (200 pings, 10 ms apart); default tcp1,pps,ping
#   --perf   record a call-graph profile of the first configuration's switchd during each test
# Prints one line per test and configuration (with the 1-minute load average at the time), then
# medians and ratios to the bridge. pps lines give the switch's CPU time per frame that arrived
# and the frames its ports dropped during the test (a rx: mostly the kernel's socket or ring
# overflows, counted from PACKET_STATISTICS). Needs root.
set -euo pipefail

rounds=3 dur=4 tests=tcp1,pps,ping rate=150000 perfdir=
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds) rounds=$2; shift ;;
	--time) dur=$2; shift ;;
	--tests) tests=$2; shift ;;
	--rate) rate=$2; shift ;;
	--perf) perfdir=$2; shift ;;
	-h | --help) sed -n '2,16p' "$0"; exit 0 ;;
	-*) echo "ab: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
[ $# -gt 0 ] || { echo "ab: no configuration (see --help)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "ab: needs root" >&2; exit 1; }
for t in iperf3 trafgen jq ping; do command -v "$t" >/dev/null || { echo "ab: missing $t" >&2; exit 1; }; done

. "$(dirname "$0")/lib.sh"
bench_scratch a ab

cfgs=()
declare -A BIN PID LABEL
i=0
for spec in "$@"; do
	c=s$i bin=${spec##*:} envs=() args=()
	if [ "$bin" != "$spec" ]; then
		IFS=, read -ra words <<<"${spec%:*}"
		for w in "${words[@]}"; do
			case $w in --*) args+=("$w") ;; *) envs+=("$w") ;; esac
		done
	fi
	[ -x "$bin" ] || { echo "ab: $bin: not an executable" >&2; exit 1; }
	host_on_veth "$P${c}a" "$P${c}a" "10.204.$i.1"
	host_on_veth "$P${c}b" "$P${c}b" "10.204.$i.2"
	env "${envs[@]}" "$bin" -s "$tmp/$c.sock" "${args[@]}" 2>"$tmp/$c.log" &
	pids+=($!)
	PID[$c]=$! BIN[$c]=$bin LABEL[$c]=$spec
	for _ in $(seq 50); do "$(dirname "$bin")/switchctl" -s "$tmp/$c.sock" status >/dev/null 2>&1 && break; sleep 0.1; done
	for e in a b; do "$(dirname "$bin")/switchctl" -s "$tmp/$c.sock" port add "$P$c$e" >/dev/null; done
	cfgs+=("$c")
	i=$((i + 1))
done
host_on_veth "${P}bra" "${P}bra" 10.204.99.1
host_on_veth "${P}brb" "${P}brb" 10.204.99.2
ip link add "${P}br" type bridge
for e in a b; do ip link set "${P}br$e" master "${P}br"; done
ip link set "${P}br" up
cfgs+=(br)
LABEL[br]="kernel bridge"

addr() { [ "$1" = br ] && echo "10.204.99.$2" || echo "10.204.${1#s}.$2"; }
for c in "${cfgs[@]}"; do
	ip netns exec "$P${c}a" ping -c 3 -i 0.2 -W 1 "$(addr "$c" 2)" >/dev/null ||
		{ echo "ab: $c: no connectivity" >&2; exit 1; }
done

hz=$(getconf CLK_TCK)
stat() { ip netns exec "$1" cat "/sys/class/net/eth0/statistics/$2"; }

declare -A R DROPS # "test|config" -> samples; config -> drop counters
drops() { # config -> "rx_a tx_a rx_b tx_b"
	"$(dirname "${BIN[$1]}")/switchctl" -s "$tmp/$1.sock" -j port show |
		jq -r 'sort_by(.name) | map("\(.rx_dropped) \(.tx_dropped)") | join(" ")'
}
run() { # config test -> prints a line, adds the sample
	local c=$1 t=$2 a=$P${1}a b=$P${1}b pid=${PID[$1]:-} c0 c1 t0 t1 v out extra=
	c0=$(cpu_ticks "$pid") t0=$(date +%s.%N)
	case $t in
	tcp1 | tcp4)
		ip netns exec "$b" iperf3 -s -1 -D -p 5301 >/dev/null 2>&1
		sleep 0.3
		v=$(ip netns exec "$a" timeout $((dur + 15)) iperf3 -c "$(addr "$c" 2)" -p 5301 -t "$dur" -P "${t#tcp}" -J |
			jq '.end.sum_received.bits_per_second / 1e9 * 100 | round / 100')
		out="$v Gbit/s"
		;;
	pps | ppsr)
		local dmac smac tx0 rx0 tx1 rx1 r=()
		[ "$t" = ppsr ] && r=(--rate "${rate}pps")
		dmac=$(ip netns exec "$b" cat /sys/class/net/eth0/address | sed 's/^/0x/; s/:/, 0x/g')
		smac=$(ip netns exec "$a" cat /sys/class/net/eth0/address | sed 's/^/0x/; s/:/, 0x/g')
		ip netns exec "$a" ping -c 1 -W 1 "$(addr "$c" 2)" >/dev/null || true
		tx0=$(stat "$a" tx_packets) rx0=$(stat "$b" rx_packets)
		ip netns exec "$a" timeout -s INT "$dur" trafgen -o eth0 -P 1 --no-sock-mem -Q -C "${r[@]}" \
			"{ $dmac, $smac, c16(0x88b5), fill(0x00, 46) }" >/dev/null 2>&1 || true
		sleep 0.3
		tx1=$(stat "$a" tx_packets) rx1=$(stat "$b" rx_packets)
		c1=$(cpu_ticks "$pid")
		v=$(((rx1 - rx0) / dur))
		out=$(awk -v t=$((tx1 - tx0)) -v r=$((rx1 - rx0)) -v s="$dur" -v cc=$((c1 - c0)) -v hz="$hz" \
			'BEGIN{printf "%.0f frames/s, loss %.2f %%, sent %.0f/s, %.2f us CPU/frame", r/s, 100*(t-r)/(t?t:1), t/s, cc*1e6/hz/(r?r:1)}')
		if [ -n "$pid" ]; then
			# The counters since the last pps test of this configuration.
			local now
			now=$(drops "$c")
			extra=$(awk -v a="${DROPS[$c]:-0 0 0 0}" -v b="$now" 'BEGIN{split(a, x); split(b, y)
				printf "drops: a rx %d tx %d, b rx %d tx %d", y[1]-x[1], y[2]-x[2], y[3]-x[3], y[4]-x[4]}')
			DROPS[$c]=$now
		fi
		;;
	ping)
		read -r v out < <(ip netns exec "$a" ping -c 200 -i 0.01 -W 1 "$(addr "$c" 2)" |
			sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -g |
			awk '{v[NR]=$1} END {m=v[int((NR+1)/2)]*1000; printf "%.0f median %.0f us, p99 %.0f us\n", m, m, v[int(NR*0.99+0.999)]*1000}')
		;;
	esac
	c1=$(cpu_ticks "$pid") t1=$(date +%s.%N)
	printf '%-5s %-4s %-62s cpu %3s %%  load %s  %s\n' "$t" "$c" "$out" \
		"$([ -n "$pid" ] && awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" -v hz="$hz" 'BEGIN{printf "%.0f", 100*(b-a)/hz/(e-s)}' || echo -)" \
		"$(cut -d' ' -f1 /proc/loadavg)" "$extra"
	R["$t|$c"]="${R["$t|$c"]:-} $v"
}

for c in "${cfgs[@]}"; do echo "$c: ${LABEL[$c]}"; done
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$rounds"); do
	for t in ${tests//,/ }; do
		for c in "${cfgs[@]}"; do
			if [ -n "$perfdir" ] && [ "$c" = s0 ]; then
				mkdir -p "$perfdir"
				perf record -q -e cpu-clock -g -p "${PID[s0]}" -o "$perfdir/$t.$r.data" -- sleep $((dur - 1)) \
					>/dev/null 2>&1 &
				pp=$!
				run "$c" "$t"
				wait "$pp" || true
			else
				run "$c" "$t"
			fi
		done
	done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
med() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {if (!NR) print "null"; else print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
printf '%-6s' test
for c in "${cfgs[@]}"; do printf ' | %-16s' "$c"; done
echo "   (median of $rounds; xN: to the bridge)"
for t in ${tests//,/ }; do
	b=$(echo "${R["$t|br"]}" | med)
	printf '%-6s' "$t"
	for c in "${cfgs[@]}"; do
		m=$(echo "${R["$t|$c"]}" | med)
		printf ' | %-16s' "$m x$(awk -v a="$m" -v b="$b" 'BEGIN{printf "%.2f", (b ? a/b : 0)}')"
	done
	echo
done
