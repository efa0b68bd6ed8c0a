# Sourced by bench/run.sh, bench/rfc2889.sh, bench/soak.sh, bench/ab.sh and bench/vxlan.sh: their
# tools and build, scratch space and hosts, and the figures' JSON.

# bench_prepare NAME MODE TOOL...: makes sure every TOOL is on PATH, then builds a Release switchd
# in $top/build-bench and sets SWITCHD and SWITCHCTL to its binaries. MODE install: a missing TOOL's
# Debian package is installed with apt-get; MODE require: a missing TOOL ends the script (exit 1).
# NAME starts every message. Needs $top, the repository root.
bench_prepare() {
	local name=$1 mode=$2 t pkg
	shift 2
	for t in "$@"; do
		command -v "$t" >/dev/null && continue
		case "$t" in
		trafgen) pkg=netsniff-ng ;; vde_switch) pkg=vde2 ;; gnuplot) pkg=gnuplot-nox ;; perf) pkg=linux-perf ;; *) pkg=$t ;;
		esac
		if [ "$mode" = require ]; then
			echo "$name: missing $t (Debian package $pkg)" >&2
			exit 1
		fi
		echo "$name: installing $pkg"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null
	done

	echo "$name: building a Release switchd"
	cmake -S "$top" -B "$top/build-bench" -DCMAKE_BUILD_TYPE=Release -DSWITCHD_TESTS=OFF >/dev/null
	cmake --build "$top/build-bench" -j"$(nproc)" >/dev/null
	SWITCHD=$top/build-bench/bin/switchd
	SWITCHCTL=$top/build-bench/bin/switchctl
	STREAMRELAY=$top/build-bench/bin/streamrelay
}

# bench_scratch PREFIX TAG: sets P (a prefix of PREFIX and random hex for every namespace and link,
# short enough that names stay within 15 characters), tmp (a temp dir) and pids (processes to stop),
# and removes all of them on exit, however the script ends.
bench_scratch() {
	P="$1$(printf '%04x' $((RANDOM % 65536)))"
	tmp=$(mktemp -d "/tmp/switchd-$2.XXXXXX")
	pids=()
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

bench_cleanup() {
	set +e
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for ns in $(ip netns list | awk '{print $1}' | grep "^$P"); do ip netns del "$ns"; done
	for l in $(ip -o link | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^$P"); do ip link del "$l" 2>/dev/null; done
	rm -rf "$tmp"
}

# A namespace with eth0 on a veth pair whose other end ($2) stays in the root namespace.
host_on_veth() { # ns rootend addr
	ip netns add "$1"
	ip link add "$2" type veth peer name eth0 netns "$1"
	ip -n "$1" addr add "$3/24" dev eth0
	ip -n "$1" link set eth0 up
	ip -n "$1" link set lo up
	ip link set "$2" up
}

# User + system CPU ticks of processes so far, summed (0 without any).
cpu_ticks() {
	local t=0 p
	for p in "$@"; do [ -z "$p" ] || t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done
	echo "$t"
}

# CPU time of processes so far in nanoseconds, every thread of each summed (the scheduler's own
# count, exact where ticks would round a low rate's cost to nothing).
cpu_ns() {
	local p
	for p in "$@"; do [ -z "$p" ] || cat "/proc/$p/task/"*/schedstat; done | awk '{ t += $1 } END { printf "%.0f\n", t }'
}

# Busy CPU ticks of the whole machine so far, every CPU summed (all but idle and iowait).
machine_ticks() { awk '$1 == "cpu" { print $2+$3+$4+$7+$8+$9 }' /proc/stat; }

# The median, min and max of the numbers on stdin ("null null null" when there are none).
stats() { tr ' ' '\n' | grep -v -e '^$' -e null | sort -g | awk '{v[NR]=$1} END {if (!NR) {print "null null null"; exit} m=(NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2); print m, v[1], v[NR]}'; }

# Writes FILE: the machine, the LINEs given (each a JSON member with its comma), and for every
# "metric|config" of the caller's R (over its metrics and configs, with reps and dur) the median,
# min, max and the ratio to the "bridge" configuration's median (or ratio_base[metric]'s, when the
# caller has one); "base ~0" where the base's figure is below ratio_floor[metric] (when the caller
# has one) or not above 0.
bench_json() { # FILE [LINE...]
	local out=$1 m c med min max bmed ratio floor base first=1
	shift
	{
		echo "{"
		echo "  \"machine\": {\"cpus\": $(nproc), \"kernel\": \"$(uname -r)\", \"reps\": $reps, \"seconds\": $dur},"
		for l in "$@"; do echo "  $l"; done
		echo "  \"results\": {"
		for m in "${metrics[@]}"; do
			for c in "${configs[@]}"; do
				[ -n "${R["$m|$c"]:-}" ] || continue
				read -r med min max < <(echo "${R["$m|$c"]}" | stats)
				base=bridge
				if declare -p ratio_base >/dev/null 2>&1; then base=${ratio_base[$m]:-bridge}; fi
				read -r bmed _ _ < <(echo "${R["$m|$base"]:-}" | stats)
				floor=0
				if declare -p ratio_floor >/dev/null 2>&1; then floor=${ratio_floor[$m]:-0}; fi
				ratio=$(awk -v a="$med" -v b="$bmed" -v f="$floor" \
					'BEGIN{if (a == "null" || b == "null") print "null"; else if (b <= 0 || b < f) print "\"base ~0\""; else printf "%.2f", a/b}')
				[ $first = 1 ] || echo ","
				first=0
				printf '    "%s|%s": {"median": %s, "min": %s, "max": %s, "ratio_to_bridge": %s}' "$m" "$c" "$med" "$min" "$max" "$ratio"
			done
		done
		echo
		echo "  }"
		echo "}"
	} >"$out"
}
