#!/usr/bin/env bash
# TCP through switchd with the kernel's default offloads: GSO super-frames cross
# whole, so iperf3 runs at Gbit/s between two veth hosts and between a veth
# host and a TAP host, in both directions.
. "$(dirname "$0")/lib.sh"
command -v iperf3 >/dev/null || fail "missing tool: iperf3"

# Below this the GSO path is broken (segment-by-segment forwarding tops out far
# lower); the machine this was written on does several Gbit/s.
MIN_BPS=${SWITCHD_TEST_MIN_TCP_BPS:-1000000000}
IPERF_SECS=3

start_daemon
add_host a 10.74.0.1
add_host b 10.74.0.2
add_tap_host t 10.74.0.3
ping_ok a 10.74.0.2
ping_ok a 10.74.0.3


gso_frames_seen() { # PORT: average received frame size well above one MTU
	local rxb rxp
	rxb=$(port_field "$1" rx_bytes)
	rxp=$(port_field "$1" rx_packets)
	[ "$rxp" -gt 0 ] && [ $((rxb / rxp)) -gt 3000 ]
}

tcp_ok a b 10.74.0.2 5301 "veth a -> veth b"
gso_frames_seen "${P}a" || fail "port ${P}a: frames averaged $(($(port_field "${P}a" rx_bytes) / $(port_field "${P}a" rx_packets))) bytes; GSO super-frames did not cross whole"

tcp_ok a t 10.74.0.3 5302 "veth a -> TAP t"
tcp_ok a t 10.74.0.3 5303 "TAP t -> veth a" -R
gso_frames_seen "${P}t" || fail "port ${P}t: GSO super-frames from the TAP did not cross whole"

# UDP GSO (UDP_SEGMENT): a sends 20 super-frames of 10 x 1000-byte datagrams each to b
# (veth) and to t (TAP). switchd carries them whole (about 10 KB per frame received
# from a) and the receivers get all 200 datagrams, each of 1000 bytes.
udp_recv() { # HOST: counts datagrams on UDP port 9999 into $T/udp.HOST
	ip netns exec "$P$1" timeout 20 "$PY" - "$T/udp.$1" "$T/udp.$1.ready" <<'PYEOF' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE: no drops at the receiver
s.bind(("0.0.0.0", 9999))
s.settimeout(3)
open(sys.argv[2], "w").close()
sizes = []
try:
    while len(sizes) < 200:
        sizes.append(len(s.recv(65535)))
except socket.timeout:
    pass
open(sys.argv[1], "w").write("%d %d\n" % (len(sizes), sum(sizes)))
PYEOF
	UDP_PID=$!
	BG_PIDS+=("$UDP_PID")
	wait_until 10 "UDP receiver in $1" test -e "$T/udp.$1.ready"
}
udp_gso_send() { # IP
	in_host a timeout 20 "$PY" - "$1" <<'PYEOF'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_UDP, 103, 1000)  # UDP_SEGMENT: 1000-byte datagrams
for _ in range(20):
    s.sendto(b"u" * 10000, (sys.argv[1], 9999))
    time.sleep(0.01)
PYEOF
}
for dst in b t; do
	ip=10.74.0.2
	[ "$dst" = t ] && ip=10.74.0.3
	rxp0=$(port_field "${P}a" rx_packets)
	rxb0=$(port_field "${P}a" rx_bytes)
	udp_recv "$dst"
	udp_gso_send "$ip"
	wait "$UDP_PID" || true
	assert_eq "200 200000" "$(cat "$T/udp.$dst")" "UDP datagrams and bytes received by $dst"
	frames=$(($(port_field "${P}a" rx_packets) - rxp0))
	bytes=$(($(port_field "${P}a" rx_bytes) - rxb0))
	say "UDP GSO a -> $dst: 200 datagrams arrived; switchd got $frames frames, $((bytes / frames)) bytes each"
	assert_le "$frames" 30 "frames switchd received from a for 20 UDP super-frames"
done

# Nothing was lost to errors on the way; the link stays usable.
for h in a b t; do
	assert_eq 0 "$(port_field "$P$h" tx_drop_error)" "tx_drop_error on $P$h"
	assert_eq 0 "$(port_field "$P$h" tx_drop_mtu)" "tx_drop_mtu on $P$h (GSO frames are exempt)"
	assert_eq 0 "$(port_field "$P$h" rx_drop_error)" "rx_drop_error on $P$h"
done
ping_ok b 10.74.0.3
