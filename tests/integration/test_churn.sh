#!/usr/bin/env bash
# Port churn: ports come and go by the thousand and switchd ends where it started.
#
# Each churn cycle attaches a veth end, sends traffic through it (its host's MAC is learned on
# it), detaches it, then has switchd create a TAP and delete it again. Each re-create cycle
# deletes an attached veth with `ip link del` (switchd must drop the port by itself), creates
# it again under the same name and re-attaches it. Throughout, two hosts on ports that stay
# attached ping each other. Afterwards: switchd holds as many file descriptors as before, its
# RSS is back within RSS_TOL_KB of the start (the normal build; under ASan freed memory sits in
# the quarantine, and LeakSanitizer checks for leaks when the daemon exits), no MAC entry
# points at a removed port, and every host still talks.
#
# CHURN_CYCLES (default 50) and CHURN_RECREATE (default 20) set the counts; the issue's full
# run, recorded in docs/reliability.md:
#   CHURN_CYCLES=1000 CHURN_RECREATE=100 bash tests/integration/test_churn.sh
. "$(dirname "$0")/lib.sh"

cycles=${CHURN_CYCLES:-50}
recreate=${CHURN_RECREATE:-20}
warm=5 # cycles of each kind before the start figures are taken
# Once the warm-up and the priming below are done, RSS did not move by a page here over 100 or
# 1000 cycles. A struct port (560 bytes) kept per cycle would add 27 KiB over the default 50.
rss_tol=${RSS_TOL_KB:-16}
mac_r=02:93:00:00:00:04 # the re-created host's MAC, the same on each of its veths

fd_count() { find "/proc/$DAEMON_PID/fd" -mindepth 1 -maxdepth 1 | wc -l; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status"; }
# The fd count once switchd has closed its last control client: two equal readings.
settled_fds() {
	local a b i
	a=$(fd_count)
	for ((i = 0; i < 25; i++)); do
		sleep 0.2
		b=$(fd_count)
		[ "$a" != "$b" ] || break
		a=$b
	done
	echo "$a"
}
fd_list() { find "/proc/$DAEMON_PID/fd" -mindepth 1 -maxdepth 1 -printf '%f -> %l\n' | sort -n; }
# A cycle forks as little as it can: on a busy machine every process costs tens of ms.
# soon SECONDS CMD...: polls CMD every 0.1 s, without a clock, for up to SECONDS.
soon() {
	local n=$(($1 * 10))
	shift
	until "$@"; do
		((n-- > 0)) || return 1
		sleep 0.1
	done
}
# switchctl without timeout(1): it bounds its own wait for a reply (10 s).
qctl() { "$SWITCHCTL" -s "$SOCK" "$@"; }
listed() { [[ $'\n'$(qctl port show) == *$'\n'"$1: "* ]]; }
unlisted() { ! listed "$1"; }
link_exists() { [ -e "/sys/class/net/$1" ]; }
link_gone() { ! link_exists "$1"; }
# ping1 FROM IP: one echo reply, asking every 50 ms for up to 5 s (ping's -w bounds it).
ping1() {
	ip netns exec "$P$1" ping -n -q -c 1 -i 0.05 -w 5 "$2" >/dev/null ||
		fail "ping from $1 to $2 failed"
}

start_daemon
add_host a 10.93.0.1
add_host b 10.93.0.2
add_host c 10.93.0.3 --no-port # the veth end attached and detached by the churn cycles
new_netns "${P}r"               # r's veth is deleted and re-created by the re-create cycles
mac_a=$(host_mac a)
mac_b=$(host_mac b)
mac_c=$(host_mac c)
ping_ok a 10.93.0.2

# The long-lived hosts talk all along: forwarding between them must not notice the churn.
ip netns exec "${P}a" ping -n -q -i 0.05 10.93.0.2 >"$T/bg-ping.out" 2>&1 &
bg_ping=$!
BG_PIDS+=("$bg_ping")

# churn_cycle: veth end c attached, traffic through it (c's MAC is learned on it; the log line
# of each removal says how many entries went), detached; a TAP created and deleted. Then the
# table must hold no entry on either removed port (one would name a freed slot) and still hold
# the long-lived hosts'.
churn_cycle() {
	local macs
	qctl port add "${P}c" >/dev/null
	ping1 c 10.93.0.1
	qctl port del "${P}c" >/dev/null
	qctl port add "${P}t" type tap >/dev/null
	link_exists "${P}t" || fail "port add type tap did not create ${P}t"
	qctl port del "${P}t" >/dev/null
	soon 2 link_gone "${P}t" || fail "TAP ${P}t still exists 2 s after its port del"
	macs=$(qctl -j mac show)
	assert_not_contains "$macs" "\"port\":\"${P}c\"" "MAC table after port del ${P}c"
	assert_not_contains "$macs" "\"port\":\"${P}t\"" "MAC table after port del ${P}t"
	assert_contains "$macs" "{\"mac\":\"$mac_a\",\"port\":\"${P}a\"," "MAC table after the port dels"
	assert_contains "$macs" "{\"mac\":\"$mac_b\",\"port\":\"${P}b\"," "MAC table after the port dels"
}

# make_r: r's veth, its root-side end silent (no IPv6), its host end with a fixed MAC.
make_r() {
	ip link add "${P}r" type veth peer name eth0 address "$mac_r" netns "${P}r"
	echo 1 >"/proc/sys/net/ipv6/conf/${P}r/disable_ipv6"
	config_eth0 "${P}r" 10.93.0.4
}

# recreate_cycle N [ping]: r's veth (attached) deleted, switchd drops the port by itself, the
# veth comes back under the same name and is attached again; with "ping", r pings through it
# and its MAC is learned on the new port.
recreate_cycle() {
	local macs
	ip link del "${P}r"
	# Every other cycle the new veth exists before switchd may have seen the old one go:
	# the port must go all the same, and the new veth must not be taken for the old.
	if [ $(($1 % 2)) -eq 1 ]; then
		soon 2 unlisted "${P}r" || fail "port ${P}r still there 2 s after ip link del"
	fi
	make_r
	soon 2 unlisted "${P}r" || fail "port ${P}r still there 2 s after ip link del"
	macs=$(qctl -j mac show)
	assert_not_contains "$macs" "\"port\":\"${P}r\"" "MAC table after ${P}r vanished"
	assert_not_contains "$macs" "\"$mac_r\"" "MAC table after ${P}r vanished"
	qctl port add "${P}r" >/dev/null
	if [ "${2:-}" = ping ]; then
		ping1 r 10.93.0.1
		assert_eq "${P}r" "$(mac_port "$mac_r")" "port of r's MAC after re-creating its veth"
	fi
}

# ---- warm-up, then the start figures -----------------------------------------------------
for ((i = 1; i <= warm; i++)); do churn_cycle; done
make_r
ctl port add "${P}r" >/dev/null
for ((i = 1; i <= warm; i++)); do recreate_cycle "$i" ping; done
# switchd's receive buffers (PORT_BATCH frames of up to 64 KiB each) become resident only as deep
# as frames have reached: a batch fuller than any before adds RSS that is not a leak (24 KiB
# once here, on a busy machine, where batches fill). Reach the depth this test's frames can before
# the start figures: a full batch of 1514-byte frames, queued while switchd is stopped.
b_bytes=$(port_field "${P}b" tx_bytes)
kill -STOP "$DAEMON_PID"
send_frames a "$(frame ff:ff:ff:ff:ff:ff "$mac_a" 88b5 "$(printf %03000d 0)")" --repeat 64 ||
	{ kill -CONT "$DAEMON_PID"; fail "could not send the priming frames"; }
kill -CONT "$DAEMON_PID"
primed() { [ "$(port_field "${P}b" tx_bytes)" -ge $((b_bytes + 64 * 1514)) ]; }
wait_until 5 "the priming frames to reach b" primed
fds0=$(settled_fds)
rss0=$(rss_kb)
fd_list >"$T/fds.start"

# ---- churn ---------------------------------------------------------------------------------
t0=$(now_ms)
for ((i = 1; i <= cycles; i++)); do
	churn_cycle
	if [ $((i % 100)) -eq 0 ]; then say "churn cycle $i: $(fd_count) fds, $(rss_kb) KiB RSS"; fi
done
t1=$(now_ms)
say "churn: $cycles cycles (veth add/traffic/del + TAP create/del) in $(((t1 - t0) / 1000)).$(((t1 - t0) % 1000 / 100)) s"

for ((i = 1; i <= recreate; i++)); do
	if [ $((i % 10)) -eq 0 ] || [ "$i" -eq "$recreate" ]; then
		recreate_cycle "$i" ping
	else
		recreate_cycle "$i"
	fi
done
t2=$(now_ms)
say "re-create: $recreate cycles (ip link del of an attached veth, re-create, port add) in $(((t2 - t1) / 1000)).$(((t2 - t1) % 1000 / 100)) s"

# ---- the end figures -----------------------------------------------------------------------
daemon_alive || fail "switchd died"
daemon_answers || fail "switchd does not answer status"
fds1=$(settled_fds)
rss1=$(rss_kb)
say "fds: $fds0 at the start, $fds1 at the end"
say "RSS: $rss0 KiB at the start, $rss1 KiB at the end"
if [ "$fds1" != "$fds0" ]; then
	fd_list >"$T/fds.end"
	diff "$T/fds.start" "$T/fds.end" >&2 || true
	fail "switchd holds $fds1 file descriptors after the churn, $fds0 before"
fi
if grep -q libasan "/proc/$DAEMON_PID/maps"; then
	say "ASan build: RSS not compared (freed memory stays in the quarantine); LeakSanitizer checks at exit"
else
	assert_le $((rss1 - rss0)) "$rss_tol" "RSS growth (KiB) over the churn"
fi

# Every removal logged once; the table holds only live ports, and the long-lived hosts' entries.
# c's one MAC was on its port at every port del.
assert_eq $((cycles + warm)) "$(log_count "port ${P}c removed: deleted by request (1 MAC entries flushed)")" \
	"port del lines for ${P}c with c's MAC flushed"
assert_eq $((cycles + warm)) "$(log_count "port ${P}t removed: deleted by request")" "port del lines for ${P}t"
assert_eq $((recreate + warm)) "$(log_count "port ${P}r removed: interface vanished")" \
	"'interface vanished' lines for ${P}r"
assert_eq "${P}a ${P}b ${P}r" "$(port_names)" "ports at the end"
assert_eq 3 "$(status_field ports)" "port count at the end"
assert_eq "${P}a" "$(mac_port "$mac_a")" "a's MAC at the end"
assert_eq "${P}b" "$(mac_port "$mac_b")" "b's MAC at the end"
mac_absent "$mac_c" || fail "c's MAC still in the table with its port gone"

# The long-lived hosts never stopped talking.
ours "$bg_ping" || fail "the background ping from a to b ended early: $(cat "$T/bg-ping.out")"
kill -INT "$bg_ping"
wait "$bg_ping" || true
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$T/bg-ping.out")
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$T/bg-ping.out")
say "a -> b during the churn: $got of $sent echo requests answered"
assert_ge "$sent" 20 "echo requests a sent during the churn"
assert_ge "$got" $((sent * 99 / 100)) "echo replies a got during the churn"
ping_ok a 10.93.0.2
ping_ok b 10.93.0.4
ping_ok r 10.93.0.1
