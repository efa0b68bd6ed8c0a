#!/usr/bin/env bash
# switchctl monitor: every kind of event with its exact fields (JSON lines and text), two
# monitors seeing the same events, the counts agreeing with status, exit 1 when switchd
# stops and 0 on SIGINT, the 16-monitor limit, and a monitor that stops reading during a
# MAC flood: switchd keeps at most its bound for it, then tells it how many events it lost
# and goes on delivering.
. "$(dirname "$0")/lib.sh"
command -v trafgen >/dev/null || fail "missing tool: trafgen (Debian package netsniff-ng)"

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status"; }

# monitor_start NAME [-j]: a switchctl monitor in the background, output in $T/mon.NAME.
declare -A MON=()
monitor_start() {
	local name=$1
	shift
	"$SWITCHCTL" -s "$SOCK" "$@" monitor >"$T/mon.$name" 2>"$T/mon.$name.err" &
	MON[$name]=$!
	BG_PIDS+=("$!")
}
# monitor_exit NAME: waits (bounded) for the monitor to end; sets MON_RC.
monitor_exit() {
	local pid=${MON[$1]}
	wait_until 5 "monitor $1 to exit" not_running "$pid"
	MON_RC=0
	wait "$pid" || MON_RC=$?
}
# sync_monitors NAME...: a marker event that each monitor must print: everything that happened
# before it was delivered. The marker is a flush of port ${P}mk, which never has MACs.
flushes() { grep -c "mac_flushed.*${P}mk" "$T/mon.$1" || true; }
sync_monitors() {
	local name
	local -A before=()
	for name in "$@"; do before[$name]=$(flushes "$name"); done
	ctl mac flush port "${P}mk" >/dev/null
	for name in "$@"; do
		wait_for 5 "monitor $name to print a flush marker" \
			'test "$(flushes '"$name"')" -gt '"${before[$name]}"
	done
}
# events NAME JQ_FILTER: the JSON events of monitor NAME that match, compact, one a line.
events() { jq -c "select($2)" "$T/mon.$1"; }
# wait_event NAME JQ_FILTER: waits until monitor NAME printed a matching event.
wait_event() {
	wait_for 5 "monitor $1 to print an event with $2" \
		'[ -n "$(events '"$1"' '"'$2'"')" ]'
}

# ---- 1. every event, its fields, two monitors -------------------------------------------------
start_daemon --flap-hold 2 --max-macs 8
monitor_start j -j
monitor_start t
# Each monitor prints the marker only once it is subscribed: retry the marker until both have.
wait_for 5 "both monitors to subscribe" \
	'ctl mac flush >/dev/null; grep -q mac_flushed "$T/mon.j" && grep -q mac_flushed "$T/mon.t"'

ip link add "${P}mk" type veth peer name "${P}mk2"
ctl port add "${P}mk" >/dev/null
add_host a 10.91.0.1
add_host b 10.91.0.2
wait_event j '.event == "port_added" and .port == "'"${P}b"'"'
# port add brings the link up; wait for its carrier to settle before the down/up below.
for h in a b; do
	wait_for 3 "port $P$h to be up" 'port_state_is "${P}'$h'" up'
done
sleep 0.5
ev=$(events j '.event == "port_added" and .port == "'"${P}a"'"')
jq -e 'keys == ["event", "port", "time"]' <<<"$ev" >/dev/null || fail "port_added fields: $ev"
jq -e '.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")' <<<"$ev" \
	>/dev/null || fail "event time format: $ev"
# The time is now (UTC), give or take the test's pace.
ev_s=$(date -u -d "$(jq -r .time <<<"$ev" | sed 's/T/ /; s/Z$//')" +%s)
assert_le $(($(date +%s) - ev_s)) 10 "age (s) of the port_added event's time"
assert_le $((ev_s - $(date +%s))) 1 "port_added time ahead of now (s)"

# Link down and up on the host's side: the switch's end loses its carrier.
sync_monitors j
downs=$(events j '.event == "port_down" and .port == "'"${P}a"'"' | wc -l)
ups=$(events j '.event == "port_up" and .port == "'"${P}a"'"' | wc -l)
ip -n "${P}a" link set eth0 down
wait_for 5 "a port_down event for ${P}a" \
	'test "$(events j '"'"'.event == "port_down" and .port == "'"${P}a"'"'"'"' | wc -l)" -gt '"$downs"
assert_eq down "$(port_field "${P}a" state)" "state of ${P}a with the host's end down"
ip -n "${P}a" link set eth0 up
wait_for 5 "a port_up event for ${P}a" \
	'test "$(events j '"'"'.event == "port_up" and .port == "'"${P}a"'"'"'"' | wc -l)" -gt '"$ups"
assert_eq up "$(port_field "${P}a" state)" "state of ${P}a with the host's end up again"
jq -e 'keys == ["event", "port", "time"]' <<<"$(events j '.event == "port_up"' | head -1)" \
	>/dev/null || fail "port_up fields"

# Learned (untagged and VLAN 100), then moved.
m1=02:aa:00:00:00:01
m2=02:aa:00:00:00:02
send_frames a "$(frame ff:ff:ff:ff:ff:ff $m1 88b5 "$(rand_hex 46)")"
send_frames b "$(frame ff:ff:ff:ff:ff:ff $m2 8100 "006488b5$(rand_hex 46)")"
wait_event j '.event == "mac_learned" and .mac == "'$m2'"'
ev=$(events j '.event == "mac_learned" and .mac == "'$m1'"')
assert_eq '{"event":"mac_learned","mac":"'$m1'","vlan":0,"port":"'"${P}a"'"}' \
	"$(jq -c 'del(.time)' <<<"$ev")" "mac_learned event"
assert_eq '{"event":"mac_learned","mac":"'$m2'","vlan":100,"port":"'"${P}b"'"}' \
	"$(events j '.event == "mac_learned" and .mac == "'$m2'"' | jq -c 'del(.time)')" \
	"mac_learned event on VLAN 100"
send_frames b "$(frame ff:ff:ff:ff:ff:ff $m1 88b5 "$(rand_hex 46)")"
wait_event j '.event == "mac_moved"'
assert_eq '{"event":"mac_moved","mac":"'$m1'","vlan":0,"port":"'"${P}b"'","old_port":"'"${P}a"'"}' \
	"$(events j '.event == "mac_moved"' | jq -c 'del(.time)')" "mac_moved event"

# Evicted: 10 more sources from a into a table of 8.
frames=()
for i in $(seq 10 19); do
	frames+=("$(frame ff:ff:ff:ff:ff:ff 02:aa:00:00:00:$i 88b5 "$(rand_hex 46)")")
done
send_frames a "${frames[@]}"
sync_monitors j
evicted=$(events j '.event == "mac_evicted"' | wc -l)
assert_ge "$evicted" 4 "mac_evicted events after 12 sources into a table of 8"
assert_eq "$(status_field mac_evicted)" "$evicted" "mac_evicted events against status"
ev=$(events j '.event == "mac_evicted"' | head -1)
jq -e 'keys == ["event", "mac", "port", "time", "vlan"] and (.mac | startswith("02:aa:00:00:00:"))' \
	<<<"$ev" >/dev/null || fail "mac_evicted event: $ev"

# Flushed: one port's entries, then the whole table (no port field).
n=$(port_field "${P}a" macs)
assert_ge "$n" 1 "MACs on ${P}a before its flush"
expect_exit 0 ctl -j mac flush port "${P}a"
assert_eq "{\"flushed\":$n}" "$(jq -c . <<<"$OUT")" "mac flush port reply"
wait_event j '.event == "mac_flushed" and .port == "'"${P}a"'"'
assert_eq '{"event":"mac_flushed","port":"'"${P}a"'","reason":"by request","flushed":'"$n"'}' \
	"$(events j '.event == "mac_flushed" and .port == "'"${P}a"'"' | jq -c 'del(.time)')" \
	"mac_flushed event of one port"
expect_exit 0 ctl -j mac flush
n=$(jq .flushed <<<"$OUT")
assert_ge "$n" 1 "entries of the whole-table flush"
wait_event j '.event == "mac_flushed" and (has("port") | not)'
assert_eq '{"event":"mac_flushed","reason":"by request","flushed":'"$n"'}' \
	"$(events j '.event == "mac_flushed" and (has("port") | not)' | tail -1 | jq -c 'del(.time)')" \
	"whole-table mac_flushed event"

# Removed: with 3 MAC entries, which the event counts.
send_frames b "$(frame ff:ff:ff:ff:ff:ff 02:bb:00:00:00:01 88b5 00)" \
	"$(frame ff:ff:ff:ff:ff:ff 02:bb:00:00:00:02 88b5 00)" "$(frame ff:ff:ff:ff:ff:ff 02:bb:00:00:00:03 88b5 00)"
wait_for 3 "3 MACs on ${P}b" 'test "$(port_field "${P}b" macs)" = 3'
ctl port del "${P}b"
wait_event j '.event == "port_removed"'
assert_eq '{"event":"port_removed","port":"'"${P}b"'","reason":"deleted by request","flushed":3}' \
	"$(events j '.event == "port_removed"' | jq -c 'del(.time)')" "port_removed event"

# Blocked and unblocked: a loop (both ends of a veth pair), as in test_loop.sh.
ip link add "${P}l1" type veth peer name "${P}l2"
for l in l1 l2; do sysctl -qw "net.ipv6.conf.$P$l.disable_ipv6=1"; done
ctl port add "${P}l1" >/dev/null
ctl port add "${P}l2" >/dev/null
send_frames a "$(frame ff:ff:ff:ff:ff:ff "$(host_mac a)" 88b5 "$(rand_hex 16)")"
wait_event j '.event == "port_blocked"'
ev=$(events j '.event == "port_blocked"' | head -1)
assert_eq '{"event":"port_blocked","seconds":2}' "$(jq -c 'del(.time, .port)' <<<"$ev")" "port_blocked event"
blocked=$(jq -r .port <<<"$ev")
case $blocked in "${P}l1") other=${P}l2 ;; "${P}l2") other=${P}l1 ;; *) fail "blocked port $blocked is not a loop end" ;; esac
# Removing the other end ends the loop: the blocked one forwards again after its hold.
ctl port del "$other" >/dev/null
wait_event j '.event == "port_unblocked" and .port == "'"$blocked"'"'
say "loop: $blocked blocked and unblocked; $(events j '.event == "port_blocked"' | wc -l) port_blocked events"

# The text monitor printed the same events, one a line, in the same order.
sync_monitors j t
# (From the first port_added: the two subscribed a few markers apart.)
assert_eq "$(jq -r .event "$T/mon.j" | sed -n '/^port_added$/,$p')" \
	"$(awk '{ print $2 }' "$T/mon.t" | sed -n '/^port_added$/,$p')" "event sequence, text against JSON"
grep -qE "^[0-9T:.-]+Z mac_moved $m1 vlan 0 port ${P}b from ${P}a\$" "$T/mon.t" ||
	fail "text mac_moved line: $(grep mac_moved "$T/mon.t")"
grep -qE "^[0-9T:.-]+Z port_removed ${P}b \(deleted by request; 3 MAC entries flushed\)\$" "$T/mon.t" ||
	fail "text port_removed line: $(grep port_removed "$T/mon.t")"
grep -qE "^[0-9T:.-]+Z port_blocked $blocked for 2 s \(MAC flapping\)\$" "$T/mon.t" ||
	fail "text port_blocked line: $(grep port_blocked "$T/mon.t")"
grep -qE "^[0-9T:.-]+Z mac_learned $m2 vlan 100 port ${P}b\$" "$T/mon.t" ||
	fail "text mac_learned line: $(grep mac_learned "$T/mon.t")"

# The MAC events agree with the table's statistics: none missed, none invented.
for k in learned moved evicted; do
	assert_eq "$(status_field mac_$k)" "$(events j '.event == "mac_'$k'"' | wc -l)" "mac_$k events against status"
done
say "phase 1: $(wc -l <"$T/mon.j") events: $(jq -r .event "$T/mon.j" | sort | uniq -c | awk '{ printf "%s %s, ", $2, $1 }')"

# switchd stops: both monitors exit 1 with one clear line.
stop_daemon
for m in j t; do
	monitor_exit $m
	assert_eq 1 "$MON_RC" "exit status of monitor $m when switchd stopped"
	assert_eq "switchctl: monitor: switchd closed the connection" "$(cat "$T/mon.$m.err")" "stderr of monitor $m"
done

# ---- 2. ageing, a monitor that does not read, the monitor limit, SIGINT -----------------------
max=64
start_daemon --ageing 1 --max-macs $max
monitor_start k -j
wait_for 5 "monitor k to subscribe" 'ctl mac flush >/dev/null; grep -q mac_flushed "$T/mon.k"'
ctl port add "${P}a" >/dev/null
ctl port add "${P}b" >/dev/null
send_frames a "$(frame ff:ff:ff:ff:ff:ff 02:cc:00:00:00:01 88b5 00)"
t0=$(now_ms)
wait_event k '.event == "mac_aged"'
aged_ms=$(($(now_ms) - t0))
assert_eq '{"event":"mac_aged","mac":"02:cc:00:00:00:01","vlan":0,"port":"'"${P}a"'"}' \
	"$(events k '.event == "mac_aged"' | jq -c 'del(.time)')" "mac_aged event"
say "mac_aged after $aged_ms ms with --ageing 1"
assert_le "$aged_ms" 3000 "ms until mac_aged with --ageing 1"

# A raw client subscribes and then reads nothing during a flood of random sources: each
# frame learns one MAC and evicts another, two events.
rm -f "$T/lost.go"
"$PY" "$HERE/monclient.py" "$SOCK" --ready "$T/lost.ready" --go "$T/lost.go" --until mac_flushed \
	--out "$T/lost.events" --timeout 60 >"$T/lost.out" 2>&1 &
lostpid=$!
BG_PIDS+=("$lostpid")
wait_until 5 "the raw monitor to subscribe" test -e "$T/lost.ready"
status_before=$(ctl -j status)
rss0=$(rss_kb)
# Bursts until the table has made far more events than 1 MiB holds (~16,000 of ~64 bytes):
# how many frames a burst gets through depends on the machine, so the events made decide.
frames=${MONITOR_FLOOD_FRAMES:-40000}
learned0=$(jq .mac_learned <<<"$status_before")
for round in 1 2 3 4 5 6 7 8 9 10; do
	in_host a timeout 120 trafgen -o eth0 -P 1 --no-sock-mem -Q -C -n "$frames" \
		'{ 0x02, 0x00, 0x00, 0x00, 0xfe, 0x01, 0x02, drnd(5), c16(0x88b5), fill(0x00, 46) }' \
		>"$T/trafgen.out" 2>&1 || fail "trafgen failed: $(tail -3 "$T/trafgen.out")"
	wait_for 10 "port a's receive count to settle" \
		'n1=$(port_field "${P}a" rx_packets); sleep 0.5; test "$n1" = "$(port_field "${P}a" rx_packets)"'
	[ $(($(status_field mac_learned) - learned0)) -lt 40000 ] || break
done
say "flood: $round bursts of $frames frames, $(($(status_field mac_learned) - learned0)) MACs learned"
rss1=$(rss_kb)
status_mid=$(ctl -j status)
# Let the table age out too (every entry, --ageing 1), then mark the end with a flush.
wait_for 5 "the table to age out" 'test "$(status_field macs)" = 0'
status_after=$(ctl -j status)
touch "$T/lost.go"
sleep 1 # the client drains what was queued for it
ctl mac flush >/dev/null
wait_until 30 "the raw monitor to read up to the flush" not_running "$lostpid"
wait "$lostpid" || fail "monclient.py: $(cat "$T/lost.out")"
say "$(cat "$T/lost.out")"
lost=$(jq -s '[.[] | select(.event == "events_lost") | .count] | add // 0' "$T/lost.events")
nlost=$(jq -s '[.[] | select(.event == "events_lost")] | length' "$T/lost.events")
got=$(jq -s '[.[] | select(.event != "events_lost")] | length' "$T/lost.events")
delta() { # FIELD: how much a status counter grew from before the flood to after the ageing
	echo $(($(jq ".$1" <<<"$status_after") - $(jq ".$1" <<<"$status_before")))
}
made=$(($(delta mac_learned) + $(delta mac_evicted) + $(delta mac_aged) + $(delta mac_moved) + 1))
say "unread monitor: $made events made, $got delivered, $lost reported lost in $nlost events_lost; RSS $rss0 -> $rss1 KiB"
assert_ge "$lost" 1 "events the unread monitor was told it lost"
assert_eq "$made" "$((got + lost))" "events delivered + lost, against those made (status deltas + the flush)"
# The lost count comes before what follows the gap, and later events still arrive.
assert_eq mac_flushed "$(jq -rs '.[-1].event' "$T/lost.events")" "last event read after the gap"
first_lost=$(jq -s 'map(.event) | index("events_lost")' "$T/lost.events")
assert_ge "$got" "$((first_lost + 1))" "events delivered after the first events_lost"
# At most 1 MiB of events was queued for it (about 16,400 learned events of 64 bytes, the
# smallest), plus what the socket buffers hold (2 x 208 KiB: about 6,700 more).
assert_le "$((got - 1))" 24000 "events delivered from the backlog (bound 1 MiB + socket buffers)"
# Memory: each monitor's queue is bounded at 1 MiB of events, in a buffer that doubles (2 MiB):
# two monitors, 4 MiB and some slack. Under ASan the buffers outgrown on the way sit in its
# quarantine as well (6420 KiB growth measured): 16 MiB there.
rss_max=6144
if ldd "$SWITCHD" 2>/dev/null | grep libasan >/dev/null; then rss_max=16384; fi
assert_le $((rss1 - rss0)) $rss_max "RSS growth (KiB) with an unread monitor during the flood"
# Status at the mid point is consistent too (nothing lost to the counters).
jq -e '.macs <= '$max <<<"$status_mid" >/dev/null || fail "table over its bound: $status_mid"

# The limit: 16 monitors per socket; k is one, the 17th is refused, a free place is reused.
for i in $(seq 2 16); do monitor_start "x$i"; done
wait_for 10 "16 monitors to subscribe" \
	'ctl mac flush >/dev/null; n=0; for i in $(seq 2 16); do grep -q mac_flushed "$T/mon.x$i" && n=$((n + 1)); done; test $n = 15'
expect_exit 1 "$SWITCHCTL" -s "$SOCK" monitor
assert_eq "monitor: 16 monitors already on this socket" "$ERR" "stderr of the 17th monitor"
assert_eq "" "$OUT" "stdout of the 17th monitor"
kill -INT "${MON[x16]}"
monitor_exit x16
assert_eq 0 "$MON_RC" "exit status of a monitor after SIGINT"
monitor_start y
wait_for 5 "a monitor to take the freed place" 'ctl mac flush >/dev/null; grep -q mac_flushed "$T/mon.y"'

# The switchctl monitor that read all along may have fallen behind the flood too (it prints
# and flushes a line per event): what it got plus what it was told it lost is every MAC
# event of this daemon's life.
n=$(grep -c mac_flushed "$T/mon.k")
ctl mac flush >/dev/null
wait_for 5 "monitor k to print the last flush" 'test "$(grep -c mac_flushed "$T/mon.k")" -gt '"$n"
klost=$(jq -s '[.[] | select(.event == "events_lost") | .lost] | add // 0' "$T/mon.k")
kmac=$(events k '.event | test("^mac_(learned|moved|aged|evicted)$")' | wc -l)
all=$(ctl -j status | jq '.mac_learned + .mac_moved + .mac_aged + .mac_evicted')
say "switchctl -j monitor during the flood: $kmac MAC events printed, $klost reported lost"
assert_eq "$all" "$((kmac + klost))" "MAC events printed + lost by switchctl monitor, against status"
jq -se 'map(select(.event == "events_lost")) | all(keys == ["event", "lost", "time"])' "$T/mon.k" \
	>/dev/null || fail "events_lost fields: $(events k '.event == "events_lost"' | head -1)"

# SIGINT and SIGTERM end monitors with 0 and nothing on stderr.
for m in k y $(seq -f x%g 2 15); do
	if [ "$m" = y ]; then kill -TERM "${MON[$m]}"; else kill -INT "${MON[$m]}"; fi
	monitor_exit "$m"
	assert_eq 0 "$MON_RC" "exit status of monitor $m after a signal"
	assert_eq "" "$(cat "$T/mon.$m.err")" "stderr of monitor $m"
done
jq -e . "$T/mon.k" >/dev/null || fail "monitor k printed invalid JSON"
daemon_alive || fail "switchd died"
stop_daemon
assert_eq 0 "$DAEMON_RC" "switchd exit status"
