#!/usr/bin/env bash
# port add NAME netns NS [ifname IF]: switchd creates the veth pair itself, NAME
# in its namespace and IF (default eth0) in NS, both up; the port is marked
# created and port del removes the pair. NS is a name under /run/netns or a
# path such as /proc/PID/ns/net. Refusals are clear and leave no interface
# behind. When the namespace ends (ip netns del, its last process exits) the
# pair goes and the port with it; on SIGTERM switchd deletes the pairs it made.
. "$(dirname "$0")/lib.sh"

start_daemon
new_netns "${P}a"
new_netns "${P}b"

# link_names [NS]: the interface names there, sorted, on one line.
link_names() { ip ${1:+-n "$1"} -j link show | jq -r '[.[].ifname] | sort | join(" ")'; }
link_up() { ip ${2:+-n "$2"} -j link show "$1" | jq -e '.[0].operstate == "UP"' >/dev/null; }
quiet_ipv6() { sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1"; } # no chatter from the host's stack

# 1. A namespace by name: the peer is eth0 by default, or the ifname given.
expect_exit 0 ctl port add "${P}x" netns "${P}a"
assert_eq "" "$OUT" "stdout of port add netns"
expect_exit 0 ctl -j port add "${P}y" netns "${P}b" ifname "${P}in"
assert_eq "{\"port\":\"${P}y\",\"result\":\"added\"}" "$(jq -c . <<<"$OUT")" "port add netns -j output"
quiet_ipv6 "${P}x"
quiet_ipv6 "${P}y"
assert_eq "eth0 lo" "$(link_names "${P}a")" "interfaces in ${P}a"
assert_eq "lo ${P}in" "$(link_names "${P}b")" "interfaces in ${P}b"
link_absent "${P}in" || fail "the peer ${P}in showed up in the root namespace"
for l in "eth0 ${P}a" "${P}in ${P}b" "${P}x" "${P}y"; do
	# shellcheck disable=SC2086 # NAME [NS]
	link_up $l || fail "interface $l is not up after port add netns"
done
for l in x y; do
	assert_eq afpacket "$(port_field "$P$l" type)" "type of port $P$l"
	assert_eq true "$(port_field "$P$l" created)" "created flag of port $P$l"
	assert_eq up "$(port_field "$P$l" state)" "state of port $P$l"
done
assert_eq "eth0 /run/netns/${P}a" "$(port_field "${P}x" peer) $(port_field "${P}x" netns)" "peer and netns of ${P}x"
assert_eq "${P}in /run/netns/${P}b" "$(port_field "${P}y" peer) $(port_field "${P}y" netns)" "peer and netns of ${P}y"
assert_contains "$(ctl port show)" "${P}x: afpacket ifindex $(port_field "${P}x" ifindex) up mtu 1500 macs" "text port show of ${P}x"
assert_contains "$(ctl port show)" "created peer eth0 in /run/netns/${P}a" "text port show of ${P}x"
assert_eq 1 "$(log_count "port ${P}x added: afpacket, ifindex $(port_field "${P}x" ifindex), created, peer eth0 in /run/netns/${P}a")" \
	"log line for port ${P}x"
assert_eq 1 "$(log_count "port ${P}y added: afpacket, ifindex $(port_field "${P}y" ifindex), created, peer ${P}in in /run/netns/${P}b")" \
	"log line for port ${P}y"

config_eth0 "${P}a" 10.89.0.1
ip -n "${P}b" addr add 10.89.0.2/24 dev "${P}in"
ping_ok a 10.89.0.2
ping_ok b 10.89.0.1

# 2. Refusals: exit 1, one line saying why, and no interface or port left behind.
# refused NAME MESSAGE ARGS...: port add NAME ARGS fails with exactly "port add NAME: MESSAGE".
refused() {
	local name=$1 msg=$2
	shift 2
	expect_exit 1 ctl port add "$name" "$@"
	assert_eq "port add $name: $msg" "$ERR" "stderr of port add $name $*"
	assert_eq "" "$OUT" "stdout of a refused port add"
	port_absent "$name" || fail "a refused port add left port $name behind"
}
before_a=$(link_names "${P}a")
before_b=$(link_names "${P}b")
refused "${P}m" "no such network namespace: /run/netns/${P}nope" netns "${P}nope"
refused "${P}m" "no such network namespace: /proc/999999999/ns/net" netns /proc/999999999/ns/net
refused "${P}m" "interface ${P}in already exists in /run/netns/${P}b" netns "${P}b" ifname "${P}in"
refused "${P}m" "interface eth0 already exists in /run/netns/${P}a" netns "${P}a"
touch "$T/plainfile"
refused "${P}m" "$T/plainfile is not a network namespace" netns "$T/plainfile"
refused "${P}m" "/proc/self/ns/mnt is not a network namespace" netns /proc/self/ns/mnt
# A process that has not unshared its namespace yet is in switchd's: both ends would land here.
refused "${P}m" "/proc/self/ns/net is switchd's own network namespace" netns /proc/self/ns/net ifname "${P}k"
link_absent "${P}k" || fail "a port add into switchd's own namespace left ${P}k behind"
expect_exit 1 ctl port add "${P}x" netns "${P}b" ifname "${P}m"
assert_eq "port add ${P}x: already a port" "$ERR" "stderr of port add netns of an existing port"
ip link add "${P}v" type veth peer name "${P}w" # an interface that is not a port
refused "${P}v" "interface ${P}v already exists: a veth whose peer is not in /run/netns/${P}b" netns "${P}b" ifname "${P}m"
ip link del "${P}v"
refused "${P}m" "invalid interface name 'a b'" netns "${P}b" ifname "a b"
link_absent "${P}m" || fail "a refused port add left ${P}m in the root namespace"
assert_eq "$before_a" "$(link_names "${P}a")" "interfaces in ${P}a after refused port adds"
assert_eq "$before_b" "$(link_names "${P}b")" "interfaces in ${P}b after refused port adds"
# What switchctl refuses itself: exit 2, nothing sent.
for args in "${P}abcdefghijk netns ${P}b" "${P}m netns ${P}b ifname ${P}abcdefghijk" \
	"${P}m netns ${P}b type tap" "${P}m ifname eth1" "${P}m netns run/netns/${P}b"; do
	# shellcheck disable=SC2086 # the words of the case
	expect_exit 2 "$SWITCHCTL" -s "$SOCK" port add $args
	[ -n "$ERR" ] || fail "switchctl port add $args: exit 2 with nothing on stderr"
done
assert_eq 2 "$(status_field ports)" "ports after the refused port adds"
ping_ok a 10.89.0.2

# 3. port del deletes the pair, both ends; the names are free again.
expect_exit 0 ctl port del "${P}y"
port_absent "${P}y" || fail "port ${P}y still in port show after port del"
wait_until 2 "${P}y to be deleted by port del" link_absent "${P}y"
wait_until 2 "${P}in (in ${P}b) to go with ${P}y" link_absent "${P}in" "${P}b"
assert_eq "lo" "$(link_names "${P}b")" "interfaces in ${P}b after port del"
ping_fails a 10.89.0.2
ctl port add "${P}y" netns "${P}b" ifname "${P}in" >/dev/null
quiet_ipv6 "${P}y"
ip -n "${P}b" addr add 10.89.0.2/24 dev "${P}in"
ping_ok b 10.89.0.1

# 4. A process's namespace, named by its PID (a container's init, say).
unshare -n sleep 600 &
SPID=$!
BG_PIDS+=("$SPID")
in_own_netns() { [ "$(readlink "/proc/$SPID/ns/net")" != "$(readlink /proc/self/ns/net)" ]; }
wait_until 5 "process $SPID to be in a network namespace of its own" in_own_netns
in_proc() { timeout 15 nsenter -t "$SPID" -n "$@"; }
expect_exit 0 ctl port add "${P}z" netns "/proc/$SPID/ns/net"
quiet_ipv6 "${P}z"
assert_eq "eth0 lo" "$(in_proc ip -j link show | jq -r '[.[].ifname] | sort | join(" ")')" \
	"interfaces in process $SPID's namespace"
assert_eq true "$(port_field "${P}z" created)" "created flag of port ${P}z"
assert_eq 1 "$(log_count "created, peer eth0 in /proc/$SPID/ns/net")" "log line for port ${P}z"
in_proc sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.eth0.disable_ipv6=1
in_proc ip addr add 10.89.0.3/24 dev eth0
in_proc ip link set lo up
in_proc ping -n -q -c 3 -i 0.2 -W 2 10.89.0.1 >/dev/null || fail "ping from process $SPID's namespace to 10.89.0.1 failed"
ping_ok a 10.89.0.3
mac_z=$(in_proc ip -j link show eth0 | jq -r '.[0].address')
assert_eq "${P}z" "$(mac_port "$mac_z")" "port of the process namespace's MAC"

# The process ends, its namespace with it, the pair with that, and the port follows.
stop_pid "$SPID"
start=$(now_ms)
wait_until 10 "port ${P}z to be removed after process $SPID ended" port_absent "${P}z"
say "port ${P}z removed $(($(now_ms) - start)) ms after its namespace's process ended"
assert_eq 1 "$(log_count "port ${P}z removed: interface vanished")" "log line for the removal of ${P}z"
link_absent "${P}z" || fail "${P}z still exists after its namespace ended"
mac_absent "$mac_z" || fail "the process namespace's MAC is still in the table"

# 5. ip netns del: the same.
ip netns del "${P}a"
wait_until 10 "port ${P}x to be removed after ip netns del ${P}a" port_absent "${P}x"
assert_eq 1 "$(log_count "port ${P}x removed: interface vanished")" "log line for the removal of ${P}x"
link_absent "${P}x" || fail "${P}x still exists after ip netns del ${P}a"
daemon_alive || fail "switchd died"

# 6. SIGTERM: switchd deletes the pairs it made.
stop_daemon
assert_eq 0 "$DAEMON_RC" "switchd exit status after SIGTERM"
link_absent "${P}y" || fail "${P}y still exists after switchd stopped"
link_absent "${P}in" "${P}b" || fail "${P}in still exists in ${P}b after switchd stopped"

# 7. The namespace travels with the request: switchctl opens it with its own rights and sends the
# descriptor (SCM_RIGHTS). A switchd with only CAP_NET_ADMIN and CAP_NET_RAW (as under the systemd
# unit) cannot open another process's /proc/PID/ns/net itself, yet the port is made.
DAEMON_WRAP=(setpriv --bounding-set=-all,+net_admin,+net_raw)
start_daemon
unshare -n sleep 600 &
SPID=$!
BG_PIDS+=("$SPID")
wait_until 5 "process $SPID to be in a network namespace of its own" in_own_netns
grep -q '^CapBnd:[[:space:]]*0*3000$' "/proc/$DAEMON_PID/status" ||
	fail "switchd's capability bounding set is not just net_admin+net_raw: $(grep CapBnd "/proc/$DAEMON_PID/status")"
expect_exit 0 ctl port add "${P}w" netns "/proc/$SPID/ns/net"
assert_eq "eth0 lo" "$(in_proc ip -j link show | jq -r '[.[].ifname] | sort | join(" ")')" \
	"interfaces in process $SPID's namespace (descriptor passed)"
expect_exit 0 ctl port del "${P}w"
link_absent "${P}w" || fail "${P}w still exists after port del"

# A request that says a descriptor comes, without one; and one whose descriptor is no namespace.
"$PY" - "$HERE" "$SOCK" "$P" "$SPID" >"$T/fdreq.out" 2>&1 <<'PYEOF' || fail "descriptor requests: $(cat "$T/fdreq.out")"
import array, os, socket, sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import swp
path, p, spid = sys.argv[2], sys.argv[3].encode(), sys.argv[4].encode()
def port_add(name, netns, flags):
    return swp.port_req(swp.PORT_ADD, 7, name, flags=flags, netns=netns)
def ask(msg, fds=()):
    s = swp.connect(path)
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
    s.sendmsg([msg], anc)
    records, done = swp.request(s, b"")
    assert not records and done.seq == 7, (records, done)
    status, _, text = swp.done(done)
    return status, text
# The premise: by path alone, this switchd may not open the process's namespace.
st, msg = ask(port_add(p + b"q", b"/proc/" + spid + b"/ns/net", 0))
assert st == -13 and "Permission denied" in msg, (st, msg)  # -EACCES
st, msg = ask(port_add(p + b"q", b"/proc/1/ns/net", 1))
assert st == -9 and "no namespace descriptor" in msg, (st, msg)  # -EBADF
fd = os.open("/dev/null", os.O_RDONLY)
st, msg = ask(port_add(p + b"q", b"whatever", 1), [fd])
assert st == -22 and "not a network namespace" in msg, (st, msg)  # -EINVAL
print("ok")
PYEOF
link_absent "${P}q" || fail "a refused descriptor request left ${P}q behind"
expect_exit 1 ctl port add "${P}q" netns /proc/999999999/ns/net
assert_contains "$ERR" "no such network namespace" "switchctl's error for a missing process namespace"
daemon_alive || fail "switchd died"

# ---- a /proc/PID/ns/net path outlives its process: port show names the namespace again ---------
# The namespace lives on, named by `ip netns attach`, once the process whose path the port was
# added with has exited: port show then gives that name, not the path that leads elsewhere now.
unshare -n sleep 600 &
npid=$!
BG_PIDS+=("$npid")
own_ns() { [ "$(readlink "/proc/$npid/ns/net")" != "$(readlink /proc/self/ns/net)" ]; }
wait_until 5 "the process to have a network namespace of its own" own_ns
ip netns attach "${P}att" "$npid"
ctl port add "${P}r" netns "/proc/$npid/ns/net" >/dev/null
assert_eq "/proc/$npid/ns/net" "$(port_field "${P}r" netns)" "netns of ${P}r while its process runs"
kill "$npid"
wait "$npid" 2>/dev/null || true
assert_eq "/run/netns/${P}att" "$(port_field "${P}r" netns)" "netns of ${P}r once its process is gone"
assert_eq 1 "$(log_count "port ${P}r: /proc/$npid/ns/net no longer leads to its network namespace: now /run/netns/${P}att")" \
	"log line for the renamed namespace"
# port show lists ports by name, whatever order they were added in.
assert_eq "$(ports_json | jq -r '[.[].name] | sort | join(" ")')" "$(ports_json | jq -r '[.[].name] | join(" ")')" \
	"port show's order"
ctl port del "${P}r" >/dev/null
ip netns del "${P}att"
