#!/usr/bin/env bash
# The MAC table ages entries after --ageing seconds of silence (and traffic keeps
# them), mac flush empties all or one port, and --max-macs bounds the table by
# evicting the least recently seen entry of the port holding the most.
. "$(dirname "$0")/lib.sh"

# hello HOST [SRC_MAC]: one broadcast frame from the host (by default from its own MAC).
hello() {
	send_frames "$1" "$(frame ff:ff:ff:ff:ff:ff "${2:-$(host_mac "$1")}" 88b5 "$(rand_hex 8)")"
}
mac_present() { [ -n "$(mac_port "$1")" ]; }

# ---- Part 1: ageing, --ageing 2 ----------------------------------------------
start_daemon --ageing 2
assert_eq 2 "$(status_field ageing)" "status ageing"
add_host a 10.80.0.1
add_host b 10.80.0.2
add_host c 10.80.0.3
mac_a=$(host_mac a)
mac_b=$(host_mac b)

# 1. One frame from a, then silence: its entry goes 2..3 s later (the sweep runs each second).
hello a
t0=$(now_ms)
assert_eq "${P}a" "$(mac_port "$mac_a")" "a's entry right after its frame"
wait_until 6 "a's MAC to age out" mac_absent "$mac_a"
elapsed=$(($(now_ms) - t0))
say "a's MAC aged out ${elapsed} ms after its last frame (ageing 2 s)"
assert_ge "$elapsed" 1800 "ms until a's silent MAC was removed"
assert_le "$elapsed" 4500 "ms until a's silent MAC was removed"
assert_ge "$(status_field mac_aged)" 1 "status mac_aged"
assert_eq 0 "$(port_field "${P}a" macs)" "port show macs of ${P}a after ageing"

# 2. Traffic keeps an entry: b sends every 0.5 s for 4 s, twice the ageing time.
for i in $(seq 8); do
	hello b
	sleep 0.5
	mac_present "$mac_b" || fail "b's MAC aged out while b sent every 0.5 s (after $i frames)"
done
age=$(macs_json | jq --arg m "$mac_b" '.[] | select(.mac == $m) | .age')
assert_le "$age" 1 "age of b's entry while b is sending"
# ...and after b falls silent it goes too.
wait_until 5 "b's MAC to age out" mac_absent "$mac_b"

# 3. After ageing, traffic relearns: the hosts still reach each other.
ping_ok a 10.80.0.2
assert_eq "${P}b" "$(mac_port "$mac_b")" "b's entry after relearning"
stop_daemon
assert_eq 0 "$DAEMON_RC" "switchd exit status"

# ---- Part 2: flush and the table bound, --max-macs 4 ------------------------------
start_daemon --max-macs 4
# Part 1's pings left neighbour entries whose re-probes would be new frames in the middle of
# the counts below: forget them, so every frame the switch sees here is one the test sent.
for h in a b c; do ip -n "$P$h" neigh flush all; done
assert_eq 4 "$(status_field max_macs)" "status max_macs"
for h in a b c; do ctl port add "$P$h" >/dev/null; done
mac_c=$(host_mac c)
for h in a b c; do hello "$h"; done
wait_for 2 "3 MAC entries" 'test "$(status_field macs)" -eq 3'

# 4. mac flush port X empties that port only; mac flush empties everything.
expect_exit 0 ctl -j mac flush port "${P}a"
assert_eq '{"flushed":1}' "$(jq -c . <<<"$OUT")" "mac flush port ${P}a output"
mac_absent "$mac_a" || fail "a's MAC survived mac flush port ${P}a"
mac_present "$mac_b" || fail "b's MAC went with mac flush port ${P}a"
mac_present "$mac_c" || fail "c's MAC went with mac flush port ${P}a"
expect_exit 0 ctl mac flush
assert_eq "2 MAC entries flushed" "$OUT" "mac flush text output"
assert_eq '[]' "$(macs_json | jq -c .)" "mac show after mac flush"
assert_eq 0 "$(status_field macs)" "status macs after mac flush"
# fdb is the same command.
hello c
wait_until 2 "c relearned" mac_present "$mac_c"
expect_exit 0 ctl fdb flush port "${P}c"
mac_absent "$mac_c" || fail "c's MAC survived fdb flush port ${P}c"

# 5. The bound: b and c hold one entry each, then a sends from 50 source MACs.
hello b
hello c
wait_for 2 "b and c learned" 'test "$(status_field macs)" -eq 2'
srcs=()
for i in $(seq 50); do srcs+=("$(printf '02:5a:%02x:00:00:%02x' $((RANDOM % 256)) "$i")"); done
frames=()
for m in "${srcs[@]}"; do frames+=("$(frame ff:ff:ff:ff:ff:ff "$m" 88b5 "$(rand_hex 4)")"); done
send_frames a "${frames[@]}"
wait_for 3 "the table to settle" 'test "$(status_field mac_learned)" -ge 52'
assert_eq 4 "$(status_field macs)" "status macs with --max-macs 4 after 52 sources"
assert_eq 4 "$(macs_json | jq length)" "mac show length with --max-macs 4"
assert_ge "$(status_field mac_evicted)" 48 "status mac_evicted"
# a's port held the most entries, so a's oldest went: b and c keep theirs,
# and a keeps its two most recent sources.
assert_eq "${P}b" "$(mac_port "$mac_b")" "b's entry after a's flood of sources"
assert_eq "${P}c" "$(mac_port "$mac_c")" "c's entry after a's flood of sources"
assert_eq "${P}a" "$(mac_port "${srcs[49]}")" "a's last source"
assert_eq "${P}a" "$(mac_port "${srcs[48]}")" "a's second last source (table: $(macs_json | jq -c "[.[] | [.mac, .port]]"), status: $(ctl -j status))"
assert_eq 2 "$(port_field "${P}a" macs)" "port show macs of ${P}a"
# Forwarding between b and c is unaffected.
ping_ok b 10.80.0.3
assert_le "$(status_field macs)" 4 "status macs after more traffic"
