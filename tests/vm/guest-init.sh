#!/bin/sh
# /init of the switchd test guest: PID 1 in a busybox initramfs that
# tests/vm/build-guest.sh packs. It runs no distribution, only this:
#
#   1. mounts proc, sys and devtmpfs; switches IPv6 off (no RS/MLD/DAD chatter);
#   2. loads virtio-net's modules in dependency order (insmod, no modules.dep);
#   3. configures the NIC from the kernel command line:
#        swip=ADDR/PREFIX   address and netmask, e.g. swip=10.93.0.10/24 (required)
#        swmac=MAC          pick the interface with this MAC (default: eth0)
#        swpeer=ADDR        an address to ping once the network works (optional)
#        swmb=N             MiB the TCP services send and expect (default 4)
#        swvlan=VID:ADDR/PREFIX[:PEER],...   802.1Q sub-interfaces IFC.VID with those
#                           addresses; each PEER is pinged as swpeer is (optional)
#   4. starts two TCP services, each in a loop, one connection at a time:
#        port 5001  sends N MiB of zeros, then closes its side
#        port 5002  reads until the client closes, then prints "GUEST-RECV <bytes>"
#   5. prints "GUEST-READY <ifname> <addr> <mac>" on the console (ttyS0);
#   6. pings swpeer (1 s wait each) until it answers (at most 150 tries), then
#      3 more times, and prints "GUEST-PING-OK <peer>" or "GUEST-PING-FAIL <peer>".
#
# Every marker line starts with "GUEST-" at the beginning of a line. The kernel
# answers pings by itself. On a fatal error it prints "GUEST-FAIL <why>" and
# powers off (QEMU runs with -no-reboot, so it exits). Nothing reads
# /dev/urandom: under TCG the guest may wait a long time for entropy.

export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

fail() {
	echo "GUEST-FAIL $*"
	sleep 1
	poweroff -f
	reboot -f
}

ip='' mac='' peer='' mb=4 vlans=''
for arg in $(cat /proc/cmdline); do
	case $arg in
	swip=*) ip=${arg#swip=} ;;
	swmac=*) mac=${arg#swmac=} ;;
	swpeer=*) peer=${arg#swpeer=} ;;
	swmb=*) mb=${arg#swmb=} ;;
	swvlan=*) vlans=${arg#swvlan=} ;;
	esac
done
[ -n "$ip" ] || fail "no swip=ADDR/PREFIX on the kernel command line"
case $ip in */*) ;; *) fail "swip=$ip has no /PREFIX" ;; esac

echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6

# Debian's 6.1 kernel builds virtio-net as modules; this is their dependency order.
for m in virtio_pci_legacy_dev virtio_pci_modern_dev virtio_ring virtio virtio_pci \
	failover net_failover virtio_net llc stp garp mrp 8021q; do
	insmod "/lib/modules/$m.ko" || fail "insmod $m failed"
done

# The NIC: the one with swmac's MAC, else eth0. Probing is quick but not instant.
ifc=
i=0
while [ -z "$ifc" ] && [ $i -lt 100 ]; do
	for d in /sys/class/net/*; do
		n=${d##*/}
		[ "$n" != lo ] || continue
		if [ -n "$mac" ]; then
			[ "$(cat "$d/address")" = "$mac" ] && ifc=$n
		elif [ "$n" = eth0 ]; then
			ifc=$n
		fi
	done
	[ -n "$ifc" ] || { usleep 100000; i=$((i + 1)); }
done
[ -n "$ifc" ] || fail "no network interface${mac:+ with MAC $mac} (seen: $(ls /sys/class/net | tr '\n' ' '))"

ip link set lo up
ip addr add "$ip" dev "$ifc" || fail "ip addr add $ip dev $ifc failed"
ip link set "$ifc" up || fail "ip link set $ifc up failed"

# VLAN sub-interfaces. An address is answered for only on its own interface (arp_ignore=1), so
# a VLAN that leaked would show as a ping that works, not be hidden by the guest answering
# for another VLAN's address.
peers=$peer
echo 1 >/proc/sys/net/ipv4/conf/all/arp_ignore
for v in $(echo "$vlans" | tr ',' ' '); do
	vid=${v%%:*} rest=${v#*:}
	vaddr=${rest%%:*} vpeer=
	[ "$rest" = "$vaddr" ] || vpeer=${rest#*:}
	ip link add link "$ifc" name "$ifc.$vid" type vlan id "$vid" ||
		fail "ip link add $ifc.$vid type vlan id $vid failed"
	ip addr add "$vaddr" dev "$ifc.$vid" || fail "ip addr add $vaddr dev $ifc.$vid failed"
	ip link set "$ifc.$vid" up || fail "ip link set $ifc.$vid up failed"
	echo "GUEST-VLAN $ifc.$vid $vaddr"
	peers="$peers $vpeer"
done

bytes=$((mb * 1048576))
(while :; do
	dd if=/dev/zero bs=1048576 count="$mb" 2>/dev/null | nc -l -p 5001 >/dev/null
done) &
(while :; do
	n=$(nc -l -p 5002 </dev/null | wc -c)
	echo "GUEST-RECV $n"
done) &
# Give the listeners a moment to bind before announcing them.
usleep 200000

echo "GUEST-READY $ifc $ip $(cat "/sys/class/net/$ifc/address") tcp 5001 sends $bytes, 5002 counts"

for peer in $peers; do
	(i=0
	while [ $i -lt 150 ]; do
		if ping -c 1 -W 1 "$peer" >/dev/null 2>&1; then
			if ping -c 3 -W 2 "$peer" >/dev/null 2>&1; then
				echo "GUEST-PING-OK $peer"
				exit 0
			fi
		fi
		i=$((i + 1))
		usleep 300000
	done
	echo "GUEST-PING-FAIL $peer") &
done

# PID 1 must never exit.
while :; do
	sleep 3600
done
