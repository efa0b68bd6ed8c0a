#!/usr/bin/env bash
# A real QEMU guest (Debian 12's 6.1 kernel, a busybox initramfs, virtio-net)
# on switchd, next to a container on a veth port, attached both ways that
# docs/vms.md shows:
#   A. QEMU opens its TAP with script=no; `switchctl port add` attaches it
#      (afpacket, since QEMU holds it); ping both ways, the guest's MAC on its
#      port, 4 MiB over TCP each way with exact byte counts; QEMU is killed
#      (SIGKILL) and the port goes within 2 s.
#   B. QEMU runs scripts/qemu-ifup / qemu-ifdown: the port appears by itself,
#      ping both ways and TCP work, QEMU quits through its monitor and the
#      ifdown script removes the port.
#   C. QEMU's -netdev stream connects to a stream port (no TAP): ping both ways
#      and TCP each way (the container's GSO frames segmented by switchd); QEMU
#      is killed and the port waits for another peer, its MACs flushed; a new
#      QEMU on the port is connected within 2 s of its start and pings.
#   E (after C). QEMU's -netdev dgram (unix addresses) to a dgram port: the port
#      waits for the guest's first frame, then ping both ways and TCP each way;
#      QEMU is killed and the port waits again once a frame for it is refused,
#      its MACs flushed.
#   D. A real 802.1Q client: a guest with VLAN sub-interfaces 10 and 20 (its
#      kernel's 8021q) on a trunk port, containers on access ports of VLAN 10 and
#      20: ping both ways in each VLAN, the guest's MAC in both, and nothing
#      across VLANs (an address of the other VLAN's subnet reaches nobody).
# The guest comes from tests/vm/build-guest.sh, cached in
# $SWITCHD_GUEST_CACHE (default ${XDG_CACHE_HOME:-/var/cache}/switchd-test-guest):
# the first run downloads the kernel package (apt-get download, ~70 MB).
# Software emulation (TCG) unless /dev/kvm works and the CPU shows vmx/svm
# (SWITCHD_TEST_QEMU_ACCEL=tcg|kvm overrides).
. "$(dirname "$0")/lib.sh"

MB=4
NET=10.93.0
C_IP=$NET.1
T0=$(now_ms)
. "$HERE/guest.sh"

start_daemon
add_host c "$C_IP"
mac_c=$(host_mac c)

# ---- A: QEMU opens the TAP, `switchctl port add` attaches it ----------------------

VA=${P}vm
MAC_A=$(guest_mac)
IP_A=$NET.10
t=$(now_ms)
start_guest a "$VA" "$MAC_A" "$IP_A" "script=no,downscript=no"
link_exists() { ip link show "$1" >/dev/null 2>&1; }
wait_until 20 "QEMU to create TAP $VA" link_exists "$VA"
# The host's own stack has nothing to say on a switch port.
sysctl -qw "net.ipv6.conf.$VA.disable_ipv6=1"
wait_guest a "$BOOT_SECS" "GUEST-READY " "the guest to boot (GUEST-READY)"
say "guest a booted in $(since "$t")s: $(serial_line a "GUEST-READY ")"
assert_contains "$(serial_line a "GUEST-READY ")" "$MAC_A" "guest a's NIC MAC"

port_absent "$VA" || fail "port $VA exists before port add"
expect_exit 1 ctl port add "$VA" type tap
assert_eq "port add $VA: TAP is held by another process; add it with type afpacket" "$ERR" \
	"stderr of port add type tap on QEMU's TAP"
ctl port add "$VA" >/dev/null
assert_eq afpacket "$(port_field "$VA" type)" "type of QEMU's TAP's port"
assert_eq false "$(port_field "$VA" created)" "created flag of QEMU's TAP's port"
assert_eq up "$(port_field "$VA" state)" "state of QEMU's TAP's port"

t=$(now_ms)
ping_ok c "$IP_A"
wait_guest a 60 "GUEST-PING-OK " "the guest's ping of the container ($C_IP)"
say "ping container <-> guest a in $(since "$t")s"
assert_eq "$VA" "$(mac_port "$MAC_A")" "port of guest a's MAC ($MAC_A)"
assert_eq "${P}c" "$(mac_port "$mac_c")" "port of the container's MAC"
check_tcp a "$IP_A"
assert_ge "$(port_field "$VA" rx_bytes)" "$BYTES" "rx_bytes of $VA after the guest sent $BYTES bytes"
assert_ge "$(port_field "$VA" tx_bytes)" "$BYTES" "tx_bytes of $VA after the guest received $BYTES bytes"

# Kill QEMU outright: no downscript, the TAP vanishes with the process.
pid=$(qemu_pid a) || fail "cannot find guest a's QEMU process"
# timeout dies of the same signal: out of the job table, bash prints no "Killed" notice.
disown "${QPID[a]}"
kill -KILL "$pid"
wait_until 5 "guest a's QEMU to exit" not_running "$pid"
t=$(now_ms)
wait_until 2 "port $VA to be removed after QEMU was killed" port_absent "$VA"
say "port $VA removed $(since "$t")s after QEMU exited"
assert_eq 1 "$(log_count "port $VA removed: interface vanished")" "log lines for $VA's removal"
mac_absent "$MAC_A" || fail "guest a's MAC survived its port"
link_exists "$VA" && fail "TAP $VA outlived QEMU"

# ---- B: QEMU runs scripts/qemu-ifup and scripts/qemu-ifdown ------------------------

VB=${P}vm2
MAC_B=$(guest_mac)
IP_B=$NET.11
export SWITCHD_SOCKET=$SOCK SWITCHCTL
MON=$T/b.mon
t=$(now_ms)
start_guest b "$VB" "$MAC_B" "$IP_B" \
	"script=$REPO/scripts/qemu-ifup,downscript=$REPO/scripts/qemu-ifdown" \
	-monitor "unix:$MON,server=on,wait=off"
# QEMU runs the ifup script while it sets up the NIC, before the guest boots.
wait_until 20 "qemu-ifup to attach $VB" port_exists "$VB"
say "port $VB attached by qemu-ifup $(since "$t")s after QEMU started"
assert_eq afpacket "$(port_field "$VB" type)" "type of the port qemu-ifup added"
assert_eq up "$(port_field "$VB" state)" "state of the port qemu-ifup added"
assert_contains "$(cat "$T/b.err")" "qemu-ifup: $VB: attached to switchd" "qemu-ifup's message"
wait_guest b "$BOOT_SECS" "GUEST-READY " "the guest to boot (GUEST-READY)"
say "guest b booted in $(since "$t")s"
t=$(now_ms)
ping_ok c "$IP_B"
wait_guest b 60 "GUEST-PING-OK " "the guest's ping of the container ($C_IP)"
say "ping container <-> guest b in $(since "$t")s"
assert_eq "$VB" "$(mac_port "$MAC_B")" "port of guest b's MAC ($MAC_B)"
check_tcp b "$IP_B"

# Quit QEMU through its monitor: it runs the downscript before closing the TAP.
t=$(now_ms)
timeout 10 "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"quit\n")
s.settimeout(5)
try:
    while s.recv(4096):
        pass
except OSError:
    pass
' "$MON" || fail "cannot send quit to guest b's QEMU monitor"
wait_until 15 "guest b's QEMU to quit" not_running "${QPID[b]}"
wait "${QPID[b]}" || fail "guest b's QEMU exited with status $? after quit"
say "guest b's QEMU quit in $(since "$t")s"
port_absent "$VB" || fail "port $VB still there after QEMU quit (qemu-ifdown)"
assert_contains "$(cat "$T/b.err")" "qemu-ifdown: $VB: detached from switchd" "qemu-ifdown's message"
assert_eq 1 "$(log_count "port $VB removed: deleted by request")" "log lines for $VB's port del"
mac_absent "$MAC_B" || fail "guest b's MAC survived its port"
link_exists "$VB" && fail "TAP $VB outlived QEMU"

# ---- C: QEMU's -netdev stream connects to a stream port ----------------------------

VS=${P}vs
MAC_S=$(guest_mac)
IP_S=$NET.12
ctl port add "$VS" type stream >/dev/null
SP=$(port_field "$VS" path)
assert_eq waiting "$(port_field "$VS" state)" "state of $VS before QEMU"
t=$(now_ms)
start_guest s - "$MAC_S" "$IP_S" "stream,id=n0,server=off,addr.type=unix,addr.path=$SP"
wait_until 20 "QEMU to connect to $SP" port_state_is "$VS" connected
wait_guest s "$BOOT_SECS" "GUEST-READY " "the guest to boot (GUEST-READY)"
say "guest s (-netdev stream) booted in $(since "$t")s"
t=$(now_ms)
ping_ok c "$IP_S"
wait_guest s 60 "GUEST-PING-OK " "the guest's ping of the container ($C_IP)"
say "ping container <-> guest s in $(since "$t")s"
assert_eq "$VS" "$(mac_port "$MAC_S")" "port of guest s's MAC ($MAC_S)"
# The container's TCP comes as GSO frames: switchd segments them for the guest.
check_tcp s "$IP_S"
assert_eq 0 "$(port_field "$VS" rx_drop_error)" "rx_drop_error on $VS"
assert_eq 0 "$(port_field "$VS" tx_drop_gso)" "tx_drop_gso on $VS"
pid=$(qemu_pid s) || fail "cannot find guest s's QEMU process"
disown "${QPID[s]}"
kill -KILL "$pid"
wait_until 5 "guest s's QEMU to exit" not_running "$pid"
wait_until 2 "$VS to wait for another peer" port_state_is "$VS" waiting
mac_absent "$MAC_S" || fail "guest s's MAC survived its peer"
[ -S "$SP" ] || fail "the socket of $VS went with its peer"
# QEMU started again on the same port: connected within 2 s of its start, and the guest pings.
t=$(now_ms)
start_guest s2 - "$MAC_S" "$IP_S" "stream,id=n0,server=off,addr.type=unix,addr.path=$SP"
wait_until 2 "the new QEMU to connect to $SP" port_state_is "$VS" connected
say "a new QEMU on $VS connected $(since "$t")s after its start"
wait_guest s2 "$BOOT_SECS" "GUEST-PING-OK " "the new guest's ping of the container ($C_IP)"
ping_ok c "$IP_S"
assert_eq "$VS" "$(mac_port "$MAC_S")" "port of the new guest's MAC"
pid=$(qemu_pid s2) || fail "cannot find guest s2's QEMU process"
disown "${QPID[s2]}"
kill -KILL "$pid"
wait_until 5 "guest s2's QEMU to exit" not_running "$pid"
ctl port del "$VS" >/dev/null
[ ! -e "$SP" ] || fail "socket $SP left after port del"

# ---- E: QEMU's -netdev dgram sends to a dgram port ------------------------------------

VD=${P}vd
MAC_D=$(guest_mac)
IP_D=$NET.13
ctl port add "$VD" type dgram >/dev/null
DP=$(port_field "$VD" path)
assert_eq waiting "$(port_field "$VD" state)" "state of $VD before QEMU"
t=$(now_ms)
start_guest d - "$MAC_D" "$IP_D" \
	"dgram,id=n0,local.type=unix,local.path=$T/qemu-d.sock,remote.type=unix,remote.path=$DP"
wait_guest d "$BOOT_SECS" "GUEST-READY " "the guest to boot (GUEST-READY)"
say "guest d (-netdev dgram) booted in $(since "$t")s"
t=$(now_ms)
ping_ok c "$IP_D"
wait_guest d 60 "GUEST-PING-OK " "the guest's ping of the container ($C_IP)"
say "ping container <-> guest d in $(since "$t")s"
assert_eq connected "$(port_field "$VD" state)" "state of $VD with QEMU sending"
assert_eq "$T/qemu-d.sock" "$(port_field "$VD" peer_path)" "peer of $VD: QEMU's local socket"
assert_eq "$VD" "$(mac_port "$MAC_D")" "port of guest d's MAC ($MAC_D)"
check_tcp d "$IP_D"
assert_eq 0 "$(port_field "$VD" rx_drop_error)" "rx_drop_error on $VD"
assert_eq 0 "$(port_field "$VD" tx_drop_gso)" "tx_drop_gso on $VD"
pid=$(qemu_pid d) || fail "cannot find guest d's QEMU process"
disown "${QPID[d]}"
kill -KILL "$pid"
wait_until 5 "guest d's QEMU to exit" not_running "$pid"
# A killed QEMU leaves its socket file, with nobody reading it: the next frame is refused.
in_host c ping -c 1 -W 1 "$IP_D" >/dev/null 2>&1 || true
wait_until 5 "$VD to wait again" port_state_is "$VD" waiting
mac_absent "$MAC_D" || fail "guest d's MAC survived its peer"
ctl port del "$VD" >/dev/null
[ ! -e "$DP" ] || fail "socket $DP left after port del"

daemon_alive || fail "switchd died"
assert_eq "${P}c" "$(port_names)" "ports left"

# ---- D: a real 802.1Q client: the guest on a trunk port, VLAN sub-interfaces 10 and 20 ----
# Containers on access ports of VLAN 10 and 20; the guest's kernel tags and untags (8021q).
add_host c10 10.94.10.1
add_host c20 10.94.20.1
ctl port set "${P}c10" vlan access 10
ctl port set "${P}c20" vlan access 20
VC=${P}vm3
MAC_C=$(guest_mac)
t=$(now_ms)
GUEST_PEER='' GUEST_VLANS=10:10.94.10.10/24:10.94.10.1,20:10.94.20.10/24:10.94.20.1 \
	start_guest v "$VC" "$MAC_C" "$NET.12" "script=no,downscript=no"
wait_until 20 "QEMU to create TAP $VC" link_exists "$VC"
sysctl -qw "net.ipv6.conf.$VC.disable_ipv6=1"
ctl port add "$VC" >/dev/null
ctl port set "$VC" vlan trunk 10,20
wait_guest v "$BOOT_SECS" "GUEST-READY " "the guest to boot (GUEST-READY)"
assert_eq 2 "$(grep -c '^GUEST-VLAN ' "$T/v.serial")" "the guest's VLAN interfaces"
wait_guest v 60 "GUEST-PING-OK 10.94.10.1" "the guest's ping over VLAN 10"
wait_guest v 60 "GUEST-PING-OK 10.94.20.1" "the guest's ping over VLAN 20"
ping_ok c10 10.94.10.10
ping_ok c20 10.94.20.10
say "guest v on a trunk: VLAN 10 and 20 ping both ways in $(since "$t")s"
assert_eq "$VC $VC" "$(mac_port "$MAC_C" 10) $(mac_port "$MAC_C" 20)" "the guest's MAC in VLAN 10 and 20"
# Over the wrong VLAN: c20 with an address in VLAN 10's subnet reaches nobody there.
ip -n "${P}c20" addr add 10.94.10.2/24 dev eth0
ping_fails c20 10.94.10.10
ping_fails c20 10.94.10.1
ip -n "${P}c10" addr add 10.94.20.2/24 dev eth0
ping_fails c10 10.94.20.10
assert_eq "${P}c20" "$(mac_port "$(host_mac c20)" 20)" "c20's MAC only in VLAN 20"
mac_absent "$(host_mac c20)" 10 || fail "c20's MAC learned in VLAN 10"
assert_ge "$(port_field "$VC" tx_packets)" 6 "frames switchd sent the guest, tagged"

say "total $(since "$T0")s"
