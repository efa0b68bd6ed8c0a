# Sourced by bench/run.sh, bench/rfc2889.sh, bench/soak.sh and bench/ab.sh: their tools and build,
# scratch space and hosts.

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

# User + system CPU ticks of a process so far (0 without one).
cpu_ticks() { [ -n "${1:-}" ] && awk '{print $14+$15}' "/proc/$1/stat" || echo 0; }
