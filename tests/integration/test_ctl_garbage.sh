#!/usr/bin/env bash
# Garbage on the control socket changes nothing: malformed headers, bad
# lengths and versions, unknown types, wrong body sizes, idle and half-sent
# clients, connection storms (ctlfuzz.py checks every reply). Afterwards the
# daemon is alive, its ports and MAC table are as before and traffic flows.
. "$(dirname "$0")/lib.sh"

start_daemon
add_host a 10.78.0.1
add_host b 10.78.0.2
add_tap_host t 10.78.0.3
ping_ok a 10.78.0.2
ping_ok a 10.78.0.3

# What must survive: ports (name, type, ifindex, created) and MAC entries (mac, vlan, port).
ports_view() { ports_json | jq -c 'map({name, type, ifindex, created}) | sort_by(.name)'; }
macs_view() { macs_json | jq -c 'map({mac, vlan, port}) | sort_by(.mac, .vlan)'; }
ports_before=$(ports_view)
macs_before=$(macs_view)
assert_eq 3 "$(jq length <<<"$macs_before")" "MAC entries before the garbage"

timeout 120 "$PY" "$HERE/ctlfuzz.py" "$SOCK" "${P}a" "$SWITCHCTL" >"$T/fuzz.out" 2>&1 || {
	cat "$T/fuzz.out" >&2
	fail "ctlfuzz.py found a misbehaviour (above)"
}
say "$(tail -n1 "$T/fuzz.out")"

# A version 2 switchctl's status (16 bytes, shorter than a v3 header, whose first 4 bytes read
# as a length of 393218, not a multiple of 4): answered -EMSGSIZE and hung up on at once, not
# dropped after SWITCHD_CTL_PARTIAL_SEC (5 s) without a word. The socket's 2 s timeout bounds
# the wait; the daemon goes on serving.
timeout 20 "$PY" - "$SOCK" "$HERE" <<'PYEOF' || fail "a v2 status got no prompt -EMSGSIZE (above)"
import errno, socket, struct, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[2])
import swp
s = swp.connect(sys.argv[1], timeout=2.0)
t0 = time.monotonic()
s.sendall(struct.pack("=HHIII", 2, 6, 16, 77, 0))  # v2: version, type status, len, seq, 0
m = swp.recv_msg(s)  # socket.timeout after 2 s: a failure
status, _, text = swp.done(m)
assert m.type == swp.DONE and m.seq == 77, m
assert status == -errno.EMSGSIZE and text == "message length 393218 not a multiple of 4", (status, text)
assert swp.recv_msg(s) is None, "the daemon kept the connection open"
print("# v2 status: %r after %.0f ms, then closed" % (text, 1000 * (time.monotonic() - t0)), file=sys.stderr)
PYEOF
daemon_answers || fail "switchd stopped answering after a v2 status"

# And from the shell: 5000 random bytes, and a connection that sends nothing.
timeout 20 "$PY" - "$SOCK" <<'PYEOF'
import os, socket, sys
for payload in (os.urandom(5000), b""):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sys.argv[1])
    try:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        while s.recv(4096):
            pass
    except OSError:
        pass  # the daemon may hang up first: fine
    s.close()
PYEOF

daemon_alive || fail "switchd died under control-socket garbage"
wait_until 5 "status to answer" daemon_answers
assert_eq "$ports_before" "$(ports_view)" "ports after the garbage"
assert_eq "$macs_before" "$(macs_view)" "MAC table after the garbage"
ping_ok a 10.78.0.2
ping_ok b 10.78.0.3
ping_ok t 10.78.0.1
# The daemon did not take the garbage for port or table changes.
assert_eq 0 "$(log_count "removed")" "port removals logged"
assert_eq 0 "$(log_count "flushed:")" "MAC flushes logged"

