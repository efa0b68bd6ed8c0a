#!/usr/bin/env bash
# One L2 segment over VXLAN across three "hosts" (network namespaces h1, h2, h3 whose
# eth0s are joined by a bridge in a fourth, the underlay wire):
#   h1: switchd (with a config file), containers c1 and c2, vxlan port vx to h2 and h3
#   h2: a Linux bridge with a Linux vxlan device (ip link add ... type vxlan), container c3
#   h3: a second switchd, container c4, vxlan port vx to h1 and h2
# A full mesh of remotes. Pings between every pair, ARP across, TCP both ways with
# default offloads (and an md5 of what crossed), the MAC table's VTEPs, a broadcast
# reaching each remote exactly once with the RFC 7348 header on the wire, a custom
# dstport, remote del/add, a reload that changes the remotes in place, the MTU and its
# drops, the errors, an IPv6 underlay, and switchd's stop deleting its devices.
. "$(dirname "$0")/lib.sh"
command -v iperf3 >/dev/null || fail "missing tool: iperf3"
command -v bridge >/dev/null || fail "missing tool: bridge (iproute2)"

H1=${P}h1 H2=${P}h2 H3=${P}h3 W=${P}w
U1=198.18.70.1 U2=198.18.70.2 U3=198.18.70.3
V1=fd00:70::1 V2=fd00:70::2 V3=fd00:70::3
VNI=4242
MIN_BPS=${SWITCHD_TEST_MIN_VXLAN_BPS:-200000000}
IPERF_SECS=2

# ---- the underlay: three hosts on a bridge in the wire namespace ----
new_netns "$W"
ip -n "$W" link add name wbr type bridge
ip -n "$W" link set wbr up
for h in 1 2 3; do
	ns=$P"h$h"
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip -n "$W" link add "p$h" type veth peer name eth0 netns "$ns"
	ip -n "$W" link set "p$h" master wbr up
	ip -n "$ns" addr add "198.18.70.$h/24" dev eth0
	ip -n "$ns" addr add "fd00:70::$h/64" dev eth0 nodad
	ip -n "$ns" link set eth0 up
done

# ---- h2: the kernel's bridge and vxlan ----
ip -n "$H2" link add br0 type bridge
ip -n "$H2" link add vx type vxlan id "$VNI" local "$U2" dstport 4789
for r in "$U1" "$U3"; do
	bridge -n "$H2" fdb append 00:00:00:00:00:00 dev vx dst "$r"
done
ip -n "$H2" link set vx master br0 up
ip -n "$H2" link set br0 up
new_netns "${P}c3"
ip -n "$H2" link add c3 type veth peer name eth0 netns "${P}c3"
ip -n "$H2" link set c3 master br0 up
ip -n "${P}c3" link set eth0 mtu 1450
config_eth0 "${P}c3" 10.70.0.3

# ---- h1: switchd, from a config file ----
for c in c1 c2 c4; do new_netns "$P$c"; done
CONF=$T/switchd.conf
conf_lines() { # REMOTES
	conf "port add c1 netns ${P}c1 mtu 1450" \
		"port add c2 netns ${P}c2" \
		"port add vx type vxlan vni $VNI remote $1 local $U1"
}
conf_lines "$U2,$U3"
DAEMON_WRAP=(ip netns exec "$H1")
start_daemon -c "$CONF"
config_eth0 "${P}c1" 10.70.0.1
config_eth0 "${P}c2" 10.70.0.2

# ---- h3: a second switchd ----
SOCK3=$T/s3.sock LOG3=$T/s3.log
EXTRA_LOGS+=("$LOG3")
ctl3() { timeout 15 "$SWITCHCTL" -s "$SOCK3" "$@"; }
ip netns exec "$H3" "$SWITCHD" -s "$SOCK3" 2>>"$LOG3" &
PID3=$!
BG_PIDS+=("$PID3")
wait_for 5 "the second switchd to answer" "ctl3 status >/dev/null 2>&1"
ctl3 port add vx type vxlan vni "$VNI" remote "$U1,$U2" local "$U3"
ctl3 port add c4 netns "${P}c4" mtu 1450
config_eth0 "${P}c4" 10.70.0.4

# ---- the ports as port show gives them ----
vx_json() { ctl -j port show vx; }
assert_eq vxlan "$(vx_json | jq -r '.[0].type')" "type of the vxlan port"
assert_eq "$VNI" "$(vx_json | jq -r '.[0].vni')" "vni"
assert_eq "$U2 $U3" "$(vx_json | jq -r '.[0].remotes | join(" ")')" "remotes"
assert_eq "$U1" "$(vx_json | jq -r '.[0].local')" "local"
assert_eq 4789 "$(vx_json | jq -r '.[0].dstport')" "dstport"
assert_eq "" "$(vx_json | jq -r '.[0].group')" "group"
assert_eq true "$(vx_json | jq -r '.[0].created')" "created"
# The underlay's MTU (1500) less 50 for IPv4.
assert_eq 1450 "$(vx_json | jq -r '.[0].mtu')" "the vxlan port's MTU"
assert_eq 1450 "$(ip -n "$H1" -j link show vx | jq -r '.[0].mtu')" "the vxlan device's MTU"
assert_eq "$VNI" "$(ip -n "$H1" -d -j link show vx | jq -r '.[0].linkinfo.info_data.id')" "the device's VNI"
assert_eq "$U2 $U3" "$(bridge -n "$H1" -j fdb show dev vx | jq -r '[.[] | select(.mac == "00:00:00:00:00:00") | .dst] | sort | join(" ")')" "the device's flood list"
assert_eq 1450 "$(ip -n "${P}c1" -j link show eth0 | jq -r '.[0].mtu')" "c1's eth0 MTU (port add ... mtu 1450)"
assert_eq 1500 "$(ip -n "${P}c2" -j link show eth0 | jq -r '.[0].mtu')" "c2's eth0 MTU (the default)"
assert_contains "$(ctl port show vx)" "vni $VNI remote $U2,$U3 local $U1 dstport 4789" "port show vx text"
# Not a vxlan port: none of its keys.
assert_eq null "$(ctl -j port show c1 | jq -r '.[0].vni')" "vni of a veth port"

# ---- every pair pings; ARP crosses ----
for pair in "c1 10.70.0.2" "c1 10.70.0.3" "c1 10.70.0.4" "c2 10.70.0.3" "c2 10.70.0.4" "c3 10.70.0.4" \
	"c3 10.70.0.1" "c4 10.70.0.1" "c4 10.70.0.2" "c4 10.70.0.3"; do
	set -- $pair
	ping_ok "$1" "$2"
done
assert_eq "$(host_mac c3)" "$(ip -n "${P}c1" -j neigh show 10.70.0.3 | jq -r '.[0].lladdr')" "c1's ARP entry for c3"
assert_eq "$(host_mac c1)" "$(ip -n "${P}c4" -j neigh show 10.70.0.1 | jq -r '.[0].lladdr')" "c4's ARP entry for c1"

# ---- the MAC table: what is behind vx, and the VTEP behind each ----
mac_remote() { ctl -j mac show | jq -r --arg m "$1" '.[] | select(.mac == $m) | .remote // ""'; }
assert_eq vx "$(mac_port "$(host_mac c3)")" "c3's MAC is on the vxlan port"
assert_eq "$U2" "$(mac_remote "$(host_mac c3)")" "the VTEP behind c3 (a Linux bridge host)"
assert_eq "$U3" "$(mac_remote "$(host_mac c4)")" "the VTEP behind c4 (a switchd host)"
assert_eq "" "$(mac_remote "$(host_mac c2)")" "a MAC on a veth port has no VTEP"
assert_contains "$(ctl mac show)" "remote $U2" "mac show text names the VTEP"
assert_eq "$U1" "$(ctl3 -j mac show | jq -r --arg m "$(host_mac c1)" '.[] | select(.mac == $m) | .remote')" "h3's switchd: the VTEP behind c1"

# ---- TCP both ways, default offloads ----
tcp_ok c1 c3 10.70.0.3 5401 "switchd c1 -> Linux c3"
tcp_ok c1 c3 10.70.0.3 5402 "Linux c3 -> switchd c1" -R
tcp_ok c1 c4 10.70.0.4 5403 "switchd c1 -> switchd c4"
tcp_ok c1 c4 10.70.0.4 5404 "switchd c4 -> switchd c1" -R
tcp_md5 c3 c1 10.70.0.1 5405 16
tcp_md5 c1 c4 10.70.0.4 5406 16

# ---- the wire: one broadcast, each remote once, RFC 7348 ----
# c1 broadcasts one frame with a marker; the underlay sniffers of h2 and h3 record
# what reaches them. Returns, for HOST, the VXLAN packets addressed to it carrying it.
MAC1=$(host_mac c1)
bcast_frame() { frame ff:ff:ff:ff:ff:ff "$MAC1" 88b5 "$1$(printf '%0*d' $((2 * (46 - ${#1} / 2))) 0)"; }
wire_of() { # HOST DST_IP MARKER [PORTS...]: the VXLAN packets to DST_IP carrying MARKER
	local host=$1 dst=$2 marker=$3
	shift 3
	"$PY" "$HERE/vxwire.py" "$T/sniff.$host" "$@" | awk -v d="$dst" '$3 == d' | grep -F -- "$marker" || true
}
wire_count() { wire_of "$@" | grep -c . || true; }
sniff_count_in() { [ -e "$T/sniff.$1" ] && grep -c -- "$2" "$T/sniff.$1" || echo 0; }

# A second vxlan port with another VNI and dstport, to h2 (which has nothing on 8472: the
# packet is only looked at on the wire).
ctl port add vy type vxlan vni 77 dstport 8472 remote "$U2" local "$U1"
assert_eq 8472 "$(ctl -j port show vy | jq -r '.[0].dstport')" "vy's dstport"
MARK=$(rand_hex 16)
sniff_start h2 h3 c2
send_frames c1 "$(bcast_frame "$MARK")"
wait_for 10 "the broadcast at h2" '[ "$(wire_count h2 '"$U2 $MARK"')" -ge 1 ]'
wait_for 10 "the broadcast at h3" '[ "$(wire_count h3 '"$U3 $MARK"')" -ge 1 ]'
wait_for 10 "the broadcast on vy at h2" '[ "$(wire_count h2 '"$U2 $MARK"' 8472)" -ge 1 ]'
sniff_stop h2 h3 c2
assert_eq 1 "$(wire_count h2 "$U2" "$MARK")" "copies on port 4789 at h2"
assert_eq 1 "$(wire_count h3 "$U3" "$MARK")" "copies on port 4789 at h3"
assert_eq 1 "$(wire_count h2 "$U2" "$MARK" 8472)" "copies on port 8472 at h2"
read -r fam src dst dport flags vni inner <<<"$(wire_of h2 "$U2" "$MARK")"
assert_eq "ipv4 $U1 $U2 4789 0x08 $VNI" "$fam $src $dst $dport $flags $vni" "outer header and VXLAN header at h2"
assert_eq "$(bcast_frame "$MARK")" "$inner" "the inner frame, byte for byte"
read -r fam src dst dport flags vni inner <<<"$(wire_of h2 "$U2" "$MARK" 8472)"
assert_eq "ipv4 $U1 $U2 8472 0x08 77" "$fam $src $dst $dport $flags $vni" "vy's packet: its dstport and VNI"
assert_eq "$(bcast_frame "$MARK")" "$inner" "vy's inner frame, byte for byte"
assert_eq 1 "$(sniff_count_in c2 "$MARK")" "the broadcast reached c2 once"
ctl port del vy
wait_until 5 "vy's device to go" link_absent vy "$H1"

# ---- remote del stops flooding to that host; remote add brings it back ----
ctl port set vx remote del "$U3"
assert_eq "$U2" "$(vx_json | jq -r '.[0].remotes | join(" ")')" "remotes after remote del"
MARK=$(rand_hex 16)
sniff_start h2 h3 c2
send_frames c1 "$(bcast_frame "$MARK")"
wait_for 10 "the broadcast at h2" '[ "$(wire_count h2 '"$U2 $MARK"')" -ge 1 ]'
wait_for 10 "the broadcast at c2" '[ "$(sniff_count_in c2 '"$MARK"')" -ge 1 ]'
sniff_stop h2 h3 c2
assert_eq 1 "$(wire_count h2 "$U2" "$MARK")" "after remote del: copies at h2"
assert_eq 0 "$(wire_count h3 "$U3" "$MARK")" "after remote del: copies at h3"
expect_exit 1 ctl port set vx remote del "$U3"
assert_contains "$ERR" "no remote $U3" "remote del of a remote it does not have"
ctl port set vx remote add "$U3"
assert_eq "" "$(ctl port set vx remote add "$U3")" "remote add of one it has: nothing printed"
assert_eq false "$(ctl -j port set vx remote add "$U3" | jq -r .changed)" "remote add of one it has: no change"
MARK=$(rand_hex 16)
sniff_start h2 h3
send_frames c1 "$(bcast_frame "$MARK")"
wait_for 10 "the broadcast at h2" '[ "$(wire_count h2 '"$U2 $MARK"')" -ge 1 ]'
wait_for 10 "the broadcast at h3" '[ "$(wire_count h3 '"$U3 $MARK"')" -ge 1 ]'
sniff_stop h2 h3
assert_eq 1 "$(wire_count h3 "$U3" "$MARK")" "after remote add: copies at h3"
assert_eq 1 "$(wire_count h2 "$U2" "$MARK")" "after remote add: copies at h2"

# ---- a reload applies the difference in remotes, in place ----
IFX=$(vx_json | jq -r '.[0].ifindex')
conf_lines "$U2"
hup
assert_contains "$(last_reload)" "1 port setting" "the reload's summary"
assert_eq "$U2" "$(vx_json | jq -r '.[0].remotes | join(" ")')" "remotes after the reload"
assert_eq "$IFX" "$(vx_json | jq -r '.[0].ifindex')" "the device is the same one (not re-created)"
assert_eq "$U2" "$(bridge -n "$H1" -j fdb show dev vx | jq -r '[.[] | select(.mac == "00:00:00:00:00:00") | .dst] | join(" ")')" "the flood list after the reload"
ping_ok c1 10.70.0.3
conf_lines "$U3,$U2"
hup
assert_eq "$U2 $U3" "$(vx_json | jq -r '.[0].remotes | sort | join(" ")')" "remotes after the second reload"
assert_eq "$IFX" "$(vx_json | jq -r '.[0].ifindex')" "still the same device"
ping_ok c1 10.70.0.4

# ---- MTU: a frame above the vxlan port's MTU is dropped and counted; mtu N fits it ----
before=$(port_field vx tx_drop_mtu)
in_host c2 timeout 15 ping -n -q -c 3 -i 0.2 -W 1 -M do -s 1472 10.70.0.3 >/dev/null 2>&1 &&
	fail "a 1514-byte frame crossed a port of MTU 1450"
wait_for 5 "tx_drop_mtu on vx" '[ "$(port_field vx tx_drop_mtu)" -ge $((before + 3)) ]'
in_host c2 timeout 15 ping -n -q -c 3 -i 0.2 -W 2 -M do -s 1422 10.70.0.3 >/dev/null ||
	fail "a frame of exactly the vxlan port's MTU did not cross"
in_host c1 timeout 15 ping -n -q -c 3 -i 0.2 -W 2 -M do -s 1422 10.70.0.4 >/dev/null ||
	fail "c1 (mtu 1450) to c4 at its MTU"

# ---- errors ----
expect_exit 2 ctl port add vz type vxlan vni 16777216
assert_contains "$ERR" "1..16777215" "vni out of range"
expect_exit 2 ctl port add vz type vxlan vni 0
expect_exit 2 ctl port add vz type vxlan remote "$U2"
assert_contains "$ERR" "needs vni" "vxlan without a vni"
expect_exit 2 ctl port add vz type vxlan vni 5 remote 198.18.70.x
expect_exit 2 ctl port add vz vni 5
expect_exit 2 ctl port add vz mtu 1400
expect_exit 1 ctl port add vz type vxlan vni 5 local 192.0.2.99
assert_contains "$ERR" "local 192.0.2.99 is not an address of this host" "a local address not ours"
expect_exit 1 ctl port add eth0 type vxlan vni 5 remote "$U2"
assert_contains "$ERR" "already exists" "a device name in use"
expect_exit 1 ctl port add vz type vxlan vni "$VNI" remote "$U2"
assert_contains "$ERR" "vni $VNI" "a second device with the same VNI and dstport"
expect_exit 1 ctl port add vz type vxlan vni 5 remote "$V2"
assert_contains "$ERR" "IPv6 underlay needs local" "IPv6 remotes without local"
expect_exit 1 ctl port add vz type vxlan vni 5 remote "$U2" local "$V1"
expect_exit 1 ctl port add vz type vxlan vni 5 group 239.1.1.1
assert_contains "$ERR" "needs dev" "a group without a dev"
expect_exit 1 ctl port add vz type vxlan vni 5 group 10.0.0.1 dev eth0
assert_contains "$ERR" "not a multicast address" "a group that is not multicast"
expect_exit 1 ctl port add vz type vxlan vni 5 dev nosuchdev
expect_exit 1 ctl port set c1 remote add "$U2"
assert_contains "$ERR" "not a vxlan port" "remote add on a veth port"
expect_exit 1 ctl port set vx remote add "$V2"
assert_contains "$ERR" "IPv4" "an IPv6 remote on an IPv4 port"
expect_exit 2 ctl port set vx remote add
expect_exit 2 ctl port set vx remote flip "$U2"
link_absent vz "$H1" || fail "a failed port add left a device behind"
daemon_alive || fail "switchd died on the errors"
# A multicast underlay: the device joins the group on dev.
ctl port add vg type vxlan vni 99 group 239.1.70.1 dev eth0
assert_eq "239.1.70.1 eth0" "$(ctl -j port show vg | jq -r '.[0] | "\(.group) \(.dev)"')" "group and dev"
assert_eq "239.1.70.1" "$(ip -n "$H1" -d -j link show vg | jq -r '.[0].linkinfo.info_data.group')" "the device's group"
ctl port del vg

# ---- the OVS interop case ----
if ! command -v ovs-vswitchd >/dev/null; then
	say "SKIP: OVS interop: openvswitch-switch is not installed (this kernel has no openvswitch module; the userspace datapath is not set up by this test)"
fi

# ---- an IPv6 underlay: the same segment, over fd00:70::/64 ----
ctl port del vx
ctl3 port del vx
ip -n "$H2" link del vx
ctl port add vx6 type vxlan vni "$VNI" local "$V1" remote "$V2,$V3"
ctl3 port add vx6 type vxlan vni "$VNI" local "$V3" remote "$V1,$V2"
ip -n "$H2" link add vx6 type vxlan id "$VNI" local "$V2" dstport 4789
for r in "$V1" "$V3"; do
	bridge -n "$H2" fdb append 00:00:00:00:00:00 dev vx6 dst "$r"
done
ip -n "$H2" link set vx6 master br0 up
# The underlay's 1500 less 70 for IPv6.
assert_eq 1430 "$(ctl -j port show vx6 | jq -r '.[0].mtu')" "an IPv6 vxlan port's MTU"
assert_eq "$V2 $V3" "$(ctl -j port show vx6 | jq -r '.[0].remotes | join(" ")')" "IPv6 remotes"
ping_ok c1 10.70.0.3
ping_ok c1 10.70.0.4
ping_ok c3 10.70.0.4
assert_eq "$V2" "$(mac_remote "$(host_mac c3)")" "the IPv6 VTEP behind c3"
assert_eq "$V3" "$(mac_remote "$(host_mac c4)")" "the IPv6 VTEP behind c4"

# ---- switchd's stop deletes the devices it made ----
stop_daemon
link_absent vx6 "$H1" || fail "switchd's stop left vx6 behind"
link_absent c1 "$H1" || fail "switchd's stop left c1 behind"
stop_pid "$PID3" 5
link_absent vx6 "$H3" || fail "the second switchd's stop left vx6 behind"
