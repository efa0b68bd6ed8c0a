#!/usr/bin/env bash
# A MAC table far bigger than one reply may hold (8 MiB): mac show streams it a
# piece at a time. Every entry comes out exactly once, the daemon keeps
# answering other clients during a dump, and a client that asks for the whole
# table and never reads costs the daemon ~100 KiB, not the table's size.
# BIG_MACS sets the table size (default 262144: 12 MiB of records).
. "$(dirname "$0")/lib.sh"

command -v trafgen >/dev/null || fail "missing tool: trafgen (Debian package netsniff-ng)"
max=${BIG_MACS:-262144}
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status"; }

start_daemon --max-macs "$max"
add_host a 10.88.0.1
add_host b 10.88.0.2
ping_ok a 10.88.0.2

# Fill the table with random locally administered sources until it is full.
for round in 1 2 3 4 5 6; do
	in_host a timeout 120 trafgen -o eth0 -P 1 --no-sock-mem -Q -C -n $((max * 2)) \
		'{ 0x02, 0x00, 0x00, 0x00, 0xfe, 0x01, 0x02, drnd(5), c16(0x88b5), fill(0x00, 46) }' \
		>"$T/trafgen.out" 2>&1 || fail "trafgen failed: $(tail -3 "$T/trafgen.out")"
	[ "$(status_field macs)" -ge "$max" ] && break
done
wait_for 10 "port a's receive count to settle" \
	'n1=$(port_field "${P}a" rx_packets); sleep 0.5; test "$n1" = "$(port_field "${P}a" rx_packets)"'
assert_eq "$max" "$(status_field macs)" "table size after the flood"
ping_ok a 10.88.0.2 # b's entry is back if the flood evicted it

# The whole table, each entry once.
t0=$(now_ms)
macs_json >"$T/macs.json" || fail "mac show failed: $(tail -3 "$LOG")"
t1=$(now_ms)
say "mac show of $max entries: $((t1 - t0)) ms, $(stat -c %s "$T/macs.json") bytes of JSON"
assert_eq "$max" "$(jq length "$T/macs.json")" "entries in mac show"
assert_eq "$max" "$(jq -r '[.[] | .mac + "/" + (.vlan|tostring)] | unique | length' "$T/macs.json")" \
	"distinct entries in mac show"
on_a=$(port_field "${P}a" macs)
assert_eq "$on_a" "$(ctl -j mac show port "${P}a" | jq length)" "mac show port ${P}a"

# Clients that ask for the whole table and never read it.
rss0=$(rss_kb)
"$PY" - "$HERE" "$SOCK" 20 >"$T/stuck.out" 2>&1 <<'PYEOF' &
import socket, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import swp
path, n = sys.argv[2], int(sys.argv[3])
conns = []
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(path)
    s.sendall(swp.mac_req(swp.MAC_SHOW, i))  # every port
    conns.append(s)
print("ready", flush=True)
time.sleep(8)
PYEOF
stuck=$!
BG_PIDS+=("$stuck")
wait_for 5 "the stuck clients to connect" 'grep -q ready "$T/stuck.out"'
sleep 1
rss1=$(rss_kb)
# Meanwhile the daemon answers others at once.
t0=$(now_ms)
ctl status >/dev/null || fail "status failed while 20 clients sat on table dumps"
t1=$(now_ms)
say "20 unread dumps of $max entries: RSS $rss0 -> $rss1 KiB; status answered in $((t1 - t0)) ms"
assert_le $((rss1 - rss0)) $((20 * 512)) "RSS growth (KiB) for 20 unread dumps"
assert_le $((t1 - t0)) 2000 "status latency (ms) during the unread dumps"
ping_ok b 10.88.0.1
wait "$stuck" || true
daemon_alive || fail "switchd died"
