#!/usr/bin/env bash
# switchd as a system service with an unprivileged user: what the unit's
# DynamicUser=yes and AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW give it (CI has no
# systemd as PID 1, so setpriv gives the same: a user the test makes, no groups, those
# two capabilities ambient and nothing else). Everything that works as root works:
# a veth into a named namespace and into a process's (/proc/PID/ns/net, opened by
# switchctl), an existing interface (AF_PACKET), a stream port; containers ping each
# other. A TAP needs /dev/net/tun writable by the user: created and attached when it
# is, else refused with an error that says so.
. "$(dirname "$0")/lib.sh"

U=${P}s
useradd --system --no-create-home --shell /usr/sbin/nologin "$U" || fail "cannot make the test user $U"
trap 'rc_=$?; set +eE; trap - ERR; [ -z "$DAEMON_PID" ] || stop_pid "$DAEMON_PID" 5; DAEMON_PID=;
	userdel -f "$U" 2>/dev/null; (exit "$rc_"); cleanup' EXIT
chmod 711 "$T"
mkdir -m 750 "$T/run"
chown "$U:" "$T/run"
SOCK=$T/run/switchd.sock
DAEMON_WRAP=(setpriv --reuid="$(id -u "$U")" --regid="$(id -g "$U")" --clear-groups
	--inh-caps=-all,+net_admin,+net_raw --ambient-caps=-all,+net_admin,+net_raw --bounding-set=-all,+net_admin,+net_raw)
start_daemon
assert_eq "$(id -u "$U")" "$(awk '/^Uid:/ { print $2 }' "/proc/$DAEMON_PID/status")" "switchd's uid"
# CAP_NET_ADMIN is bit 12, CAP_NET_RAW bit 13: 0x3000, and nothing else.
assert_eq 0000000000003000 "$(awk '/^CapEff:/ { print $2 }' "/proc/$DAEMON_PID/status")" "switchd's capabilities"
assert_eq 0 "$(log_count "capabilities: switchd lacks")" "warnings about missing capabilities"

# A veth into a named namespace, and one into a process's namespace (switchctl opens it).
add_host a 10.77.0.1
new_netns "${P}b"
ip netns exec "${P}b" sleep 300 &
HOLDER=$!
BG_PIDS+=("$HOLDER")
# ip netns exec enters the namespace after the fork: until then the process is in ours.
in_b() { [ "$(readlink "/proc/$HOLDER/ns/net")" = "$(ip netns exec "${P}b" readlink /proc/self/ns/net)" ]; }
wait_until 5 "the holder to be in ${P}b" in_b
ctl port add "${P}b" netns "/proc/$HOLDER/ns/net" >/dev/null
config_eth0 "${P}b" 10.77.0.2
ping_ok a 10.77.0.2
ping_ok b 10.77.0.1
# An interface that exists: an AF_PACKET port.
add_host c 10.77.0.3 --no-port
ctl port add "${P}c" >/dev/null
assert_eq afpacket "$(port_field "${P}c" type)" "type of ${P}c"
ping_ok c 10.77.0.1
# A stream port: its socket is the user's.
ctl port add "${P}v" type stream >/dev/null
assert_eq "$(id -u "$U")" "$(stat -c %u "$T/run/ports/${P}v.sock")" "owner of the stream port's socket"

# A TAP: made and attached when the user may open /dev/net/tun, else a clear refusal.
if setpriv --reuid="$(id -u "$U")" --regid="$(id -g "$U")" --clear-groups test -w /dev/net/tun; then
	add_tap_host t 10.77.0.4
	ping_ok t 10.77.0.1
	say "TAP created and attached as uid $(id -u "$U")"
else
	out=$(ctl port add "${P}t" type tap 2>&1) && fail "port add type tap worked without /dev/net/tun"
	assert_contains "$out" "/dev/net/tun is not writable for switchd's uid $(id -u "$U") (Debian: 0666)" \
		"the TAP's refusal"
	say "/dev/net/tun is $(stat -c %a /dev/net/tun) here: TAP ports refused with: $out"
fi
daemon_alive || fail "switchd died"
