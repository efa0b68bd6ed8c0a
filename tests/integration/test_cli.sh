#!/usr/bin/env bash
# switchctl and switchd from the outside: exit status 0/1/2 with one-line
# reasons, --help and --version, JSON from every command, and the socket
# rules (a live daemon is never displaced, a stale socket file is replaced).
. "$(dirname "$0")/lib.sh"

# 1. Help and version, both programs, exit 0 on stdout.
for prog in "$SWITCHD" "$SWITCHCTL"; do
	name=$(basename "$prog")
	expect_exit 0 "$prog" --help
	assert_contains "$OUT" "usage: $name" "$name --help"
	expect_exit 0 "$prog" -h
	assert_contains "$OUT" "usage: $name" "$name -h"
	expect_exit 0 "$prog" --version
	[[ "$OUT" =~ ^$name\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "$name --version printed '$OUT'"
	expect_exit 0 "$prog" -V
done
version=$("$SWITCHCTL" --version | awk '{ print $2 }')

# 2. switchd usage errors: exit 2, nothing started.
for args in "--bogus" "--ageing 0" "--ageing abc" "--ageing 1000001" "--max-macs 0" \
	"--max-macs 12x" "extra-arg" "-s"; do
	# shellcheck disable=SC2086 # split on purpose
	expect_exit 2 "$SWITCHD" -s "$T/never.sock" $args
	[ -n "$ERR" ] || fail "switchd $args: exit 2 without a reason on stderr"
done
[ ! -e "$T/never.sock" ] || fail "a switchd that failed its options created its socket"

start_daemon
add_host a 10.79.0.1
add_host b 10.79.0.2
# One frame from each host fills the table; a ping would leave ARP follow-ups (a
# neighbour probe 5 s later) that could refill it between a flush and a check.
for h in a b; do
	in_host "$h" timeout 10 "${PKT[@]}" send eth0 \
		"$(frame ff:ff:ff:ff:ff:ff "$(host_mac "$h")" 88b5 "$(rand_hex 8)")"
done

# 3. switchctl usage errors: exit 2 and a reason on stderr, before any connection.
usage_cases=(
	"bogus"
	"port"$'\x1f'"bogus"
	"port"$'\x1f'"add"
	"port"$'\x1f'"del"
	"port"$'\x1f'"add"$'\x1f'"x"$'\x1f'"type"
	"port"$'\x1f'"add"$'\x1f'"x"$'\x1f'"type"$'\x1f'"foo"
	"port"$'\x1f'"add"$'\x1f'"x"$'\x1f'"type"$'\x1f'"tap"$'\x1f'"extra"
	"port"$'\x1f'"add"$'\x1f'"abcdefghijklmnopq"
	"port"$'\x1f'"del"$'\x1f'"x"$'\x1f'"type"$'\x1f'"tap"
	"port"$'\x1f'"show"$'\x1f'"one"$'\x1f'"extra"
	"mac"$'\x1f'"bogus"
	"mac"$'\x1f'"show"$'\x1f'"port"
	"mac"$'\x1f'"show"$'\x1f'"vlan"$'\x1f'"4096"
	"mac"$'\x1f'"add"$'\x1f'"02:00:00:00:00:01"
	"mac"$'\x1f'"del"
	"port"$'\x1f'"set"$'\x1f'"a"$'\x1f'"learning"$'\x1f'"maybe"
	"port"$'\x1f'"set"$'\x1f'"x"$'\x1f'"vlan"$'\x1f'"access"$'\x1f'"0"
	"port"$'\x1f'"set"$'\x1f'"x"$'\x1f'"vlan"$'\x1f'"trunk"$'\x1f'"10,,20"
	"mac"$'\x1f'"show"$'\x1f'"01:00:5e:00:00:01"
	"mac"$'\x1f'"flush"$'\x1f'"02:00:00:00:00:01"
	"port"$'\x1f'"clear"$'\x1f'"a"$'\x1f'"b"
	"mac"$'\x1f'"flush"$'\x1f'"port"$'\x1f'"a"$'\x1f'"b"
	"status"$'\x1f'"extra"
	"--bogus"
	"-x"
	"status"$'\x1f'"-s"
)
for c in "${usage_cases[@]}"; do
	IFS=$'\x1f' read -r -a args <<<"$c"
	expect_exit 2 "$SWITCHCTL" -s "$SOCK" "${args[@]}"
	[ -n "$ERR" ] || fail "switchctl ${args[*]}: exit 2 with nothing on stderr"
	assert_eq "" "$OUT" "stdout of usage error switchctl ${args[*]}"
done
say "${#usage_cases[@]} usage errors exit 2"

# 4. Failures: exit 1, exactly one line on stderr, nothing on stdout.
fails() { # NEEDLE ARGS...: switchctl ARGS exits 1 with one stderr line containing NEEDLE
	local needle=$1
	shift
	expect_exit 1 ctl "$@"
	assert_contains "$ERR" "$needle" "stderr of switchctl $*"
	assert_eq 1 "$(wc -l <<<"$ERR")" "stderr lines of switchctl $*"
	assert_eq "" "$OUT" "stdout of switchctl $*"
}
fails "port add nosuchif0: no such interface" port add nosuchif0
fails "port add nosuchif0: no such interface" port add nosuchif0 type afpacket
fails "port add ${P}a: already a port" port add "${P}a"
# Only Ethernet interfaces: loopback would hand every frame back, a TUN device has no MACs.
fails "port add lo: not an Ethernet interface" port add lo
ip tuntap add dev "${P}tun" mode tun
fails "port add ${P}tun: not an Ethernet interface" port add "${P}tun"
fails "port add ${P}a: already a port" port add "${P}a" type afpacket
fails "port add ${P}a: already a port" -j port add "${P}a"
fails "port del nosuchif0: no such port" port del nosuchif0
fails "no such port" mac show port nosuchif0
fails "port show nosuchif0: no such port" port show nosuchif0
assert_eq "[\"${P}a\"]" "$(ctl -j port show "${P}a" | jq -c '[.[].name]')" "port show ${P}a -j: that port only"
assert_eq 3 "$(ctl port show "${P}a" | wc -l)" "lines of port show ${P}a"
fails "no such port" fdb flush port nosuchif0
add_host c 10.79.0.3 --no-port
fails "port add ${P}c: not a TAP device" port add "${P}c" type tap # a veth end
port_absent "${P}c" || fail "a failed port add left ${P}c behind"
expect_exit 1 "$SWITCHCTL" -s "$T/nobody-here.sock" status
assert_contains "$ERR" "cannot connect to $T/nobody-here.sock" "switchctl without a daemon"
assert_eq 2 "$(status_field ports)" "ports after the failed commands"

# 5. JSON from every command parses, with the documented shapes.
json() { # JQ_TEST ARGS...: switchctl -j ARGS exits 0 and its output satisfies JQ_TEST
	local test=$1
	shift
	expect_exit 0 ctl -j "$@"
	[ -n "$OUT" ] || fail "switchctl -j $*: printed nothing" # jq -e passes on no input
	jq -e "$test" <<<"$OUT" >/dev/null || fail "switchctl -j $*: output fails '$test': $OUT"
}
json '.version == "'"$version"'" and (.uptime | type) == "number" and .ports == 2 and .macs == 2
	and .max_macs == 8192 and .ageing == 300 and (.mac_learned >= 2)
	and ([.mac_moved, .mac_evicted, .mac_aged] | all(type == "number"))' status
json 'type == "object"'
json 'length == 2 and all(has("name", "type", "ifindex", "state", "mtu", "macs", "created",
	"rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "rx_dropped", "tx_dropped",
	"rx_drop_bad_src", "rx_drop_runt", "rx_drop_filtered", "rx_drop_error",
	"tx_drop_mtu", "tx_drop_busy", "tx_drop_error"))
	and all(.rx_dropped == .rx_drop_bad_src + .rx_drop_runt + .rx_drop_filtered + .rx_drop_error)
	and all(.tx_dropped == .tx_drop_mtu + .tx_drop_busy + .tx_drop_error)' port show
json 'length == 2' port list
json 'length == 2 and all(has("mac", "port", "vlan", "age", "static"))
	and all(.mac | test("^([0-9a-f]{2}:){5}[0-9a-f]{2}$")) and all(.static == false)' mac show
json 'length == 2' fdb show
json 'length == 1 and .[0].port == "'"${P}a"'"' mac show port "${P}a"
# One MAC, looked up: where it is; nothing for one not in the table or not on the port named.
mac_a=$(host_mac a)
json 'length == 1 and .[0].port == "'"${P}a"'" and .[0].mac == "'"$mac_a"'"' mac show "$mac_a"
json 'length == 1 and .[0].mac == "'"$mac_a"'"' fdb show port "${P}a" "${mac_a^^}"
json '. == []' mac show "$mac_a" port "${P}b"
json '. == []' mac show 02:00:00:00:00:01
expect_exit 0 ctl mac show "$mac_a"
assert_eq 2 "$(wc -l <<<"$OUT")" "lines of mac show $mac_a (header, entry)"
assert_contains "$OUT" "$mac_a  ${P}a" "text mac show $mac_a"
fails "mac show port nosuchif0: no such port" mac show "$mac_a" port nosuchif0
# port clear: the counters of one port, then of all, start again from 0.
[ "$(port_field "${P}a" rx_packets)" -gt 0 ] || fail "${P}a received nothing before port clear"
json '. == {"cleared": 1}' port clear "${P}a"
assert_eq 0 "$(port_field "${P}a" rx_packets)" "rx_packets of ${P}a after port clear ${P}a"
[ "$(port_field "${P}b" rx_packets)" -gt 0 ] || fail "port clear ${P}a cleared ${P}b too"
expect_exit 0 ctl port clear
assert_eq "counters of 2 ports cleared" "$OUT" "text port clear"
assert_eq 0 "$(port_field "${P}b" rx_packets)" "rx_packets of ${P}b after port clear"
fails "port clear nosuchif0: no such port" port clear nosuchif0
json '. == {"flushed": 1}' mac flush port "${P}a"
json 'length == 1 and .[0].port == "'"${P}b"'"' mac show
json '. == {"flushed": 1}' fdb flush
json '. == []' mac show
json '. == {"flushed": 0}' mac flush
json '. == {"port": "'"${P}a"'", "result": "deleted"}' port del "${P}a"
json '. == {"port": "'"${P}a"'", "result": "added"}' port add "${P}a"
ctl port del "${P}a" >/dev/null
ctl port del "${P}b" >/dev/null
json '. == []' port show
# -j may also follow the command, and -s may too.
expect_exit 0 "$SWITCHCTL" status -j -s "$SOCK"
jq -e '.ports == 0' <<<"$OUT" >/dev/null || fail "switchctl status -j -s: $OUT"
ctl port add "${P}a" >/dev/null
ctl port add "${P}b" >/dev/null
ping_ok a 10.79.0.2

# Text output names what JSON names.
expect_exit 0 ctl port show
assert_contains "$OUT" "${P}a: afpacket" "port show text"
expect_exit 0 ctl mac show
assert_contains "$OUT" "$(host_mac a)" "mac show text"
expect_exit 0 ctl
assert_contains "$OUT" "version   $version" "switchctl with no command (status)"

# 6. A second daemon on a live socket refuses to start and leaves the first alone.
expect_exit 1 "$SWITCHD" -s "$SOCK"
assert_contains "$ERR" "another switchd is already listening on $SOCK" "second switchd's stderr"
daemon_alive || fail "the first switchd died when a second one tried its socket"
[ -S "$SOCK" ] || fail "the second switchd removed the first one's socket"
assert_eq 2 "$(status_field ports)" "ports of the first daemon after the second one's attempt"
ping_ok a 10.79.0.2

# 7. A stale socket (its daemon SIGKILLed) is replaced by the next daemon.
kill -KILL "$DAEMON_PID"
{ wait "$DAEMON_PID"; } 2>/dev/null || true # no "Killed" job notice in the test output
DAEMON_PID=
[ -S "$SOCK" ] || fail "test premise: a SIGKILLed switchd leaves its socket file"
expect_exit 1 "$SWITCHCTL" -s "$SOCK" status
start_daemon
assert_eq 0 "$(status_field ports)" "ports of the new daemon"
ctl port add "${P}a" >/dev/null
ctl port add "${P}b" >/dev/null
ping_ok a 10.79.0.2
stop_daemon
assert_eq 0 "$DAEMON_RC" "exit status of the daemon that replaced the stale socket"
[ ! -e "$SOCK" ] || fail "socket left after SIGTERM"

# 8. The socket's directory is created if missing (one level, like /run/switchd), and
#    SIGINT stops the daemon like SIGTERM.
SOCK=$T/run/switchd.sock
start_daemon
[ "$(stat -c %a "$T/run")" = 750 ] || fail "socket directory mode $(stat -c %a "$T/run"), expected 750"
[ "$(stat -c %a "$SOCK")" = 660 ] || fail "socket mode $(stat -c %a "$SOCK"), expected 660"
# SIGHUP (the unit's ExecReload) changes nothing: the daemon stays and keeps its ports.
ctl port add "${P}a" >/dev/null
kill -HUP "$DAEMON_PID"
wait_until 3 "the SIGHUP log line" grep -q "SIGHUP: nothing to reload" "$LOG"
daemon_alive || fail "switchd died of SIGHUP"
assert_eq "${P}a" "$(port_names)" "ports after SIGHUP"
kill -INT "$DAEMON_PID"
wait_until 5 "switchd to exit on SIGINT" not_running "$DAEMON_PID"
rc=0
wait "$DAEMON_PID" || rc=$?
DAEMON_PID=
assert_eq 0 "$rc" "exit status after SIGINT"
[ ! -e "$SOCK" ] || fail "socket left after SIGINT"
