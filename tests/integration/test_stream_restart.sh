#!/usr/bin/env bash
# A stream port's peer survives switchd's crash (QEMU 7.2 never reconnects): under
# fdstore.py (a service manager with systemd's descriptor store), switchd keeps the
# port's listening socket as stream-NAME and its peer's connection as peer-NAME.
# switchd is killed (-9) CYCLES times (default 5) while a peer (streampeer.py, which
# ends when its connection does) is connected; after each restart the port is
# connected again with no new connection, the peer process is the same, and a
# container and the peer ping each other. A peer that leaves takes peer-NAME out
# of the store; a new one puts it back. A clean stop empties the store and removes
# the socket. Dgram ports need none of it: switchd binds the same path again and
# QEMU's next frame finds it (also checked). A real QEMU guest on a second stream
# port keeps its network through every crash too: the container pings it after
# each restart, over the same connection.
. "$(dirname "$0")/lib.sh"

CYCLES=${STREAM_CRASH_CYCLES:-5}
CONF=$T/switchd.conf
S=${P}s
SP=$T/s.sock
D=${P}d
DP=$T/d.sock
Q=${P}q
QP=$T/q.sock
. "$HERE/supervise.sh"
MB=1
C_IP=10.78.0.1
. "$HERE/guest.sh"
# guest.sh's trap ends the guests first, then supervise.sh's.
trap 'rc=$?; trap - ERR; set +eE; kill_guests; kill_orphans; (exit $rc); cleanup' EXIT

new_netns "${P}a"
new_netns "$S"
new_netns "$D"
cat >"$CONF" <<EOF
port add ${P}a netns ${P}a
port add $S type stream path $SP
port add $D type dgram path $DP
port add $Q type stream path $QP
EOF

start_supervised
config_eth0 "${P}a" 10.78.0.1
assert_eq '["stream-'"$Q"'","stream-'"$S"'"]' "$(sup_store)" "the store with no peer"
MAC_Q=$(guest_mac)
start_guest q - "$MAC_Q" 10.78.0.10 "stream,id=n0,server=off,addr.type=unix,addr.path=$QP"
wait_guest q "$BOOT_SECS" "GUEST-PING-OK " "the guest's ping of the container ($C_IP)"

# peer NS TAP IP SOCKET [--dgram LOCAL]: streampeer.py on SOCKET, its TAP moved into NS as eth0 with IP;
# its PID in PEER_PID.
peer() {
	local ns=$1 tap=$2 ip=$3 sock=$4
	shift 4
	rm -f "$T/peer.ready"
	"$PY" "$HERE/streampeer.py" "$sock" "$tap" --ready "$T/peer.ready" "$@" 2>>"$T/peer.log" &
	PEER_PID=$!
	BG_PIDS+=("$PEER_PID")
	wait_until 5 "streampeer $tap to start" test -s "$T/peer.ready"
	ip link set "$tap" netns "$ns"
	ip -n "$ns" link set "$tap" name eth0
	config_eth0 "$ns" "$ip"
}
peer "$S" "${P}t1" 10.78.0.2 "$SP"
SPEER=$PEER_PID
wait_until 5 "$S to be connected" port_state_is "$S" connected
assert_eq '["peer-'"$Q"'","peer-'"$S"'","stream-'"$Q"'","stream-'"$S"'"]' "$(sup_store)" "the store with a peer"
peer "$D" "${P}t2" 10.78.0.3 "$DP" --dgram "$T/qemu-d.sock"
ping_ok a 10.78.0.2
ping_ok s 10.78.0.1
ping_ok d 10.78.0.1

for ((i = 1; i <= CYCLES; i++)); do
	kill_restart "cycle $i"
	assert_eq connected "$(port_field "$S" state)" "state of $S after restart $i"
	running "$SPEER" || fail "the stream peer's connection ended with switchd (cycle $i)"
	assert_eq '["peer-'"$Q"'","peer-'"$S"'","stream-'"$Q"'","stream-'"$S"'"]' "$(sup_store)" "the store after restart $i"
	ping_ok a 10.78.0.2
	ping_ok s 10.78.0.1
	ping_ok d 10.78.0.1
	ping_ok a 10.78.0.3
	ping_ok a 10.78.0.10
	assert_eq connected "$(port_field "$Q" state)" "state of the guest's port after restart $i"
done
assert_eq "$((2 * CYCLES))" "$(log_count "peer taken back from the descriptor store")" "peers taken back"
assert_eq "$((2 * CYCLES))" "$(log_count "adopted from the descriptor store")" "sockets adopted"
assert_eq 1 "$(log_count "port $S: peer connected")" "connections the stream port accepted"
assert_eq 1 "$(log_count "port $Q: peer connected")" "connections the guest's port accepted"

# The peer leaves: out of the store; a new one: back in.
kill -TERM "$SPEER"
wait "$SPEER" || true
wait_until 5 "$S to wait" port_state_is "$S" waiting
store_is() { [ "$(sup_store)" = "$1" ]; }
wait_until 5 "peer-$S out of the store" store_is '["peer-'"$Q"'","stream-'"$Q"'","stream-'"$S"'"]'
"$PY" "$HERE/streampeer.py" "$SP" "${P}t3" --ready "$T/peer2.ready" 2>>"$T/peer.log" &
BG_PIDS+=("$!")
wait_until 5 "a new stream peer to connect" port_state_is "$S" connected
assert_eq '["peer-'"$Q"'","peer-'"$S"'","stream-'"$Q"'","stream-'"$S"'"]' "$(sup_store)" "the store with the new peer"

# A clean stop: switchd empties the store and removes the socket.
kill -TERM "$SUP_PID"
wait_until 5 "the supervisor to end with switchd" not_running "$SUP_PID"
wait "$SUP_PID" || fail "fdstore.py exited $? after a clean stop"
assert_eq '[]' "$(sup_state '.exits[-1].store | tojson')" "the store when switchd exited"
[ ! -e "$SP" ] || fail "socket $SP left after a clean stop"
