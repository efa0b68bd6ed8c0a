#!/usr/bin/env bash
# Stream ports (QEMU's -netdev stream): switchd listens on a Unix socket and a peer
# that speaks QEMU's framing (streampeer.py, relaying to a TAP in a namespace, with
# no offloads: its stack sees plain frames) is the port. Ping and a TCP transfer
# from a veth host (GSO super-frames, segmented by switchd) cross; a second peer is
# refused; a bad length or a peer stalled mid-frame drops the peer and the port
# takes the next; UDP GSO is cut into datagrams; the monitor sees port_up and port_down
# for each peer; port del and switchd's stop remove the socket.
. "$(dirname "$0")/lib.sh"

start_daemon
"$SWITCHCTL" -s "$SOCK" -j monitor >"$T/mon" 2>"$T/mon.err" &
BG_PIDS+=("$!")
# Subscribed once it prints the flush a marker makes.
wait_for 5 "the monitor to subscribe" 'ctl mac flush >/dev/null; grep -q mac_flushed "$T/mon"'
# mon_count JQ_FILTER: how many of the monitor's events match.
mon_count() { jq -c "select($1)" "$T/mon" | wc -l; }
add_host a 10.75.0.1
S=${P}s
ctl port add "$S" type stream >/dev/null
SP=$T/ports/$S.sock
assert_eq stream "$(port_field "$S" type)" "type of $S"
assert_eq waiting "$(port_field "$S" state)" "state of $S with no peer"
assert_eq 0 "$(port_field "$S" ifindex)" "ifindex of $S"
assert_eq "$SP" "$(port_field "$S" path)" "default socket path of $S"
[ -S "$SP" ] || fail "no socket at $SP"
assert_eq 750 "$(stat -c %a "$T/ports")" "mode of the ports directory"
assert_eq 660 "$(stat -c %a "$SP")" "mode of the socket"
expect_exit 2 ctl port add "${P}x" type stream path relative.sock
expect_exit 2 ctl port add "${P}x" type tap path /tmp/x.sock

# peer TAP: streampeer.py on the port's socket, its TAP moved into namespace $S as eth0.
PEER_PID=
peer() {
	rm -f "$T/peer.ready"
	"$PY" "$HERE/streampeer.py" "$SP" "$P$1" --ready "$T/peer.ready" 2>>"$T/peer.log" &
	PEER_PID=$!
	BG_PIDS+=("$PEER_PID")
	wait_until 5 "streampeer to connect" test -s "$T/peer.ready"
	wait_until 5 "$S to be connected" port_state_is "$S" connected
	ip link set "$P$1" netns "$S"
	# One MAC, as a VM keeps its own across reconnects (a's ARP entry stays right).
	ip -n "$S" link set "$P$1" name eth0 address 52:54:00:75:00:02
	config_eth0 "$S" 10.75.0.2
}
new_netns "$S"
peer t1
ping_ok a 10.75.0.2
ping_ok s 10.75.0.1
wait_for 5 "a MAC learned on $S" '[ "$(mac_count_on "$S")" -ge 1 ]'

# 4 MiB of TCP from a (offloads on: GSO super-frames) to the stream peer's namespace.
rxp0=$(port_field "${P}a" rx_packets)
rxb0=$(port_field "${P}a" rx_bytes)
tcp_md5 a s 10.75.0.2 5400 4
rxp=$(($(port_field "${P}a" rx_packets) - rxp0))
rxb=$(($(port_field "${P}a" rx_bytes) - rxb0))
say "TCP a -> $S: switchd got $rxp frames from a, $((rxb / rxp)) bytes each"
[ $((rxb / rxp)) -gt 3000 ] || fail "frames from a averaged $((rxb / rxp)) bytes: no GSO super-frames to segment"
assert_eq 0 "$(port_field "$S" tx_drop_gso)" "tx_drop_gso on $S"
assert_eq 0 "$(port_field "$S" rx_drop_error)" "rx_drop_error on $S"
# The segments switchd made checksum right: the receiving stack counted no bad one.
csum_errs=$(ip netns exec "$S" nstat -az TcpInCsumErrors | awk '$1 == "TcpInCsumErrors" { print $2 }')
assert_eq 0 "${csum_errs:-0}" "TcpInCsumErrors in $S"

# UDP GSO (UDP_SEGMENT): a super-frame of 10 datagrams, cut into its datagrams for the peer.
in_host s timeout 20 "$PY" - "$T/udp" "$T/udp.ready" <<'PYEOF' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.75.0.2", 9999))
s.settimeout(3)
open(sys.argv[2], "w").close()
sizes = []
try:
    while len(sizes) < 10:
        sizes.append(len(s.recv(65535)))
except socket.timeout:
    pass
open(sys.argv[1], "w").write("%d %d\n" % (len(sizes), sum(sizes)))
PYEOF
UDP=$!
BG_PIDS+=("$UDP")
wait_until 10 "UDP receiver in $S" test -e "$T/udp.ready"
rxp0=$(port_field "${P}a" rx_packets)
in_host a timeout 10 "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_UDP, 103, 1000)  # UDP_SEGMENT: 1000-byte datagrams
s.sendto(b"u" * 10000, ("10.75.0.2", 9999))'
wait "$UDP" || true
assert_eq "10 10000" "$(cat "$T/udp")" "UDP datagrams and bytes received behind $S"
assert_le $(($(port_field "${P}a" rx_packets) - rxp0)) 3 "frames switchd got from a for one UDP super-frame of 10 datagrams"
assert_eq 0 "$(port_field "$S" tx_drop_gso)" "tx_drop_gso on $S"
udp_errs=$(ip netns exec "$S" nstat -az UdpInCsumErrors | awk '$1 == "UdpInCsumErrors" { print $2 }')
assert_eq 0 "${udp_errs:-0}" "UdpInCsumErrors in $S"

# A second peer while one is connected: refused (closed), logged; the first carries on.
"$PY" - "$SP" <<'PYEOF' || fail "second peer was not refused"
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(5)
sys.exit(0 if s.recv(1) == b"" else 1)
PYEOF
wait_for 5 "the refusal in the log" '[ "$(log_count "refused a second peer")" -ge 1 ]'
assert_eq connected "$(port_field "$S" state)" "state of $S after a refused peer"
ping_ok a 10.75.0.2

# The peer leaves: the port waits, its MACs are flushed.
stop_pid "$PEER_PID" 2
wait_until 5 "$S to wait again" port_state_is "$S" waiting
assert_eq 0 "$(mac_count_on "$S")" "MAC entries on $S once its peer left"

# bad_peer BYTES_HEX: a peer that sends these bytes and then waits; switchd must drop it.
bad_peer() {
	"$PY" - "$SP" "$1" <<'PYEOF' || fail "switchd did not drop a peer that sent $1"
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(bytes.fromhex(sys.argv[2]))
s.settimeout(10)
try:
    sys.exit(0 if s.recv(1 << 16) == b"" else 1)
except ConnectionResetError:
    sys.exit(0)
PYEOF
}
drops0=$(log_count "peer gone")
bad_peer 00000000                 # length 0
bad_peer 00010000                 # 65536: over the largest frame
bad_peer "0000003c$(rand_hex 10)" # 60 bytes announced, 10 sent, then silence
wait_for 5 "three peer drops logged" '[ "$(log_count "peer gone")" -ge $((drops0 + 3)) ]'
assert_ge "$(log_count "frame length")" 2 "bad lengths logged"
assert_ge "$(log_count "stalled mid-frame")" 1 "the stalled peer logged"
assert_eq waiting "$(port_field "$S" state)" "state of $S after bad peers"

# A burst of small frames in one write, more than switchd reads a port per wakeup: all of
# them arrive, though the socket has nothing more to say once switchd has read them in.
rx0=$(port_field "$S" rx_packets)
"$PY" - "$SP" "$T/burst.go" <<'PYEOF' &
import os, socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
f = b"\xff" * 6 + bytes.fromhex("525400750099") + b"\x08\x06" + bytes(46)
s.sendall((struct.pack(">I", len(f)) + f) * 1000)
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[2] + ".done"):
    time.sleep(0.05)
PYEOF
BURST=$!
BG_PIDS+=("$BURST")
wait_until 5 "the burst to be sent" test -e "$T/burst.go"
wait_for 5 "1000 frames received on $S" '[ $(($(port_field "$S" rx_packets) - rx0)) -eq 1000 ]'
touch "$T/burst.go.done"
wait "$BURST" || true
wait_until 5 "$S to wait again" port_state_is "$S" waiting

# A peer that never reads: frames to it are dropped as busy once its socket is full, and
# nothing else waits for it (status answers, a and the next peer are unaffected).
"$PY" - "$SP" "$T/deaf.go" <<'PYEOF' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[2] + ".done"):
    time.sleep(0.05)
PYEOF
DEAF=$!
BG_PIDS+=("$DEAF")
wait_until 5 "the deaf peer to connect" test -e "$T/deaf.go"
wait_until 5 "$S to be connected" port_state_is "$S" connected
busy0=$(port_field "$S" tx_drop_busy)
ctl set storm-broadcast 0 >/dev/null # no limit: every broadcast is flooded
# Broadcast floods to every port: 12000 frames of 1400 bytes (more than its socket buffer) from a reach $S too.
in_host a timeout 20 "$PY" -c '
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
src = open("/sys/class/net/eth0/address").read().strip().replace(":", "")
f = b"\xff" * 6 + bytes.fromhex(src) + b"\x88\xb5" + bytes(1386)
for _ in range(12000):
    s.send(f)'
wait_for 5 "tx_drop_busy on the deaf $S" '[ "$(port_field "$S" tx_drop_busy)" -gt "$busy0" ]'
daemon_answers || fail "switchd stopped answering with a deaf peer"
touch "$T/deaf.go.done"
wait "$DEAF" || true
wait_until 5 "$S to wait again" port_state_is "$S" waiting

# 100 peers that connect and go: no descriptor leaks. (One that comes before switchd has seen
# the last one's end is refused as a second peer.)
fds0=$(ls "/proc/$DAEMON_PID/fd" | wc -l)
ends0=$(($(log_count "peer gone") + $(log_count "refused a second peer")))
"$PY" - "$SP" <<'PYEOF'
import socket, sys
for _ in range(100):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    s.close()
PYEOF
wait_for 5 "the last of 100 peers to be gone" \
	'[ $(($(log_count "peer gone") + $(log_count "refused a second peer"))) -ge $((ends0 + 100)) ] && port_state_is "$S" waiting'
assert_eq "$fds0" "$(ls "/proc/$DAEMON_PID/fd" | wc -l)" "switchd's descriptors after 100 peers came and went"

# And then a good peer again.
peer t2
ping_ok a 10.75.0.2

# Each peer that came is a port_up, each that went a port_down; its MACs went as mac_flushed.
ups=$(log_count "peer connected")
assert_ge "$ups" 6 "peers connected"
wait_for 5 "$ups port_up events for $S" '[ "$(mon_count ".event == \"port_up\" and .port == \"$S\"")" -eq "$ups" ]'
assert_eq $((ups - 1)) "$(mon_count ".event == \"port_down\" and .port == \"$S\"")" "port_down events for $S"
assert_ge "$(mon_count ".event == \"mac_flushed\" and .port == \"$S\" and .reason == \"peer gone\"")" 1 \
	"mac_flushed events for $S's peer leaving"

# owner and mode: the socket is the user's to connect to, and only theirs.
chmod 711 "$T" # the user may pass through to the socket, not list what else is here
ctl port add "${P}o" type stream path "$T/o.sock" owner nobody:nogroup mode 0600 >/dev/null
assert_eq "nobody:nogroup 600" "$(stat -c '%U:%G %a' "$T/o.sock")" "owner and mode of the socket"
assert_eq "$(id -u nobody) $(getent group nogroup | cut -d: -f3) 0600" \
	"$(ctl -j port show "${P}o" | jq -r '.[0] | "\(.owner) \(.group) \(.mode)"')" "port show -j owner group mode"
connect_as() { # USER: connects to o.sock as USER and holds it open until the port says connected
	setpriv --reuid="$1" --regid="$(id -g "$1")" --clear-groups "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
except PermissionError:
    sys.exit(13)
time.sleep(30)' "$T/o.sock" &
	CONN_PID=$!
}
connect_as nobody
wait_until 10 "nobody's peer to connect" port_state_is "${P}o" connected
kill "$CONN_PID"; wait "$CONN_PID" 2>/dev/null || true
wait_until 10 "the port to wait again" port_state_is "${P}o" waiting
connect_as daemon
rc=0; wait "$CONN_PID" || rc=$?
assert_eq 13 "$rc" "another user's connect is refused (EACCES)"
assert_eq waiting "$(port_field "${P}o" state)" "state after a refused user"
expect_exit 2 ctl port add "${P}x" type stream owner no-such-user-here
expect_exit 2 ctl port add "${P}x" type stream mode 0999
expect_exit 2 ctl port add "${P}x" type tap owner nobody
ctl port del "${P}o" >/dev/null

# port del removes the socket; switchd's stop removes another port's.
ctl port del "$S" >/dev/null
[ ! -e "$SP" ] || fail "socket $SP left after port del"
ctl port add "${P}q" type stream path "$T/q.sock" >/dev/null
assert_eq "$T/q.sock" "$(port_field "${P}q" path)" "path given to port add"
[ -S "$T/q.sock" ] || fail "no socket at $T/q.sock"
stop_daemon
[ ! -e "$T/q.sock" ] || fail "socket $T/q.sock left after switchd stopped"
