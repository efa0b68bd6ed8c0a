#!/usr/bin/env bash
# switchd -c FILE with `port set` and `mac add` lines: applied at start-up after each port's
# `port add`; a SIGHUP applies only their difference (a changed setting, a setting the file no
# longer sets back to its default, a new and a dropped static MAC) without touching the rest,
# and a setting changed by switchctl that the file never set survives; lines out of order or
# twice are refused with file:line.
. "$(dirname "$0")/lib.sh"

CONF=$T/switchd.conf
reload_said() { last_reload | sed 's/^switchd: [a-z]*: //'; } # the last reload's line, without the prefix
settings() { # PORT: its settings as one JSON array
	ports_json | jq -c --arg n "$1" '.[] | select(.name == $n) | [.learning, .flood, .isolated, .max_macs]'
}
statics() { macs_json | jq -c '[.[] | select(.static) | [.mac, .vlan, .port]] | sort'; }

gw=02:00:00:74:00:01 dns=02:00:00:74:00:02 new=02:00:00:74:00:03

# ---- lines out of order, or twice: refused by switchd -n with file:line ---------------------
conf "port add ${P}a" "port set ${P}a vlan access 5" "port set ${P}a vlan trunk 10"
expect_exit 1 "$SWITCHD" -n -c "$CONF"
assert_eq "$CONF:3: port ${P}a: vlan is already set on line 2" "$ERR" "a port's VLAN mode twice"
conf "port set ${P}a isolated on" "port add ${P}a"
expect_exit 1 "$SWITCHD" -n -c "$CONF"
assert_eq "$CONF:1: port set ${P}a: no 'port add ${P}a' line before it" "$ERR" "port set before its port add"
conf "port add ${P}a" "mac add $gw port ${P}a" "mac add $gw port ${P}a"
expect_exit 1 "$SWITCHD" -n -c "$CONF"
assert_eq "$CONF:3: that MAC in VLAN 0 is already added on line 2" "$ERR" "a static MAC twice"

# ---- start-up ---------------------------------------------------------------------------------
add_host a 10.74.0.1 --no-port
add_host b 10.74.0.2 --no-port
add_host c 10.74.0.3 --no-port
add_host d 10.74.0.4 --no-port
conf "port add ${P}a" "port set ${P}a isolated on" "port set ${P}a max-macs 5" \
	"port add ${P}b" "port set ${P}b isolated on" "mac add $gw port ${P}a" "mac add $dns port ${P}b vlan 3" \
	"port add ${P}c" "port set ${P}c learning off" "port add ${P}d" "port set ${P}d vlan access 20"
expect_exit 0 "$SWITCHD" -n -c "$CONF"
start_daemon -c "$CONF"
assert_eq 1 "$(log_count "configuration $CONF: 4 ports, 0 settings, 2 static MACs")" "start-up log line"
vlan_of() { ports_json | jq -c --arg n "$1" '.[] | select(.name == $n) | [.vlan_mode, .vlans, .native]'; }
assert_eq '["access",[20],20]' "$(vlan_of "${P}d")" "VLAN mode of ${P}d from the file"
assert_eq '[true,true,true,5]' "$(settings "${P}a")" "settings of ${P}a from the file"
assert_eq '[true,true,true,0]' "$(settings "${P}b")" "settings of ${P}b from the file"
assert_eq '[false,true,false,0]' "$(settings "${P}c")" "settings of ${P}c from the file"
assert_eq "[[\"$gw\",0,\"${P}a\"],[\"$dns\",3,\"${P}b\"]]" "$(statics)" "static MACs from the file"
# They hold: a and b are isolated from each other, both reach c.
ping_fails a 10.74.0.2
ping_ok a 10.74.0.3
ping_ok b 10.74.0.3
mac_absent "$(host_mac c)" || fail "c's MAC learned with learning off from the file"
# Where each port came from.
ctl port add "${P}t" type tap >/dev/null
assert_eq "config config config config switchctl" "$(ports_json | jq -r '[.[].origin] | join(" ")')" \
	"origin of the ports, listed by name (a, b, c, d from the file, t by switchctl)"
assert_contains "$(ctl port show "${P}a" | head -n 1)" " config" "text port show of a port of the file"
# A setting the file never sets, changed by hand: a reload leaves it.
ctl port set "${P}b" flood off
rx_a=$(port_field "${P}a" rx_packets)

# ---- SIGHUP: one setting changed, one dropped, a static MAC moved and one new -----------------
conf "port add ${P}a" "port set ${P}a isolated on" "port set ${P}a max-macs 9" \
	"port add ${P}b" "port add ${P}c" "port set ${P}c learning off" "port add ${P}d" "port set ${P}d vlan access 30" \
	"mac add $gw port ${P}a" "mac add $dns port ${P}c vlan 3" "mac add $new port ${P}a"
hup
assert_eq "reload: 3 port settings, +2 static MACs, -1 static MAC" "$(reload_said)" "the reload's log line"
assert_eq '["access",[30],30]' "$(vlan_of "${P}d")" "VLAN mode of ${P}d after the reload changed its line"
assert_eq '[true,true,true,9]' "$(settings "${P}a")" "settings of ${P}a after the reload (max-macs changed)"
assert_eq '[true,false,false,0]' "$(settings "${P}b")" \
	"settings of ${P}b: isolated back to its default, flood as set by hand"
assert_eq '[false,true,false,0]' "$(settings "${P}c")" "settings of ${P}c kept"
assert_eq "[[\"$gw\",0,\"${P}a\"],[\"$dns\",3,\"${P}c\"],[\"$new\",0,\"${P}a\"]]" "$(statics)" \
	"static MACs after the reload"
assert_ge "$(port_field "${P}a" rx_packets)" "$rx_a" "rx_packets of ${P}a kept over the reload (not re-created)"
# a's neighbour entry for b failed while they were isolated: a fresh ARP, not a wait for its retry.
ip -n "${P}a" neigh flush all
ping_ok a 10.74.0.2 # no longer isolated from each other
# An unchanged file changes nothing.
hup
assert_eq "reload: nothing changed" "$(reload_said)" "a reload of an unchanged file"

# ---- the port re-created: its settings and static MACs come back with it ---------------------
conf "port add ${P}a type afpacket" "port set ${P}a isolated on" "port set ${P}a max-macs 9" \
	"port add ${P}b" "port add ${P}c" "port set ${P}c learning off" "port add ${P}d" "port set ${P}d vlan access 30" \
	"mac add $gw port ${P}a" "mac add $dns port ${P}c vlan 3" "mac add $new port ${P}a"
hup
assert_eq "reload: +2 static MACs, 1 port re-created" "$(reload_said)" "the reload that re-creates ${P}a"
assert_eq '[true,true,true,9]' "$(settings "${P}a")" "settings of the re-created ${P}a"
assert_eq "[[\"$gw\",0,\"${P}a\"],[\"$dns\",3,\"${P}c\"],[\"$new\",0,\"${P}a\"]]" "$(statics)" \
	"static MACs after ${P}a was re-created"
say "port set and mac add lines: start-up, a reload's difference, a re-created port"
