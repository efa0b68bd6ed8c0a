#!/usr/bin/env bash
# kill -9 and restart with the same -c FILE bring every port back by themselves
# (docs/reliability.md, "A crash and a restart"). Three hosts ping each other
# and an iperf3 stream runs between two of them, through:
#   c  a container: `port add ${P}c netns ${P}c`, a veth pair switchd makes;
#   t  a TAP switchd creates (`port add ${P}t type tap`), moved into ${P}t;
#   g  a TAP another process holds (guesttap.py, as QEMU holds a VM's NIC),
#      attached with AF_PACKET, the "guest" stack behind it in ${P}g.
# Under fdstore.py (a service manager with systemd's descriptor store) switchd
# is killed CRASH_CYCLES times (default 20); after each restart every port must
# be back, all three hosts must reach each other within 2 s of the kill, the TCP
# stream must move again, no interface may be doubled or left over, the store
# must hold the TAP's descriptor once, and switchd's descriptor count must stay
# what it was. A clean stop under the supervisor leaves nothing behind. Then one
# crash without a supervisor: the veth is adopted, the held TAP re-attached and
# the created TAP made anew (its kernel side died with the process), as
# docs/reliability.md says. A last clean stop leaves no interface and no socket.
. "$(dirname "$0")/lib.sh"

CYCLES=${CRASH_CYCLES:-20}
command -v iperf3 >/dev/null || fail "missing tool: iperf3"
CONF=$T/switchd.conf
NET=10.$((RANDOM % 200 + 20)).$((RANDOM % 250))
IP_C=$NET.1 IP_T=$NET.2 IP_G=$NET.3
PING_PIDS=()
. "$HERE/supervise.sh"


# ---- the hosts -----------------------------------------------------------------

new_netns "${P}c"
new_netns "${P}t"
new_netns "${P}g"
# The guest: its holder keeps ${P}h (switchd's port) and ${P}g (its NIC, moved into ${P}g).
timeout 300 "$PY" "$HERE/guesttap.py" "${P}h" "${P}g" --ready "$T/guest.ready" 2>>"$LOG" &
GUEST_PID=$!
BG_PIDS+=("$GUEST_PID")
wait_until 10 "the guest's holder to open its TAPs" test -s "$T/guest.ready"
sysctl -qw "net.ipv6.conf.${P}h.disable_ipv6=1"
ip link set "${P}g" netns "${P}g"
ip -n "${P}g" link set "${P}g" name eth0
config_eth0 "${P}g" "$IP_G"

cat >"$CONF" <<EOF
# test_crash_restart: one port of each kind
port add ${P}c netns ${P}c
port add ${P}t type tap
port add ${P}h
EOF

links_root() { ip -o link show | awk -F': ' -v p="$P" '{ sub(/@.*/, "", $2) } index($2, p) == 1 { print $2 }' | sort | xargs; }
links_in() { ip -n "$1" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort | xargs; }
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }

# All three pairs answer one ping each, at once.
flows() {
	local rc=0
	in_host c ping -n -q -c 1 -W 0.5 "$IP_T" >/dev/null 2>&1 &
	local a=$!
	in_host c ping -n -q -c 1 -W 0.5 "$IP_G" >/dev/null 2>&1 &
	local b=$!
	in_host t ping -n -q -c 1 -W 0.5 "$IP_G" >/dev/null 2>&1 || rc=1
	wait "$a" || rc=1
	wait "$b" || rc=1
	return "$rc"
}
# The stream's bytes acknowledged so far (ss in the client's namespace), 0 if none.
tcp_acked() {
	ip netns exec "${P}c" ss -tinH dst "$IP_T" dport = 5201 2>/dev/null |
		grep -o 'bytes_acked:[0-9]*' | cut -d: -f2 | sort -n | tail -1 | grep . || echo 0
}
tcp_moved_past() { [ "$(tcp_acked)" -gt "$1" ]; }
# The first echo reply (ping -D: "[epoch.us] 64 bytes from ...") the pinger of file $1 got at or
# after $2 (ms since the epoch), in ms since the epoch; "" if none yet.
first_reply_since() {
	awk -v t="$2" '/bytes from/ { s = substr($1, 2, length($1) - 2); ms = s * 1000; if (ms >= t + 0) { printf "%.0f\n", ms; exit } }' "$1"
}
# Every background pinger got a reply since $1: when the last of them did, or "" if one did not yet.
all_replied_since() {
	local f r last=0
	for f in "$T"/ping.*; do
		r=$(first_reply_since "$f" "$1")
		[ -n "$r" ] || return 1
		((r > last)) && last=$r
	done
	echo "$last"
}
replied_since() { all_replied_since "$1" >/dev/null; }

check_ports() { # WHAT: the three ports, each in the state it must be in
	assert_eq "${P}c ${P}h ${P}t" "$(port_names)" "ports $1"
	assert_eq "afpacket true up" "$(ports_json | jq -r --arg n "${P}c" '.[] | select(.name == $n) | "\(.type) \(.created) \(.state)"')" "veth port $1"
	assert_eq "afpacket false up" "$(ports_json | jq -r --arg n "${P}h" '.[] | select(.name == $n) | "\(.type) \(.created) \(.state)"')" "held TAP's port $1"
}
check_links() { # WHAT: nothing doubled, nothing left over
	assert_eq "${P}c ${P}h" "$(links_root)" "interfaces with the prefix in the root namespace $1"
	assert_eq "eth0 lo" "$(links_in "${P}c")" "interfaces in ${P}c $1"
	assert_eq "eth0 lo" "$(links_in "${P}g")" "interfaces in ${P}g $1"
}

# ---- 1. under the supervisor: start, move the TAP in, traffic --------------------

start_supervised
check_ports "at the first start"
assert_eq "tap true" "$(ports_json | jq -r --arg n "${P}t" '.[] | select(.name == $n) | "\(.type) \(.created)"')" "created TAP's port"
assert_eq '["tap-'"${P}t"'"]' "$(sup_state '.store | tojson')" "the store after the first start"
sysctl -qw "net.ipv6.conf.${P}t.disable_ipv6=1" 2>/dev/null || true
ip link set "${P}t" netns "${P}t"
wait_until 3 "port ${P}t to be in state moved" port_state_is "${P}t" moved
ip -n "${P}t" link set "${P}t" name eth0
config_eth0 "${P}t" "$IP_T"
ip -n "${P}c" addr add "$IP_C/24" dev eth0
ip netns exec "${P}c" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
wait_until 5 "the three hosts to reach each other" flows
check_links "at the first start"
assert_eq "eth0 lo" "$(links_in "${P}t")" "interfaces in ${P}t at the first start"

# Background traffic through every crash: pings between all hosts, and a TCP stream c -> t.
ip netns exec "${P}t" timeout 300 iperf3 -s -1 -B "$IP_T" >"$T/iperf3.server" 2>&1 &
BG_PIDS+=("$!")
wait_for 5 "iperf3 to listen" 'ip netns exec "${P}t" ss -tlnH "sport = 5201" | grep -q .'
ip netns exec "${P}c" timeout 300 iperf3 -c "$IP_T" -t 280 -b 200M >"$T/iperf3.client" 2>&1 &
IPERF_PID=$!
BG_PIDS+=("$IPERF_PID")
for pair in "c $IP_T" "c $IP_G" "t $IP_G"; do
	# shellcheck disable=SC2086 # host and address
	set -- $pair
	ip netns exec "$P$1" timeout 300 stdbuf -oL ping -D -n -i 0.1 "$2" >"$T/ping.$1.$2" 2>&1 &
	BG_PIDS+=("$!")
	PING_PIDS+=("$!")
done
wait_for 5 "the TCP stream to start" 'tcp_moved_past 0'

# ---- 2. kill -9 and restart, CRASH_CYCLES times ----------------------------------

fd_base=
max_flow=0 max_tcp=0 max_ready=0 max_kill=0 sum_flow=0
for ((i = 1; i <= CYCLES; i++)); do
	old=$(sup_pid)
	acked=$(tcp_acked)
	kill -KILL "$old"
	t0=$(now_ms)
	wait_until 5 "switchd to be restarted after kill -9 (cycle $i)" restarted "$old"
	new=$(sup_pid)
	SWITCHD_PIDS+=("$new")
	# From the supervisor's start of the new switchd: its own time to READY=1, and until
	# the hosts reach each other again (the bound is 2 s).
	t_start=$(sup_state .started_ms)
	t_ready=$(($(sup_state .ready_ms) - t_start))
	# The pingers' own clock tells when traffic flowed again, not the polling of it.
	wait_until 5 "every pinger to get a reply after the restart (cycle $i)" replied_since "$t_start"
	t_last=$(all_replied_since "$t_start")
	t_flow=$((t_last - t_start))
	((t_flow <= 2000)) || fail "traffic came back ${t_flow} ms after the restart (cycle $i), over 2 s"
	t_kill=$((t_last - t0))
	wait_until 10 "the TCP stream to move again (cycle $i)" tcp_moved_past "$acked"
	t_tcp=$(($(now_ms) - t_start))
	[ -z "${CRASH_VERBOSE:-}" ] || say "cycle $i: ready ${t_ready} ms, hosts ${t_flow} ms, TCP ${t_tcp} ms after the restart; ${t_kill} ms after the kill"
	check_ports "after restart $i"
	assert_eq moved "$(port_field "${P}t" state)" "created TAP's port after restart $i"
	assert_eq true "$(port_field "${P}t" created)" "created flag of ${P}t after restart $i"
	check_links "after restart $i"
	assert_eq "eth0 lo" "$(links_in "${P}t")" "interfaces in ${P}t after restart $i"
	assert_eq '["tap-'"${P}t"'"]' "$(sup_state '.store | tojson')" "the store after restart $i"
	assert_eq "$((i + 1))" "$(sup_state .starts)" "starts after restart $i"
	# Descriptors: the same after every restart (switchctl's connections closed meanwhile).
	if [ -z "$fd_base" ]; then
		fd_base=$(fd_count "$new")
	else
		wait_for 2 "switchd's descriptors to come back to $fd_base (cycle $i)" \
			'[ "$(fd_count "$new")" -eq "$fd_base" ]'
	fi
	((t_flow > max_flow)) && max_flow=$t_flow
	((t_tcp > max_tcp)) && max_tcp=$t_tcp
	((t_ready > max_ready)) && max_ready=$t_ready
	((t_kill > max_kill)) && max_kill=$t_kill
	sum_flow=$((sum_flow + t_flow))
done
assert_eq "$CYCLES" "$(log_count "adopted from the descriptor store")" "TAP adoptions logged"
assert_eq "$CYCLES" "$(log_count "adopted (made before a restart), peer eth0 in /run/netns/${P}c")" "veth adoptions logged"
running "$IPERF_PID" || fail "the iperf3 client ended during the crashes: $(tail -3 "$T/iperf3.client")"
say "$CYCLES kill -9 cycles, after each restart: READY=1 within ${max_ready} ms; all hosts reached each" \
	"other within ${max_flow} ms at most ($((sum_flow / CYCLES)) ms on average; ${max_kill} ms at most after the" \
	"kill); the TCP stream moved again within ${max_tcp} ms; switchd's descriptors $fd_base after every restart"
kill -TERM "$IPERF_PID"
wait "$IPERF_PID" || true
# SIGINT through timeout: ping prints its summary.
for pid in "${PING_PIDS[@]}"; do
	kill -INT "$pid"
	wait "$pid" || true
done
for f in "$T"/ping.*; do
	say "ping ${f##*/ping.} every 0.1 s through the crashes: $(grep -o '[0-9]* packets transmitted, [0-9]* received[^,]*' "$f" || echo "no summary")"
done

# ---- 3. a clean stop under the supervisor: nothing left --------------------------

last=$(sup_pid)
kill -TERM "$last"
wait_until 5 "the supervisor to end with switchd" not_running "$SUP_PID"
wait "$SUP_PID" || fail "fdstore.py exited $? after a clean stop"
assert_eq 0 "$(sup_state '.exits[-1].status')" "switchd's exit status after SIGTERM"
# switchd took its TAP out of the store itself before it exited.
assert_eq '[]' "$(sup_state '.exits[-1].store | tojson')" "the store when switchd exited"
wait_for 2 "the veth pair and the TAP to be gone" '[ "$(links_root)" = "${P}h" ]'
assert_eq "lo" "$(links_in "${P}c")" "interfaces in ${P}c after a clean stop"
assert_eq "lo" "$(links_in "${P}t")" "interfaces in ${P}t after a clean stop"
[ ! -e "$SOCK" ] || fail "the control socket outlived a clean stop"

# ---- 4. started by hand, killed, started by hand again ----------------------------

start_daemon -c "$CONF"
SWITCHD_PIDS+=("$DAEMON_PID")
# A fresh start: a new veth pair (the clean stop deleted the old one) and a new TAP.
check_ports "at a start by hand"
ip -n "${P}c" addr add "$IP_C/24" dev eth0
ip netns exec "${P}c" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
sysctl -qw "net.ipv6.conf.${P}t.disable_ipv6=1" 2>/dev/null || true
ip link set "${P}t" netns "${P}t"
wait_until 3 "port ${P}t to be in state moved" port_state_is "${P}t" moved
ip -n "${P}t" link set "${P}t" name eth0
config_eth0 "${P}t" "$IP_T"
wait_until 5 "the three hosts to reach each other (by hand)" flows
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" || true
DAEMON_PID=
# No store: the TAP's only descriptor was switchd's, and its kernel side went with it.
wait_for 2 "the created TAP to die with switchd" '[ "$(links_in "${P}t")" = lo ]'
assert_eq "${P}c ${P}h" "$(links_root)" "interfaces left by a switchd killed outside a supervisor"
start_daemon -c "$CONF"
SWITCHD_PIDS+=("$DAEMON_PID")
check_ports "after a restart by hand"
assert_eq "$((CYCLES + 1))" "$(log_count "adopted (made before a restart), peer eth0 in /run/netns/${P}c")" "veth adopted by the restart by hand"
# The created TAP is a new one, here in switchd's namespace: not moved, not adopted.
assert_eq "tap true" "$(ports_json | jq -r --arg n "${P}t" '.[] | select(.name == $n) | "\(.type) \(.created)"')" "the re-created TAP's port"
assert_ne moved "$(port_field "${P}t" state)" "state of the re-created TAP"
assert_eq "$CYCLES" "$(log_count "adopted from the descriptor store")" "TAP adoptions logged after a restart by hand"
assert_eq "${P}c ${P}h ${P}t" "$(links_root)" "interfaces after a restart by hand"
in_host c timeout 5 ping -n -q -c 1 -W 1 "$IP_G" >/dev/null || fail "c cannot reach the guest after a restart by hand"
# What the user must do again (docs/reliability.md): move the TAP into its namespace.
ip link set "${P}t" netns "${P}t"
wait_until 3 "port ${P}t to be in state moved" port_state_is "${P}t" moved
ip -n "${P}t" link set "${P}t" name eth0
config_eth0 "${P}t" "$IP_T"
# A new TAP, a new MAC: the others' ARP entries for t name the old one.
ip -n "${P}c" neigh flush all
ip -n "${P}g" neigh flush all
wait_until 5 "the three hosts to reach each other after the TAP moved in again" flows

# ---- 5. a clean stop by hand: no interface of switchd's, no socket -------------------

stop_daemon
assert_eq 0 "$DAEMON_RC" "switchd's exit status after SIGTERM"
wait_for 2 "switchd's interfaces to be gone" '[ "$(links_root)" = "${P}h" ]'
assert_eq "lo" "$(links_in "${P}c")" "interfaces in ${P}c after a clean stop by hand"
assert_eq "lo" "$(links_in "${P}t")" "interfaces in ${P}t after a clean stop by hand"
[ ! -e "$SOCK" ] || fail "the control socket outlived a clean stop by hand"
# The held TAP is its holder's: still there. Once the holder ends, no interface has the prefix.
stop_pid "$GUEST_PID" 3
wait_for 2 "the holder's TAP to go with it" '[ -z "$(links_root)" ]'
if ip tuntap show 2>/dev/null | grep -q "^$P"; then
	fail "a TAP with the prefix is left: $(ip tuntap show | grep "^$P")"
fi
