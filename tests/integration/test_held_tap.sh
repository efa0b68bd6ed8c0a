#!/usr/bin/env bash
# A TAP another process holds (as QEMU holds a VM's NIC) gets an afpacket port
# in auto mode, "type tap" on it fails clearly, frames cross both ways, and the
# port goes when the holder exits. A persistent TAP nobody holds gets a tap port
# and survives port del, since switchd did not create it.
. "$(dirname "$0")/lib.sh"

start_daemon
add_host a 10.77.0.1
mac_a=$(host_mac a)
HOLDER_MAC=02:00:00:77:00:01
H=${P}h

# The holder: pkt.py holdtap keeps H open, writes each line fed on fd 7 into it
# as a frame and records what it reads from it.
mkfifo "$T/hold.in"
timeout 60 "${PKT[@]}" holdtap "$H" --out "$T/hold.out" --ready "$T/hold.ready" <"$T/hold.in" &
HOLD_PID=$!
BG_PIDS+=("$HOLD_PID")
exec 7>"$T/hold.in"
wait_until 10 "the holder to open $H" test -s "$T/hold.ready"
sysctl -qw "net.ipv6.conf.$H.disable_ipv6=1"
holder_send() { echo "$1" >&7; }
holder_count() { grep -cE -- "$1" "$T/hold.out" || true; }

# 1. type tap on a held TAP: exit 1 with a clear reason, no port.
expect_exit 1 ctl port add "$H" type tap
assert_eq "port add $H: TAP is held by another process; add it with type afpacket" "$ERR" \
	"stderr of port add type tap on a held TAP"
port_absent "$H" || fail "a failed port add left port $H behind"

# 2. Auto mode attaches it with AF_PACKET; switchd did not create it.
ctl port add "$H" >/dev/null
assert_eq afpacket "$(port_field "$H" type)" "type of the held TAP's port"
assert_eq false "$(port_field "$H" created)" "created flag of the held TAP's port"
assert_eq up "$(port_field "$H" state)" "state of the held TAP's port"

# 3. A frame the holder writes into its fd leaves the TAP's kernel side, where
#    switchd's socket picks it up and floods it to a, unchanged.
marker=$(rand_hex 16)
hex=$(frame ff:ff:ff:ff:ff:ff "$HOLDER_MAC" 88b5 "$marker")
sniff_start a
holder_send "$hex"
sniff_stop a
assert_eq 1 "$(sniff_count a " ${hex}\$")" "holder's broadcast frames reaching a unchanged"
assert_eq "$H" "$(mac_port "$HOLDER_MAC")" "port of the holder's MAC"

# 4. Frames from a reach the holder's fd: known unicast and broadcast, once each.
m1=$(rand_hex 16)
m2=$(rand_hex 16)
send_frames a "$(frame "$HOLDER_MAC" "$mac_a" 88b5 "$m1")" "$(frame ff:ff:ff:ff:ff:ff "$mac_a" 88b5 "$m2")"
wait_for 3 "a's frames to reach the holder" 'test "$(holder_count "$m2")" -ge 1'
sleep 0.2
assert_eq 1 "$(holder_count "^0 [0-9]+ ${HOLDER_MAC//:/}${mac_a//:/}88b5$m1\$")" "a's unicast frames read by the holder"
assert_eq 1 "$(holder_count "$m2")" "a's broadcast frames read by the holder"

# 5. A real exchange: a pings an address whose ARP request the holder answers by hand.
#    (The holder is not a stack; the reply frame is built here from the request's fields.)
in_host a timeout 5 ping -n -q -c 1 -W 1 10.77.0.9 >/dev/null 2>&1 || true
wait_for 3 "a's ARP request for 10.77.0.9 to reach the holder" \
	'test "$(holder_count "ffffffffffff${mac_a//:/}0806")" -ge 1'
arp_reply=$(frame "$mac_a" "$HOLDER_MAC" 0806 "0001080006040002${HOLDER_MAC//:/}0a4d0009${mac_a//:/}0a4d0001")
holder_send "$arp_reply"
a_knows_holder() { ip -n "${P}a" neigh show 10.77.0.9 | grep -qi "lladdr $HOLDER_MAC"; }
wait_until 3 "a to learn 10.77.0.9 at the holder's MAC" a_knows_holder

# 6. The holder exits: its TAP disappears and the port goes within 2 s.
exec 7>&-
wait_until 5 "the holder to exit" not_running "$HOLD_PID"
wait_until 2 "port $H to be removed after its holder exited" port_absent "$H"
assert_eq 1 "$(log_count "port $H removed: interface vanished")" "log lines for the holder's TAP"
mac_absent "$HOLDER_MAC" || fail "the holder's MAC survived its port"

# 7. A persistent TAP that nobody holds: auto mode opens it as a tap port.
ip tuntap add dev "${P}p" mode tap
sysctl -qw "net.ipv6.conf.${P}p.disable_ipv6=1"
ctl port add "${P}p" >/dev/null
assert_eq tap "$(port_field "${P}p" type)" "type of an unheld persistent TAP's port"
assert_eq false "$(port_field "${P}p" created)" "created flag of a TAP switchd did not create"
# It carries traffic like any TAP port: move its kernel side into a host netns and ping.
new_netns "${P}p"
ip link set "${P}p" netns "${P}p"
wait_until 3 "port ${P}p to be moved" port_state_is "${P}p" moved
ip -n "${P}p" link set "${P}p" name eth0
config_eth0 "${P}p" 10.77.0.2
ping_ok a 10.77.0.2
# port del leaves it: switchd did not create it.
ctl port del "${P}p" >/dev/null
sleep 0.5
ip -n "${P}p" link show eth0 >/dev/null 2>&1 || fail "port del deleted persistent TAP ${P}p it did not create"

# 8. "type tap" on a persistent TAP nobody holds also works, and is not "created" either.
ip tuntap add dev "${P}q" mode tap
ctl port add "${P}q" type tap >/dev/null
assert_eq tap "$(port_field "${P}q" type)" "type of ${P}q"
assert_eq false "$(port_field "${P}q" created)" "created flag of ${P}q"
ctl port del "${P}q" >/dev/null
sleep 0.5
ip link show "${P}q" >/dev/null 2>&1 || fail "port del deleted persistent TAP ${P}q it did not create"
