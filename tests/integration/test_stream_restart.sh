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
# QEMU's next frame finds it (also checked).
. "$(dirname "$0")/lib.sh"

CYCLES=${STREAM_CRASH_CYCLES:-5}
CONF=$T/switchd.conf
SUP=$T/sup
mkdir "$SUP"
S=${P}s
SP=$T/s.sock
D=${P}d
DP=$T/d.sock
SWITCHD_PIDS=()
kill_orphans() {
	local pid
	for pid in "${SWITCHD_PIDS[@]}"; do
		if running "$pid" && grep -qF -- "$SOCK" "/proc/$pid/cmdline" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null
		fi
	done
}
trap 'rc=$?; trap - ERR; set +eE; kill_orphans; (exit $rc); cleanup' EXIT

new_netns "${P}a"
new_netns "$S"
new_netns "$D"
cat >"$CONF" <<EOF
port add ${P}a netns ${P}a
port add $S type stream path $SP
port add $D type dgram path $DP
EOF

sup_state() { jq -r "$1" "$SUP/state.json" 2>/dev/null; }
sup_pid() { sup_state .pid; }
restarted() {
	local pid
	pid=$(sup_pid)
	[ -n "$pid" ] && [ "$pid" != 0 ] && [ "$pid" != "$1" ] && [ "$(sup_state .ready)" = true ] &&
		daemon_answers
}
store() { sup_state '.store | sort | tojson'; }
"$PY" "$HERE/fdstore.py" --dir "$SUP" --restart-sec 0.1 -- "$SWITCHD" -s "$SOCK" -c "$CONF" 2>>"$LOG" &
SUP_PID=$!
BG_PIDS+=("$SUP_PID")
wait_until 5 "switchd under fdstore.py to answer" restarted 0
SWITCHD_PIDS+=("$(sup_pid)")
config_eth0 "${P}a" 10.78.0.1
assert_eq '["stream-'"$S"'"]' "$(store)" "the store with no peer"

rm -f "$T/peer.ready"
"$PY" "$HERE/streampeer.py" "$SP" "${P}t1" --ready "$T/peer.ready" 2>>"$T/peer.log" &
SPEER=$!
BG_PIDS+=("$SPEER")
wait_until 5 "the stream peer to connect" test -s "$T/peer.ready"
ip link set "${P}t1" netns "$S"
ip -n "$S" link set "${P}t1" name eth0
config_eth0 "$S" 10.78.0.2
wait_until 5 "$S to be connected" port_state_is "$S" connected
assert_eq '["peer-'"$S"'","stream-'"$S"'"]' "$(store)" "the store with a peer"
rm -f "$T/peer.ready"
"$PY" "$HERE/streampeer.py" "$DP" "${P}t2" --ready "$T/peer.ready" --dgram "$T/qemu-d.sock" 2>>"$T/peer.log" &
DPEER=$!
BG_PIDS+=("$DPEER")
wait_until 5 "the dgram peer to start" test -s "$T/peer.ready"
ip link set "${P}t2" netns "$D"
ip -n "$D" link set "${P}t2" name eth0
config_eth0 "$D" 10.78.0.3
ping_ok a 10.78.0.2
ping_ok s 10.78.0.1
ping_ok d 10.78.0.1

for ((i = 1; i <= CYCLES; i++)); do
	old=$(sup_pid)
	kill -KILL "$old"
	wait_until 5 "switchd to be restarted after kill -9 (cycle $i)" restarted "$old"
	SWITCHD_PIDS+=("$(sup_pid)")
	assert_eq connected "$(port_field "$S" state)" "state of $S after restart $i"
	running "$SPEER" || fail "the stream peer's connection ended with switchd (cycle $i)"
	assert_eq '["peer-'"$S"'","stream-'"$S"'"]' "$(store)" "the store after restart $i"
	ping_ok a 10.78.0.2
	ping_ok s 10.78.0.1
	ping_ok d 10.78.0.1
	ping_ok a 10.78.0.3
done
assert_eq "$CYCLES" "$(log_count "peer taken back from the descriptor store")" "peers taken back"
assert_eq "$CYCLES" "$(log_count "adopted from the descriptor store")" "sockets adopted"
assert_eq 1 "$(log_count "port $S: peer connected")" "connections the stream port accepted"

# The peer leaves: out of the store; a new one: back in.
kill -TERM "$SPEER"
wait "$SPEER" || true
wait_until 5 "$S to wait" port_state_is "$S" waiting
wait_until 5 "peer-$S out of the store" sh -c "[ \"\$(jq -r '.store | sort | tojson' '$SUP/state.json')\" = '[\"stream-$S\"]' ]"
"$PY" "$HERE/streampeer.py" "$SP" "${P}t3" --ready "$T/peer2.ready" 2>>"$T/peer.log" &
BG_PIDS+=("$!")
wait_until 5 "a new stream peer to connect" port_state_is "$S" connected
assert_eq '["peer-'"$S"'","stream-'"$S"'"]' "$(store)" "the store with the new peer"

# A clean stop: switchd empties the store and removes the socket.
kill -TERM "$SUP_PID"
wait_until 5 "the supervisor to end with switchd" not_running "$SUP_PID"
wait "$SUP_PID" || fail "fdstore.py exited $? after a clean stop"
assert_eq '[]' "$(sup_state '.exits[-1].store | tojson')" "the store when switchd exited"
[ ! -e "$SP" ] || fail "socket $SP left after a clean stop"
