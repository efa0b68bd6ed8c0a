#!/usr/bin/env bash
# switchd -c FILE: the file's ports and settings at start-up (over the command
# line's); SIGHUP applies only what changed in it (new ports added, dropped ones
# removed, changed ones re-created, unchanged ones keep their MAC entries and
# counters, ports added with switchctl untouched, settings back to the command
# line's once the file drops them); a broken file changes nothing and is logged
# with file:line; switchd -n -c checks a file without root; a bad file at
# start-up exits 1 and leaves nothing behind; without -c SIGHUP only logs.
. "$(dirname "$0")/lib.sh"

CONF=$T/switchd.conf

# tap_into_host NAME IP: the TAP switchd created for ${P}NAME moves into netns ${P}NAME as eth0.
tap_into_host() {
	local ns=$P$1
	new_netns "$ns"
	ip link set "$ns" netns "$ns"
	wait_until 3 "port $ns to be in state moved" port_state_is "$ns" moved
	ip -n "$ns" link set "$ns" name eth0
	config_eth0 "$ns" "$2"
}
gone_from_host() { ! ip -n "$P$1" link show eth0 >/dev/null 2>&1; }
tap_gone() { ! ip link show "$1" >/dev/null 2>&1; }

# ---- 1. switchd -n -c: checks the file only ----------------------------------------
conf "# two TAPs and a container" "" "set ageing 600   # ten minutes" \
	"port add ${P}t1 type tap" "port add ${P}t2 type tap" "port add ${P}a"
expect_exit 0 "$SWITCHD" -n -c "$CONF"
assert_eq "$CONF: ok" "$OUT" "switchd -n -c on a good file"
# Without root and without touching an interface (none of them exists yet).
chmod 0711 "$T"
chmod 0644 "$CONF"
expect_exit 0 setpriv --reuid=65534 --regid=65534 --clear-groups "$SWITCHD" -n -c "$CONF"
assert_eq "$CONF: ok" "$OUT" "switchd -n -c as nobody"
tap_gone "${P}t1" || fail "switchd -n created ${P}t1"
printf '%s\n' "port add ${P}x" "" "mac flush" >"$T/bad1.conf"
expect_exit 1 "$SWITCHD" -n -c "$T/bad1.conf"
assert_eq "$T/bad1.conf:3: only 'port add', 'port set', 'mac add', 'mirror add' and 'set' belong in a config file" "$ERR" "switchd -n on a 'mac flush' line"
printf '%s\n' "set ageing 60" "set max-macs 0" >"$T/bad2.conf"
expect_exit 1 "$SWITCHD" -n -c "$T/bad2.conf"
assert_eq "$T/bad2.conf:2: set max-macs: not a number in 1..16777216: '0'" "$ERR" "switchd -n on max-macs 0"
printf '%s\n' "port add ${P}x" "port add ${P}x type tap" >"$T/bad3.conf"
expect_exit 1 "$SWITCHD" -n -c "$T/bad3.conf"
assert_eq "$T/bad3.conf:2: port ${P}x is already added on line 1" "$ERR" "switchd -n on a port added twice"
expect_exit 1 "$SWITCHD" -n -c "$T/nosuch.conf"
assert_contains "$ERR" "$T/nosuch.conf: No such file or directory" "switchd -n on a missing file"
expect_exit 2 "$SWITCHD" -n
assert_contains "$ERR" "-c FILE" "switchd -n without -c"

# ---- 2. a bad file at start-up: exit 1, file:line, nothing left behind ----------------
printf '%s\n' "port add ${P}b1 type tap" "port add ${P}b2 type tap" "port add ${P}nosuch" >"$T/bad4.conf"
expect_exit 1 "$SWITCHD" -s "$T/bad.sock" -c "$T/bad4.conf"
assert_contains "$ERR" "$T/bad4.conf:3: port add ${P}nosuch: no such interface" "start-up with a missing interface"
# Logged once, by the file's reader with file:line, not again as the request's own warning.
assert_eq 1 "$(grep -c "port add ${P}nosuch" <<<"$ERR")" "log lines for the line that failed at start-up"
assert_eq "switchd: error: $T/bad4.conf:3: port add ${P}nosuch: no such interface" \
	"$(grep "port add ${P}nosuch" <<<"$ERR")" "the start-up failure's log line"
for l in "${P}b1" "${P}b2"; do
	tap_gone "$l" || fail "TAP $l created from a bad file stayed after switchd exited"
done
[ ! -e "$T/bad.sock" ] || fail "a switchd that failed on its file left its socket"
expect_exit 1 "$SWITCHD" -s "$T/bad.sock" -c "$T/bad1.conf"
assert_contains "$ERR" "$T/bad1.conf:3: only 'port add', 'port set', 'mac add', 'mirror add' and 'set' belong" "start-up with a bad line"
tap_gone "${P}x" || fail "TAP ${P}x exists after a start-up that failed on line 3"

# ---- 3. start-up: the file's ports, its settings over the command line's -------------
add_host a 10.91.0.1 --no-port
start_daemon -c "$CONF" --ageing 200 --max-macs 1000
assert_eq "${P}a ${P}t1 ${P}t2" "$(port_names)" "ports from the file"
assert_eq 600 "$(status_field ageing)" "ageing: the file's set over --ageing 200"
assert_eq 1000 "$(status_field max_macs)" "max_macs: --max-macs, the file does not set it"
assert_eq 1 "$(log_count "configuration $CONF: 3 ports, 1 settings")" "start-up log line"
assert_eq afpacket "$(port_field "${P}a" type)" "type of ${P}a"
tap_into_host t1 10.91.0.11
tap_into_host t2 10.91.0.12
ping_ok a 10.91.0.11
ping_ok a 10.91.0.12
mac_t1=$(host_mac t1)
assert_eq "${P}t1" "$(mac_port "$mac_t1")" "t1's MAC before the reload"
ifindex_t1=$(port_field "${P}t1" ifindex)
rx_t1=$(port_field "${P}t1" rx_packets)
assert_ge "$rx_t1" 3 "rx_packets of ${P}t1 after pings"

# A port added by hand, and a setting changed by hand that the file never sets.
ctl port add "${P}r" type tap >/dev/null
ctl set max-macs 500 >/dev/null

# ---- 4. SIGHUP: t2 dropped, t3 new, a's line changed, ageing changed -----------------
conf "set ageing 60" "port add ${P}t1 type tap" "port add ${P}a type afpacket" "port add ${P}t3 type tap"
hup
assert_eq "reload: +1 port, -1 port, 1 port re-created, ageing 600 -> 60" \
	"$(last_reload | sed 's/^switchd: info: //')" "the reload's log line"
assert_eq "${P}a ${P}r ${P}t1 ${P}t3" "$(port_names)" "ports after the reload"
wait_until 2 "t2's TAP to go with its port" gone_from_host t2
assert_eq 1 "$(log_count "port ${P}t2 removed: no longer in the configuration file")" "t2's removal logged"
assert_eq 1 "$(log_count "port ${P}a removed: its line in the configuration file changed")" "a re-created"
assert_eq true "$(port_field "${P}t3" created)" "t3 created by the reload"
assert_eq 60 "$(status_field ageing)" "ageing after the reload"
assert_eq 500 "$(status_field max_macs)" "max_macs set by hand survives a reload of a file that never set it"
# The untouched port: same interface, its MAC entry and counters kept.
assert_eq "$ifindex_t1" "$(port_field "${P}t1" ifindex)" "ifindex of the untouched ${P}t1"
assert_eq "${P}t1" "$(mac_port "$mac_t1")" "t1's MAC entry, learned before the reload"
assert_ge "$(port_field "${P}t1" rx_packets)" "$rx_t1" "rx_packets of the untouched ${P}t1"
assert_eq 0 "$(log_count "port ${P}t1 removed")" "log lines removing ${P}t1"
ping_ok a 10.91.0.11
ping_fails a 10.91.0.12

# The same file again: nothing to do.
hup
assert_eq "switchd: info: reload: nothing changed" "$(last_reload)" "a reload of an unchanged file"

# ---- 5. broken files change nothing --------------------------------------------------
before=$(ports_json | jq -c '[.[] | {name, ifindex}]')
conf "set ageing 30" "port add ${P}t1 type tap" "port add ${P}a type afpacket" "port add ${P}t3 type tap" \
	"port del ${P}t1"
hup
assert_eq "switchd: error: reload: $CONF:5: only 'port add', 'port set', 'mac add', 'mirror add' and 'set' belong in a config file: nothing changed" \
	"$(last_reload)" "log of a reload with a bad line"
assert_eq "$before" "$(ports_json | jq -c '[.[] | {name, ifindex}]')" "ports after a reload with a bad line"
assert_eq 60 "$(status_field ageing)" "ageing after a reload with a bad line"
# A port that cannot be added: the one added before it in the same reload goes again.
conf "set ageing 30" "port add ${P}t1 type tap" "port add ${P}t4 type tap" "port add ${P}nosuch" \
	"port add ${P}t3 type tap"
hup
assert_eq "switchd: error: reload: $CONF:4: port add ${P}nosuch: no such interface: nothing changed" \
	"$(last_reload)" "log of a reload with a missing interface"
assert_eq 1 "$(log_count "port add ${P}nosuch")" "log lines for the reload's line that failed"
assert_eq "$before" "$(ports_json | jq -c '[.[] | {name, ifindex}]')" "ports after a failed port add"
tap_gone "${P}t4" || fail "TAP ${P}t4 of the failed reload is still there"
assert_eq 60 "$(status_field ageing)" "ageing after a reload with a failed port add"
assert_eq "${P}t1" "$(mac_port "$mac_t1")" "t1's MAC entry after the failed reloads"
ping_ok a 10.91.0.11

# ---- 6. settings the file drops go back to the command line's ------------------------
conf "port add ${P}t1 type tap" "port add ${P}a type afpacket" "port add ${P}t3 type tap"
hup
assert_eq "switchd: info: reload: ageing 60 -> 200" "$(last_reload)" "log of dropping the set line"
assert_eq 200 "$(status_field ageing)" "ageing back to --ageing 200"
# The file removed and re-added by hand: no longer the file's, never touched again.
ctl port del "${P}t3" >/dev/null
ctl port add "${P}t3" type tap >/dev/null
conf "port add ${P}t1 type tap" "port add ${P}a type afpacket"
hup
assert_eq "switchd: info: reload: nothing changed" "$(last_reload)" "a reload dropping a port re-added by hand"
port_exists "${P}t3" || fail "the reload removed ${P}t3, which was re-added with switchctl"
port_exists "${P}r" || fail "the reload removed ${P}r, added with switchctl"
# A port the file declares but that went away is added again.
ctl port del "${P}a" >/dev/null
hup
assert_eq "switchd: info: reload: +1 port" "$(last_reload)" "a reload after ${P}a was deleted by hand"
ping_ok a 10.91.0.11
stop_daemon
assert_eq 0 "$DAEMON_RC" "switchd exit status"

# ---- 7. without -c, SIGHUP only logs ------------------------------------------------
start_daemon
ctl port add "${P}a" >/dev/null
kill -HUP "$DAEMON_PID"
wait_for 5 "the SIGHUP log line" '[ "$(log_count "SIGHUP: nothing to reload")" -eq 1 ]'
daemon_alive || fail "switchd without -c died on SIGHUP"
assert_eq "${P}a" "$(port_names)" "ports after SIGHUP without -c"
