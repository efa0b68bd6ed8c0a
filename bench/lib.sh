# Sourced by bench/run.sh and bench/ab.sh: their scratch space and hosts.

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
