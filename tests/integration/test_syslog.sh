#!/usr/bin/env bash
# Where switchd's log goes. --syslog: glibc's syslog(3) writes to /dev/log, so switchd runs
# in a private mount namespace whose /dev is a tmpfs holding what it needs plus a /dev/log
# served by a small listener in that namespace; the lines must arrive with facility daemon,
# the right priority for each level and the tag "switchd[PID]:", and none on stderr.
# Then stderr under systemd: with $JOURNAL_STREAM naming stderr each line starts with its
# priority ("<6>"), with it naming another file (or garbage) the lines stay plain.
. "$(dirname "$0")/lib.sh"
command -v unshare >/dev/null && command -v nsenter >/dev/null || fail "missing tool: unshare/nsenter (util-linux)"

# clients N [PAUSE N2]: holds N control connections, then after PAUSE seconds opens N2 more,
# then lets all go. 64 held and one more make switchd evict one (a debug line, with -v).
# A warning comes from a $NOTIFY_SOCKET nobody listens on (readiness cannot be told).
clients() {
	timeout 20 "$PY" - "$SOCK" "$@" <<'PYEOF'
import socket, sys, time
path, n = sys.argv[1], int(sys.argv[2])
pause, n2 = (float(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 3 else (0, 0)
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s
held = [conn() for _ in range(n)]
time.sleep(pause)
held += [conn() for _ in range(n2)]
time.sleep(0.5)
PYEOF
}

# ---- 1. --syslog ------------------------------------------------------------------------------
# The namespace: /dev is a fresh tmpfs with null, urandom and net/tun bound back from the real one.
mkdir "$T/olddev"
unshare -m --propagation private bash -c '
	set -e
	mount --bind /dev "$1/olddev"
	mount -t tmpfs -o mode=755,size=1m tmpfs /dev
	for f in null zero urandom random; do touch /dev/$f; mount --bind "$1/olddev/$f" /dev/$f; done
	mkdir /dev/net; touch /dev/net/tun; mount --bind "$1/olddev/net/tun" /dev/net/tun
	umount -l "$1/olddev"
	touch "$1/ns.ready"
	exec sleep 600' ns "$T" &
holder=$!
BG_PIDS+=("$holder")
wait_until 5 "the mount namespace to be set up" test -e "$T/ns.ready"
inns() { nsenter -t "$holder" -m "$@"; }
inns test ! -e /dev/log || fail "premise: /dev/log exists in the private /dev"
[ ! -e /dev/log ] || say "(the host has a /dev/log; the test does not touch it)"

# The syslog listener: one datagram a line (newlines escaped) into $T/syslog. Not through
# inns: $! must be the listener itself (nsenter execs it), not a subshell.
nsenter -t "$holder" -m "$PY" -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
open(sys.argv[2], "w").close()
with open(sys.argv[1], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536).replace(b"\n", b"\\n") + b"\n")
' "$T/syslog" "$T/syslog.ready" &
BG_PIDS+=("$!")
wait_until 5 "the syslog listener" test -e "$T/syslog.ready"

DAEMON_WRAP=(nsenter -t "$holder" -m env NOTIFY_SOCKET="$T/nobody.sock")
start_daemon --syslog -v
pid=$DAEMON_PID
add_host a 10.93.0.1
add_tap_host t 10.93.0.2 # /dev/net/tun in the private /dev
ping_ok a 10.93.0.2
clients 64 0.2 1 # a debug line: one evicted
# An error: a second daemon on the same socket, in the same namespace, fails to start.
expect_exit 1 nsenter -t "$holder" -m "$SWITCHD" --syslog -s "$SOCK"
wait_for 3 "the second daemon's error in syslog" 'grep -q "another switchd is already listening on $SOCK" "$T/syslog"'
wait_for 3 "the eviction debug line in syslog" 'grep -q "dropping a client without progress" "$T/syslog"'
stop_daemon
assert_eq 0 "$DAEMON_RC" "switchd --syslog exit status"

say "$(wc -l <"$T/syslog") syslog lines, e.g.: $(grep -m1 'port .*a added' "$T/syslog")"
# Every line: <PRI>TIMESTAMP switchd[PID]: MESSAGE, facility daemon (3).
bad=$(grep -vE '^<[0-9]+>[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} switchd\[[0-9]+\]: .+$' "$T/syslog" || true)
assert_eq "" "$bad" "syslog lines not in the format <PRI>TIMESTAMP switchd[PID]: MESSAGE"
facilities=$(sed -E 's/^<([0-9]+)>.*/\1/' "$T/syslog" | while read -r pri; do echo $((pri >> 3)); done | sort -u)
assert_eq 3 "$facilities" "syslog facilities (3 = daemon)"
# The right priority per line, and the right PID.
pri_of() { # MESSAGE_SUBSTRING: the PRI of the first line with it
	grep -F -m1 -- "$1" "$T/syslog" | sed -E 's/^<([0-9]+)>.*/\1/'
}
assert_eq 30 "$(pri_of "switchd[$pid]: switchd 0.1.0 listening on $SOCK")" "PRI of the start-up line (daemon.info)"
assert_eq 30 "$(pri_of "switchd[$pid]: port ${P}a added")" "PRI of port added (daemon.info)"
assert_eq 30 "$(pri_of "switchd[$pid]: control: port add ${P}a from uid 0 pid")" "PRI of the control log line"
assert_eq 28 "$(pri_of "switchd[$pid]: NOTIFY_SOCKET $T/nobody.sock")" "PRI of the readiness warning (daemon.warning)"
assert_eq 31 "$(pri_of "switchd[$pid]: ctl_evict_one: $SOCK: full; dropping a client")" "PRI of an eviction (daemon.debug)"
assert_eq 27 "$(pri_of "another switchd is already listening on $SOCK")" "PRI of the second daemon's error (daemon.err)"
assert_ne "switchd[$pid]:" "$(grep -F 'another switchd' "$T/syslog" | grep -o 'switchd\[[0-9]*\]:')" "PID of the second daemon's line"
assert_eq 30 "$(pri_of "switchd[$pid]: stopped")" "PRI of the last line"
# With --syslog nothing goes to stderr (the log holds only the test's own header lines).
assert_eq "" "$(grep -v '^====' "$LOG" || true)" "switchd's stderr with --syslog"

# ---- 2. stderr and JOURNAL_STREAM ---------------------------------------------------------------
DAEMON_WRAP=(env JOURNAL_STREAM="$(stat -c %d:%i "$LOG")" NOTIFY_SOCKET="$T/nobody.sock")
start_daemon
ctl port add "${P}a" >/dev/null
stop_daemon
journal=$(awk '/^====/ { n++; next } n == 2' "$LOG")
say "journal-stream lines, e.g.: $(head -1 <<<"$journal")"
bad=$(grep -vE '^<[3467]>(error|warning|info|debug): ' <<<"$journal" || true)
assert_eq "" "$bad" "lines without a <N> priority prefix with JOURNAL_STREAM naming stderr"
grep -qxF "<6>info: port ${P}a added: afpacket, ifindex $(cat "/sys/class/net/${P}a/ifindex")" <<<"$journal" ||
	fail "journal line of port add: $journal"
grep -qE "^<4>warning: NOTIFY_SOCKET $T/nobody.sock: " <<<"$journal" || fail "journal warning line: $journal"

# JOURNAL_STREAM naming another file (stderr is not the journal), or garbage: plain lines.
for js in "$(stat -c %d:%i /dev/null)" "$(stat -c %d "$LOG"):1" "garbage" ""; do
	DAEMON_WRAP=(env JOURNAL_STREAM="$js")
	before=$(wc -l <"$LOG")
	start_daemon
	stop_daemon
	lines=$(tail -n +"$((before + 2))" "$LOG")
	bad=$(grep -vE '^switchd: (error|warning|info|debug): ' <<<"$lines" || true)
	assert_eq "" "$bad" "lines with JOURNAL_STREAM='$js'"
	assert_contains "$lines" "switchd: info: switchd 0.1.0 listening on $SOCK" "start-up line with JOURNAL_STREAM='$js'"
done
