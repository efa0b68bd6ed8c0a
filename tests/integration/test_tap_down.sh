#!/usr/bin/env bash
# A TAP whose link is down: the kernel answers switchd's writes with EIO. Each is counted as a
# send error on that port, the port stays, nothing else is disturbed, and once the link is up
# again frames flow.
. "$(dirname "$0")/lib.sh"

start_daemon
add_host a 10.88.0.1
add_host b 10.88.0.2
add_tap_host t 10.88.0.3
ping_ok a 10.88.0.3
ping_ok a 10.88.0.2

in_host t ip link set eth0 down
errors0=$(port_field "${P}t" tx_drop_error)
# Broadcasts from a go to every port: to b as usual, to the down TAP as EIO.
for _ in 1 2 3 4 5; do
	send_frames a "$(frame ff:ff:ff:ff:ff:ff "$(host_mac a)" 88b5 "$(rand_hex 8)")"
done
wait_for 3 "5 send errors on the down TAP" \
	'test "$(port_field "${P}t" tx_drop_error)" -ge $((errors0 + 5))'
assert_eq "$(port_field "${P}t" tx_dropped)" "$(port_field "${P}t" tx_drop_error)" \
	"every send drop on the down TAP is an error drop"
port_exists "${P}t" || fail "the TAP port went away when its link went down"
ping_ok a 10.88.0.2

in_host t ip link set eth0 up
ping_ok a 10.88.0.3
ping_ok t 10.88.0.2
