#!/usr/bin/env bash
# Dgram ports (QEMU's -netdev dgram with unix addresses): switchd binds a Unix datagram
# socket and a peer that speaks QEMU's dgram framing (streampeer.py --dgram, a bare
# frame a datagram, relaying to a TAP in a namespace with no offloads) is the port.
# Without a given peer, frames go back to the last named sender: the port waits until
# one sends, and again once its socket is gone (a send refused), with port_up and
# port_down; a peer that comes back is the peer again. Ping and 4 MiB of TCP from a
# veth host (GSO super-frames, segmented by switchd) cross with the right md5 and no
# checksum errors. With peer PATH, frames go there and other senders are dropped.
# port del removes the socket.
. "$(dirname "$0")/lib.sh"

start_daemon
"$SWITCHCTL" -s "$SOCK" -j monitor >"$T/mon" 2>"$T/mon.err" &
BG_PIDS+=("$!")
wait_for 5 "the monitor to subscribe" 'ctl mac flush >/dev/null; grep -q mac_flushed "$T/mon"'
mon_count() { jq -c "select($1)" "$T/mon" | wc -l; }
add_host a 10.76.0.1
D=${P}d
ctl port add "$D" type dgram >/dev/null
DP=$T/ports/$D.sock
assert_eq dgram "$(port_field "$D" type)" "type of $D"
assert_eq waiting "$(port_field "$D" state)" "state of $D before any peer sent"
assert_eq "$DP" "$(port_field "$D" path)" "default socket path of $D"
assert_eq "" "$(port_field "$D" peer_path)" "peer of $D before any peer sent"
[ -S "$DP" ] || fail "no socket at $DP"
assert_eq 660 "$(stat -c %a "$DP")" "mode of the socket"
expect_exit 2 ctl port add "${P}x" type dgram peer relative.sock
expect_exit 2 ctl port add "${P}x" type stream peer /tmp/x.sock
expect_exit 2 ctl port add "${P}x" peer /tmp/x.sock

# peer TAP LOCAL: streampeer.py --dgram LOCAL on the port's socket, its TAP moved into
# namespace $D as eth0 (the same MAC each time, as a VM keeps its own).
PEER_PID=
peer() {
	rm -f "$T/peer.ready"
	"$PY" "$HERE/streampeer.py" "${3:-$DP}" "$P$1" --ready "$T/peer.ready" --dgram "$2" 2>>"$T/peer.log" &
	PEER_PID=$!
	BG_PIDS+=("$PEER_PID")
	wait_until 5 "streampeer to start" test -s "$T/peer.ready"
	ip link set "$P$1" netns "$D"
	ip -n "$D" link set "$P$1" name eth0 address 52:54:00:76:00:02
	config_eth0 "$D" 10.76.0.2
}
new_netns "$D"
peer t1 "$T/vm.sock"
# Its first frame (the stack's own chatter as eth0 comes up, or the ping's ARP) names it.
ping_ok d 10.76.0.1
assert_eq connected "$(port_field "$D" state)" "state of $D once its peer sent"
assert_eq "$T/vm.sock" "$(port_field "$D" peer_path)" "peer of $D: the last sender"
ping_ok a 10.76.0.2
wait_for 5 "a MAC learned on $D" '[ "$(mac_count_on "$D")" -ge 1 ]'

# 4 MiB of TCP from a (offloads on: GSO super-frames) to the dgram peer's namespace.
rxp0=$(port_field "${P}a" rx_packets)
rxb0=$(port_field "${P}a" rx_bytes)
tcp_md5 a d 10.76.0.2 5401 4
rxp=$(($(port_field "${P}a" rx_packets) - rxp0))
rxb=$(($(port_field "${P}a" rx_bytes) - rxb0))
say "TCP a -> $D: switchd got $rxp frames from a, $((rxb / rxp)) bytes each"
[ $((rxb / rxp)) -gt 3000 ] || fail "frames from a averaged $((rxb / rxp)) bytes: no GSO super-frames to segment"
assert_eq 0 "$(port_field "$D" tx_drop_gso)" "tx_drop_gso on $D"
assert_eq 0 "$(port_field "$D" rx_drop_error)" "rx_drop_error on $D"
csum_errs=$(ip netns exec "$D" nstat -az TcpInCsumErrors | awk '$1 == "TcpInCsumErrors" { print $2 }')
assert_eq 0 "${csum_errs:-0}" "TcpInCsumErrors in $D"

# The peer goes (its socket with it): the next frame for it is refused, the port waits,
# its MACs go. The ping's ARP broadcast is that frame.
kill -TERM "$PEER_PID"
wait "$PEER_PID" || true
[ ! -e "$T/vm.sock" ] || fail "streampeer left $T/vm.sock"
in_host a ping -c 1 -W 1 10.76.0.2 >/dev/null 2>&1 || true
wait_until 10 "$D to wait again" port_state_is "$D" waiting
assert_eq 0 "$(mac_count_on "$D")" "MAC entries on $D once its peer is gone"
wait_for 5 "port_down for $D" '[ "$(mon_count ".event == \"port_down\" and .port == \"'"$D"'\"")" -ge 1 ]'

# It comes back (a QEMU started again on the same path): the peer again with its first frame.
peer t2 "$T/vm.sock"
ping_ok d 10.76.0.1
assert_eq connected "$(port_field "$D" state)" "state of $D with its peer back"
ping_ok a 10.76.0.2
assert_ge "$(mon_count ".event == \"port_up\" and .port == \"$D\"")" 2 "port_up events for $D"
kill -TERM "$PEER_PID"
wait "$PEER_PID" || true

# peer PATH: frames go there, and only what comes from there is taken.
ctl port del "$D" >/dev/null
[ ! -e "$DP" ] || fail "socket $DP left after port del"
ctl port add "$D" type dgram path "$T/d.sock" peer "$T/vm.sock" >/dev/null
assert_eq "$T/vm.sock" "$(port_field "$D" peer_path)" "peer given to port add"
assert_eq waiting "$(port_field "$D" state)" "state of $D before its peer is there"
peer t3 "$T/vm.sock" "$T/d.sock"
ping_ok d 10.76.0.1
ping_ok a 10.76.0.2
assert_eq connected "$(port_field "$D" state)" "state of $D with its given peer"
drops0=$(port_field "$D" rx_drop_error)
"$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[2])
frame = bytes.fromhex("ffffffffffff525400760099" "88b5") + b"x" * 50
for _ in range(5):
    s.sendto(frame, sys.argv[1])' "$T/d.sock" "$T/stranger.sock"
rm -f "$T/stranger.sock"
wait_for 5 "5 frames from a stranger dropped" '[ $(($(port_field "$D" rx_drop_error) - drops0)) -eq 5 ]'
assert_eq "$T/vm.sock" "$(port_field "$D" peer_path)" "peer of $D after a stranger sent"
assert_eq "" "$(mac_port 52:54:00:76:00:99)" "a stranger's MAC is not learned"
ping_ok a 10.76.0.2

ctl port del "$D" >/dev/null
[ ! -e "$T/d.sock" ] || fail "socket $T/d.sock left after port del"
