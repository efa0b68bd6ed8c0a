# Sourced by every integration test: names, cleanup, the daemon, hosts, assertions.
#
# Every namespace and interface a test makes starts with $P, a prefix unique to
# the run and short enough that "${P}name" fits IFNAMSIZ (15 characters). The
# EXIT trap removes all of them, the daemon and the temp dir, pass or fail.
# Traffic only ever flows between namespaces the test made.

set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SWITCHD=${SWITCHD:-$HERE/../../build/bin/switchd}
SWITCHCTL=${SWITCHCTL:-$HERE/../../build/bin/switchctl}
# scapy is installed for the system interpreter; a python3 on PATH may be another one.
PY=/usr/bin/python3
PKT=("$PY" "$HERE/pkt.py")
TEST_NAME=$(basename "$0" .sh)

say() { echo "# $*" >&2; }

fail() {
	echo "FAIL [$TEST_NAME]: $*" >&2
	exit 1
}

# Where a command that set -e caught failed: the test then exits through cleanup.
on_err() {
	local rc=$? cmd=$BASH_COMMAND
	echo "FAIL [$TEST_NAME]: command exited $rc at ${BASH_SOURCE[1]:-?}:${BASH_LINENO[0]}: $cmd" >&2
}
trap on_err ERR

[ "$(id -u)" -eq 0 ] || fail "integration tests need root (network namespaces, veth, TAP)"
for bin in "$SWITCHD" "$SWITCHCTL"; do
	[ -x "$bin" ] || fail "$bin is not built (cmake --build build)"
done
for tool in ip jq timeout "$PY"; do
	command -v "$tool" >/dev/null || fail "missing tool: $tool"
done

# A prefix no existing namespace or link uses: 2 letters of the test name + 3 hex digits.
pick_prefix() {
	local tag=${TEST_NAME#test_} p i
	tag=${tag:0:2}
	for i in $(seq 50); do
		p=$tag$(printf %03x $((RANDOM % 4096)))
		if ! ip -o link show | grep ": $p" >/dev/null && ! ip netns list | grep "^$p" >/dev/null; then
			echo "$p"
			return
		fi
	done
	fail "no free interface prefix"
}
P=$(pick_prefix)
T=$(mktemp -d "/tmp/switchd-it.$P.XXXXXX")
SOCK=$T/switchd.sock
LOG=$T/switchd.log
DAEMON_PID=
DAEMON_WRAP=() # a command to run switchd under, e.g. (prlimit --nofile=24)
BG_PIDS=()
EXTRA_LOGS=() # the logs of daemons a test starts itself: checked for sanitizer reports as $LOG is
declare -A SNIFF_PID=()

# Whether PID still runs (a zombie does not count).
running() {
	local st
	st=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

not_running() { ! running "$1"; }

# Whether PID is a live child of this test's shell: never signal a recycled PID.
ours() {
	[ "$(awk '{ sub(/.*\) /, ""); print $2 }' "/proc/$1/stat" 2>/dev/null)" = "$$" ] && running "$1"
}

# Sends TERM, waits up to $2 seconds, then KILL. Only children this test started.
stop_pid() {
	local pid=$1 secs=${2:-3} i
	ours "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < secs * 20; i++)); do
		running "$pid" || return 0
		sleep 0.05
	done
	ours "$pid" && kill -KILL "$pid" 2>/dev/null
	return 0
}

cleanup() {
	local rc=$? ns pid l
	set +eE
	trap - ERR
	trap '' PIPE # a reader that went away (| head) must not cut the cleanup short
	for pid in "${BG_PIDS[@]}" "${SNIFF_PID[@]}"; do
		stop_pid "$pid" 2
	done
	if [ -n "$DAEMON_PID" ]; then
		stop_pid "$DAEMON_PID" 5
	fi
	# A sanitizer build reports into the daemon's log: any report fails the test.
	for l in "$LOG" "${EXTRA_LOGS[@]}"; do
		if [ -s "$l" ] && grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$l"; then
			echo "FAIL [$TEST_NAME]: sanitizer report in the switchd log $l" >&2
			[ "$rc" -ne 0 ] || rc=1
			[ "$l" = "$LOG" ] || tail -n 60 "$l" >&2
		fi
	done
	for ns in $(ip netns list | awk -v p="$P" 'index($1, p) == 1 { print $1 }'); do
		# Processes left in our namespaces are ours (iperf3, sniffers): end them by PID.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	for l in $(ip -o link show | awk -F': ' -v p="$P" '{ sub(/@.*/, "", $2) } index($2, p) == 1 { print $2 }'); do
		ip link del "$l" 2>/dev/null
	done
	if [ "$rc" -ne 0 ] && [ -s "$LOG" ]; then
		echo "---- switchd log ($LOG) ----" >&2
		tail -n 60 "$LOG" >&2
		echo "----" >&2
	fi
	rm -rf "$T"
	if [ "$rc" -eq 0 ]; then
		echo "PASS [$TEST_NAME]" >&2
	fi
	exit "$rc"
}
trap cleanup EXIT
# ctest's timeout and ^C end the test through cleanup too.
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- polling ---------------------------------------------------------------

# wait_for SECONDS DESCRIPTION 'CONDITION': wait_until for a shell condition, given
# in single quotes so that its $(...) is evaluated afresh at every poll.
wait_for() { wait_until "$1" "$2" eval "$3"; }

# Milliseconds since the epoch, for deadlines and elapsed-time checks.
now_ms() { date +%s%3N; }

# wait_until SECONDS DESCRIPTION CMD...: polls CMD every 0.1 s until it succeeds;
# fails the test if it has not by the deadline.
wait_until() {
	local secs=$1 desc=$2 end
	shift 2
	end=$(($(now_ms) + secs * 1000))
	while [ "$(now_ms)" -lt "$end" ]; do
		if "$@"; then return 0; fi
		sleep 0.1
	done
	"$@" || fail "timed out after ${secs}s waiting for: $desc"
}

# ---- assertions ------------------------------------------------------------

assert_eq() { # EXPECTED ACTUAL WHAT
	[ "$1" = "$2" ] || fail "$3: expected '$1', saw '$2'"
}
assert_ne() { # UNEXPECTED ACTUAL WHAT
	[ "$1" != "$2" ] || fail "$3: expected anything but '$1'"
}
assert_ge() { # ACTUAL MIN WHAT
	[ "$1" -ge "$2" ] || fail "$3: expected >= $2, saw $1"
}
assert_le() { # ACTUAL MAX WHAT
	[ "$1" -le "$2" ] || fail "$3: expected <= $2, saw $1"
}
assert_contains() { # HAYSTACK NEEDLE WHAT
	case "$1" in
	*"$2"*) ;;
	*) fail "$3: expected to contain '$2', saw '$1'" ;;
	esac
}
assert_not_contains() { # HAYSTACK NEEDLE WHAT
	case "$1" in
	*"$2"*) fail "$3: expected not to contain '$2', saw '$1'" ;;
	esac
}

# expect_exit CODE CMD...: runs CMD (bounded), asserts its exit status; leaves
# its output in $OUT and $ERR (file contents) for further checks.
expect_exit() {
	local want=$1 rc=0
	shift
	if [ "$(type -t "$1")" = function ]; then
		"$@" >"$T/out" 2>"$T/err" || rc=$?
	else
		timeout 20 "$@" >"$T/out" 2>"$T/err" || rc=$?
	fi
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	[ "$rc" -eq "$want" ] || fail "'$*': expected exit $want, got $rc (stdout: '$OUT', stderr: '$ERR')"
}

# ---- the daemon --------------------------------------------------------------

ctl() { timeout 15 "$SWITCHCTL" -s "$SOCK" "$@"; }

daemon_answers() { ctl status >/dev/null 2>&1; }

# start_daemon [SWITCHD OPTIONS]: on the test's private socket, log in $LOG.
start_daemon() {
	[ -z "$DAEMON_PID" ] || fail "start_daemon: a daemon is already running"
	echo "==== $SWITCHD -s $SOCK $* ====" >>"$LOG"
	"${DAEMON_WRAP[@]}" "$SWITCHD" -s "$SOCK" "$@" 2>>"$LOG" &
	DAEMON_PID=$!
	wait_until 5 "switchd to answer on $SOCK" daemon_answers
}

# stop_daemon: SIGTERM, bounded wait; sets DAEMON_RC to its exit status.
stop_daemon() {
	local pid=$DAEMON_PID i
	[ -n "$pid" ] || fail "stop_daemon: no daemon"
	kill -TERM "$pid"
	for ((i = 0; i < 100; i++)); do
		running "$pid" || break
		sleep 0.05
	done
	running "$pid" && fail "switchd did not exit within 5 s of SIGTERM"
	DAEMON_RC=0
	# shellcheck disable=SC2034 # read by the tests
	wait "$pid" || DAEMON_RC=$?
	DAEMON_PID=
}

daemon_alive() { [ -n "$DAEMON_PID" ] && running "$DAEMON_PID"; }

# ---- a configuration file ($CONF, which the test sets) ----------------------------------------

# conf LINE...: writes the file.
conf() { printf '%s\n' "$@" >"$CONF"; }
# hup: SIGHUP, then wait for the reload's log line (success or failure).
hup() {
	local n
	n=$(log_count "reload: ")
	kill -HUP "$DAEMON_PID"
	wait_for 5 "switchd to log its reload" '[ "$(log_count "reload: ")" -gt '"$n"' ]'
	daemon_alive || fail "switchd died on SIGHUP"
}
last_reload() { grep -F "reload: " "$LOG" | tail -n 1; }

# CPU time (user + system, clock ticks) the daemon has used.
daemon_cpu_ticks() {
	awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$DAEMON_PID/stat"
}

log_count() { grep -cF -- "$1" "$LOG" || true; }

# ---- JSON views --------------------------------------------------------------

ports_json() { ctl -j port show; }
macs_json() { ctl -j mac show; }
status_field() { ctl -j status | jq -r ".$1"; }

# port_field PORT FIELD: one field of one port ("" if the port is absent).
port_field() {
	ports_json | jq -r --arg n "$1" --arg f "$2" '.[] | select(.name == $n) | .[$f]'
}
port_exists() { [ -n "$(port_field "$1" name)" ]; }
port_absent() { ! port_exists "$1"; }
port_names() { ports_json | jq -r '[.[].name] | sort | join(" ")'; }

# mac_port MAC [VLAN]: the port the table holds MAC on ("" if absent).
mac_port() {
	macs_json | jq -r --arg m "$1" --argjson v "${2:-0}" \
		'[.[] | select(.mac == $m and .vlan == $v) | .port] | join(" ")'
}
mac_count_on() { # PORT
	macs_json | jq --arg p "$1" '[.[] | select(.port == $p)] | length'
}
mac_absent() { [ -z "$(mac_port "$@")" ]; }

# ---- hosts -------------------------------------------------------------------
#
# A host NAME is the netns ${P}NAME with its interface eth0. On a veth host the
# root-side end is also called ${P}NAME; on a TAP host the TAP (switchd's port)
# was called ${P}NAME before it moved in and was renamed eth0.

new_netns() {
	local ns=$1
	ip netns add "$ns"
	# No IPv6: no router solicitations, MLD or DAD frames to muddle exact counts.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "$ns" link set lo up
}

config_eth0() { # NS IP
	ip -n "$1" addr add "$2/24" dev eth0
	ip -n "$1" link set eth0 up
}

# add_host NAME IP [--no-port]: a veth host; attached to switchd unless --no-port.
add_host() {
	local ip=$2 ns=$P$1
	new_netns "$ns"
	ip link add "$ns" type veth peer name eth0 netns "$ns"
	# The root-side end belongs to switchd only: no IPv6 chatter from the host's own stack.
	sysctl -qw "net.ipv6.conf.$ns.disable_ipv6=1"
	config_eth0 "$ns" "$ip"
	if [ "${3:-}" != --no-port ]; then
		ctl port add "$ns" >/dev/null
		assert_eq afpacket "$(port_field "$ns" type)" "port type of veth end $ns"
	fi
}

# link_absent NAME [NS]: no such interface in NS (default: the root namespace).
link_absent() { ! ip ${2:+-n "$2"} link show "$1" >/dev/null 2>&1; }

# del_host NAME: deletes a veth host's namespace and waits for the root-side end, which the
# kernel destroys asynchronously after `ip netns del`: until it is gone its name cannot be
# used again (ip link add: File exists).
del_host() {
	ip netns del "$P$1"
	wait_until 10 "veth end $P$1 to go with its namespace" link_absent "$P$1"
}

# add_tap_host NAME IP: switchd creates the TAP, then its kernel side moves into the host netns.
add_tap_host() {
	local ip=$2 ns=$P$1
	new_netns "$ns"
	ctl port add "$ns" type tap >/dev/null
	sysctl -qw "net.ipv6.conf.$ns.disable_ipv6=1" 2>/dev/null || true
	assert_eq tap "$(port_field "$ns" type)" "port type of created TAP $ns"
	assert_eq true "$(port_field "$ns" created)" "created flag of TAP $ns"
	ip link set "$ns" netns "$ns"
	wait_until 3 "port $ns to be in state moved" port_state_is "$ns" moved
	ip -n "$ns" link set "$ns" name eth0
	config_eth0 "$ns" "$ip"
}
port_state_is() { [ "$(port_field "$1" state)" = "$2" ]; }

# in_host NAME CMD...: runs CMD in the host's netns.
in_host() {
	local ns=$P$1
	shift
	ip netns exec "$ns" "$@"
}

host_mac() { ip -n "$P$1" -j link show eth0 | jq -r '.[0].address'; }

# tcp_md5 FROM TO IP PORT MIB: MIB MiB of random bytes over TCP from host FROM to a server at IP:PORT
# in host TO's namespace; fails unless what arrived has the md5 of what was sent.
tcp_md5() {
	local from=$1 to=$2 ip=$3 port=$4 mib=$5 want srv
	head -c $((mib << 20)) /dev/urandom >"$T/tcp.data"
	want=$(md5sum <"$T/tcp.data" | cut -d' ' -f1)
	rm -f "$T/tcp.got" "$T/tcp.ready"
	in_host "$to" timeout 30 "$PY" - "$ip" "$port" "$T/tcp.got" "$T/tcp.ready" <<'PYEOF' &
import hashlib, socket, sys
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], int(sys.argv[2])))
l.listen(1)
open(sys.argv[4], "w").close()
c, _ = l.accept()
h = hashlib.md5()
while True:
    b = c.recv(1 << 16)
    if not b:
        break
    h.update(b)
open(sys.argv[3], "w").write(h.hexdigest() + "\n")
PYEOF
	srv=$!
	BG_PIDS+=("$srv")
	wait_until 10 "TCP server in $to" test -e "$T/tcp.ready"
	in_host "$from" timeout 30 "$PY" -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(open(sys.argv[3], "rb").read())
s.close()' "$ip" "$port" "$T/tcp.data"
	wait "$srv" || fail "TCP server in $to failed"
	assert_eq "$want" "$(cat "$T/tcp.got")" "md5 of $mib MiB sent over TCP from $from to $to"
}

# ping_ok FROM IP: at least one echo reply within a bounded time.
ping_ok() {
	in_host "$1" timeout 15 ping -n -q -c 3 -i 0.2 -W 2 "$2" >/dev/null ||
		fail "ping from $1 to $2 failed"
}
# ping_fails FROM IP: no reply at all.
ping_fails() {
	if in_host "$1" timeout 15 ping -n -q -c 3 -i 0.2 -W 1 "$2" >/dev/null 2>&1; then
		fail "ping from $1 to $2 succeeded but should not"
	fi
}

# tcp_ok CLIENT SERVER SERVER_IP PORT LABEL [IPERF3_ARG...]: one bounded iperf3 TCP run from
# host CLIENT to host SERVER; prints its Mbit/s and fails below $MIN_BPS (bit/s). It runs
# ${IPERF_SECS:-3} seconds; -R in the arguments reverses it.
tcp_ok() {
	local client=$1 server=$2 ip=$3 port=$4 label=$5 pid bps rc=0
	shift 5
	ip netns exec "$P$server" timeout 30 iperf3 -s -1 -p "$port" >"$T/iperf-s.$port" 2>&1 &
	pid=$!
	BG_PIDS+=("$pid")
	wait_until 10 "iperf3 server in $server on port $port" tcp_listening "$server" "$port"
	in_host "$client" timeout 30 iperf3 -c "$ip" -p "$port" -t "${IPERF_SECS:-3}" -J "$@" \
		>"$T/iperf.$port.json" 2>"$T/iperf.$port.err" || rc=$?
	wait "$pid" || true
	if [ "$rc" -ne 0 ]; then
		cat "$T/iperf.$port.err" "$T/iperf.$port.json" >&2
		fail "$label: iperf3 exited $rc"
	fi
	bps=$(jq -r '.end.sum_received.bits_per_second | floor' "$T/iperf.$port.json")
	say "$label: $((bps / 1000000)) Mbit/s"
	[ "$bps" -ge "$MIN_BPS" ] || fail "$label: $bps bit/s, expected at least $MIN_BPS"
}
# tcp_listening HOST PORT: something listens on TCP PORT in HOST.
tcp_listening() { ip netns exec "$P$1" ss -Htln "sport = :$2" | grep -q .; }

# ---- frames --------------------------------------------------------------------

# frame DST SRC ETHERTYPE [PAYLOAD_HEX]: an Ethernet frame in hex (MACs with colons ok).
frame() {
	local h="${1//:/}${2//:/}$3${4:-}"
	echo "${h,,}"
}

# send_frames HOST HEX...: sends raw frames out of the host's eth0.
send_frames() {
	local host=$1
	shift
	in_host "$host" timeout 20 "${PKT[@]}" send eth0 "$@"
}

# A random hex string of N bytes: a marker no other frame carries.
rand_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# sniff_start HOST...: records frames arriving on each host's eth0 into $T/sniff.HOST.
sniff_start() {
	local host
	for host in "$@"; do
		rm -f "$T/sniff.$host" "$T/ready.$host"
		# Not through in_host: $! must be the sniffer itself (ip execs timeout, which
		# passes SIGTERM on), not a subshell that would leave it orphaned.
		ip netns exec "$P$host" timeout 60 "${PKT[@]}" sniff eth0 --timeout 50 \
			--out "$T/sniff.$host" --ready "$T/ready.$host" &
		SNIFF_PID[$host]=$!
	done
	for host in "$@"; do
		wait_until 10 "sniffer on $host to start" test -s "$T/ready.$host"
	done
}

# sniff_stop HOST...: lets the sniffers drain what is queued, then stops them.
sniff_stop() {
	local host pid
	sleep 0.3 # frames in flight through switchd reach the sniffers' queues
	for host in "$@"; do
		pid=${SNIFF_PID[$host]}
		ours "$pid" && kill -TERM "$pid" 2>/dev/null
		wait "$pid" || true
		unset "SNIFF_PID[$host]"
	done
}

# sniff_count HOST REGEX: how many recorded frames (lines "PKTTYPE LEN HEX") match.
sniff_count() { grep -cE -- "$2" "$T/sniff.$1" || true; }
sniff_frames() { cat "$T/sniff.$1"; }
