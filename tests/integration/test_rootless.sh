#!/usr/bin/env bash
# switchd without root, as docs/rootless.md tells it: a user the test makes (no
# privileges, no groups) starts switchd in a user namespace of its own
# (unshare --user --map-root-user --net), makes two "containers" (network namespaces
# inside that user namespace) and attaches them with port add NAME netns
# /proc/PID/ns/net, then boots a real QEMU guest, as that user, on a stream port.
# Every pair pings: container to container, the guest to a container, a container to
# the guest; 1 MiB of TCP crosses each way between the guest and a container. switchd
# runs as the user (its uid, not root's), and every switchctl,
# nsenter and QEMU is the user's; root only makes the user and reads results.
. "$(dirname "$0")/lib.sh"

MB=1
NET=10.94.0
C_IP=$NET.1
U=${P}u
useradd --system --no-create-home --shell /usr/sbin/nologin "$U" ||
	fail "cannot make the test user $U"
chmod 711 "$T" # the user passes through to its own directory, and sees nothing else here
W=$T/w
mkdir -m 700 "$W"
chown "$U:" "$W"
GUEST_USER=$U GUEST_DIR=$W
. "$HERE/guest.sh"
# guest.sh's trap ends the guests, then lib.sh's cleanup runs; the user goes last but one.
trap 'rc_=$?; set +eE; trap - ERR; kill_guests; for p in "${BG_PIDS[@]}"; do stop_pid "$p" 2; done;
	userdel -f "$U" 2>/dev/null; (exit "$rc_"); cleanup' EXIT

AS_USER=(setpriv --reuid="$(id -u "$U")" --regid="$(id -g "$U")" --clear-groups)
as_user() { "${AS_USER[@]}" "$@"; }
uctl() { as_user timeout 15 "$SWITCHCTL" -s "$W/sw.sock" "$@"; }
# in_ns PID CMD...: as the user, in the user and network namespaces of PID.
in_ns() { local pid=$1; shift; as_user nsenter -t "$pid" --user --preserve-credentials --net "$@"; }

# switchd, the user's, in a user and network namespace of its own (setpriv and unshare exec:
# $! is switchd; not through a function, which would fork a shell in between).
"${AS_USER[@]}" unshare --user --map-root-user --net "$SWITCHD" -s "$W/sw.sock" 2>"$W/switchd.log" &
SW=$!
BG_PIDS+=("$SW")
ctl_answers() { uctl status >/dev/null 2>&1; }
wait_until 10 "switchd to answer the user" ctl_answers
assert_eq "$(id -u "$U")" "$(awk '/^Uid:/ { print $2 }' "/proc/$SW/status")" "switchd's uid (the user's)"
assert_eq "$(id -u "$U")" "$(stat -c %u "$W/sw.sock")" "owner of the control socket"

# Two containers: network namespaces the user makes inside switchd's user namespace.
container() { # NAME IP: the sleeper holding it in CPID[NAME]
	"${AS_USER[@]}" nsenter -t "$SW" --user --preserve-credentials -- unshare --net sleep 600 &
	local pid=$!
	BG_PIDS+=("$pid")
	CPID[$1]=$pid
	wait_until 5 "container $1's namespace" sh -c "[ \"\$(readlink /proc/$pid/ns/net)\" != \"\$(readlink /proc/$SW/ns/net)\" ]"
	uctl port add "${P}$1" netns "/proc/$pid/ns/net" >/dev/null
	in_ns "$pid" ip addr add "$2/24" dev eth0
	in_ns "$pid" ip link set eth0 up
	in_ns "$pid" ip link set lo up
}
declare -A CPID=()
container c1 "$C_IP"
container c2 "$NET.2"
assert_eq "${P}c1 ${P}c2" "$(uctl -j port show | jq -r '[.[].name] | sort | join(" ")')" "the user's ports"
in_ns "${CPID[c1]}" ping -n -q -c 3 -i 0.2 -W 2 "$NET.2" >/dev/null || fail "ping c1 -> c2 failed"
in_ns "${CPID[c2]}" ping -n -q -c 3 -i 0.2 -W 2 "$C_IP" >/dev/null || fail "ping c2 -> c1 failed"

# A VM: QEMU, the user's, on a stream port (its socket beside the control socket, the user's).
uctl port add "${P}vm" type stream >/dev/null
SP=$(uctl -j port show "${P}vm" | jq -r '.[0].path')
assert_eq "$W/ports/${P}vm.sock" "$SP" "the stream port's socket"
MAC_V=$(guest_mac)
IP_V=$NET.10
start_guest v - "$MAC_V" "$IP_V" "stream,id=n0,server=off,addr.type=unix,addr.path=$SP"
wait_guest v "$BOOT_SECS" "GUEST-READY " "the guest to boot (GUEST-READY)"
pid=$(qemu_pid v) || fail "cannot find the guest's QEMU"
assert_eq "$(id -u "$U")" "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" "QEMU's uid (the user's)"
wait_guest v 60 "GUEST-PING-OK " "the guest's ping of container c1 ($C_IP)"
in_ns "${CPID[c2]}" ping -n -q -c 3 -i 0.2 -W 2 "$IP_V" >/dev/null || fail "ping c2 -> the guest failed"
# MB MiB each way between the guest and container c1, exact byte counts (the container's GSO frames
# segmented by switchd for the guest).
guest_peer_run() { in_ns "${CPID[c1]}" "$@"; }
check_tcp v "$IP_V"
assert_eq "${P}vm" "$(uctl -j mac show | jq -r --arg m "$MAC_V" '.[] | select(.mac == $m) | .port')" \
	"port of the guest's MAC"
assert_eq connected "$(uctl -j port show "${P}vm" | jq -r '.[0].state')" "state of the stream port"
say "rootless: switchd (uid $(id -u "$U")), 2 containers and a QEMU guest, all the user's, ping each other"

# A clean stop, its log into lib.sh's (whose cleanup fails the test on a sanitizer's report).
kill_guests
kill -TERM "$SW"
wait_until 5 "switchd to stop" not_running "$SW"
cat "$W/switchd.log" >>"$LOG"
assert_contains "$(cat "$W/switchd.log")" "stopped" "switchd's log at its stop"
