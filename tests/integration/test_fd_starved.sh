#!/usr/bin/env bash
# Out of file descriptors: a daemon limited to 24 descriptors gets 40 control
# connections that are held open, so accept() fails with EMFILE. The listener
# pauses instead of spinning (docs/protocol.md); the ports, whose interfaces
# are all still there, must stay, and once the clients go the daemon answers
# again and still switches.
. "$(dirname "$0")/lib.sh"
command -v prlimit >/dev/null || fail "missing tool: prlimit"

DAEMON_WRAP=(prlimit --nofile=24:24)
start_daemon
add_host a 10.84.0.1
add_host b 10.84.0.2
add_tap_host t 10.84.0.3
ping_ok a 10.84.0.2
ping_ok a 10.84.0.3
ports_before=$(port_names)

# 40 clients connect and hold on for 3 s; the kernel's backlog queues what the daemon
# cannot accept.
timeout 20 "$PY" - "$SOCK" "$T/held" <<'PYEOF' &
import socket, sys, time
held = []
for _ in range(40):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    held.append(s)
open(sys.argv[2], "w").close()
time.sleep(3)
PYEOF
holder=$!
BG_PIDS+=("$holder")
wait_until 10 "40 connections to be open" test -e "$T/held"
wait_until 3 "the daemon to log the EMFILE pause" grep -q "pausing accept" "$LOG"

# It does not spin meanwhile.
before=$(daemon_cpu_ticks)
sleep 2
after=$(daemon_cpu_ticks)
say "out of fds: switchd used $((after - before)) ticks in 2 s"
assert_le $((after - before)) $(($(getconf CLK_TCK) / 10)) "CPU ticks over 2 s while out of fds"
wait "$holder"
wait_until 5 "status to answer once the clients are gone" daemon_answers

# Running out of descriptors is not the interfaces vanishing.
removed=$(grep "removed: interface vanished" "$LOG" || true)
[ -z "$removed" ] || fail "ports removed while out of file descriptors, though their interfaces exist: $removed"
assert_eq "$ports_before" "$(port_names)" "ports after the descriptor shortage"
ping_ok a 10.84.0.2
ping_ok b 10.84.0.3
stop_daemon
assert_eq 0 "$DAEMON_RC" "exit status of the fd-starved daemon"
