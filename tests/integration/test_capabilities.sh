#!/usr/bin/env bash
# A switchd without CAP_NET_ADMIN or CAP_NET_RAW says at start-up which it
# lacks and what will not work, and a port add the kernel refuses names the
# capability in its error; with both, no warning. The bounding set is cut with
# setpriv, as test_netns_port.sh does.
. "$(dirname "$0")/lib.sh"
command -v setpriv >/dev/null || fail "missing tool: setpriv"

WARN="capabilities: switchd lacks"
NOADMIN="CAP_NET_ADMIN (no TAP or veth can be created, no interface brought up)"
NORAW="CAP_NET_RAW (no interface, veth or held TAP can be attached)"
HOW="run it as root, or with CAP_NET_ADMIN and CAP_NET_RAW"
# A veth end in the root namespace for afpacket ports; its peer in a namespace of the test's.
add_host a 10.94.0.1 --no-port
ip link set "${P}a" up

# bounded CAPS: switchd runs with only these capabilities (setpriv's list, e.g. -all,+net_raw).
bounded() {
	DAEMON_WRAP=(setpriv "--bounding-set=$1")
	start_daemon
	DAEMON_WRAP=()
}

# 1. Neither: one warning naming both; a TAP and an afpacket port are refused, each naming what it lacks.
bounded -all
assert_eq 1 "$(log_count "$WARN")" "capability warnings at start-up without either"
assert_eq "switchd: warning: $WARN $NOADMIN and $NORAW: $HOW" "$(grep -F "$WARN" "$LOG")" \
	"the start-up warning without either"
expect_exit 1 ctl port add "${P}t" type tap
assert_eq "port add ${P}t: Operation not permitted (switchd lacks CAP_NET_ADMIN)" "$ERR" \
	"a TAP without CAP_NET_ADMIN"
link_absent "${P}t" || fail "${P}t was created without CAP_NET_ADMIN"
expect_exit 1 ctl port add "${P}a"
assert_contains "$ERR" "(switchd lacks CAP_NET_ADMIN and CAP_NET_RAW)" "an interface without either"
expect_exit 0 ctl port show
assert_eq "" "$OUT" "ports of a switchd without capabilities"
stop_daemon

# 2. Only CAP_NET_ADMIN: the warning names CAP_NET_RAW alone; a TAP works, an afpacket port does not.
bounded -all,+net_admin
assert_eq "switchd: warning: $WARN $NORAW: $HOW" "$(grep -F "$WARN" "$LOG" | tail -n 1)" \
	"the start-up warning without CAP_NET_RAW"
expect_exit 1 ctl port add "${P}a" type afpacket
assert_contains "$ERR" "port add ${P}a: " "an afpacket port without CAP_NET_RAW"
assert_contains "$ERR" " (switchd lacks CAP_NET_RAW)" "an afpacket port without CAP_NET_RAW"
expect_exit 0 ctl port add "${P}t" type tap
expect_exit 0 ctl port del "${P}t"
stop_daemon

# 3. Only CAP_NET_RAW: the warning names CAP_NET_ADMIN alone.
bounded -all,+net_raw
assert_eq "switchd: warning: $WARN $NOADMIN: $HOW" "$(grep -F "$WARN" "$LOG" | tail -n 1)" \
	"the start-up warning without CAP_NET_ADMIN"
expect_exit 1 ctl port add "${P}t" type tap
assert_eq "port add ${P}t: Operation not permitted (switchd lacks CAP_NET_ADMIN)" "$ERR" \
	"a TAP without CAP_NET_ADMIN"
stop_daemon

# 4. Both, as the systemd unit gives: no warning, and both kinds of port work.
n=$(log_count "$WARN")
bounded -all,+net_admin,+net_raw
expect_exit 0 ctl port add "${P}a"
expect_exit 0 ctl port add "${P}t" type tap
assert_eq "$n" "$(log_count "$WARN")" "capability warnings with both"
stop_daemon
