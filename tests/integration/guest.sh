# Real QEMU guests for the integration tests (sourced after lib.sh): the guest
# image (tests/vm/build-guest.sh, cached in $SWITCHD_GUEST_CACHE, default
# ${XDG_CACHE_HOME:-/var/cache}/switchd-test-guest), the accelerator, and
# start_guest / wait_guest / kill_guests. The sourcing test sets MB (MiB the
# guest's TCP check moves) and C_IP (the address the guest pings) first, and
# may set GUEST_USER to run QEMU as that user (its files then go in $GUEST_DIR,
# a directory the user owns).
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${SWITCHD_GUEST_CACHE:-${XDG_CACHE_HOME:-/var/cache}/switchd-test-guest}
QEMU=${QEMU:-qemu-system-x86_64}
BOOT_SECS=${SWITCHD_TEST_BOOT_SECS:-90}
GUEST_DIR=${GUEST_DIR:-$T}
BYTES=$((MB * 1048576))
# How to run a command where the guest's TCP peer is (the container at C_IP); a test may redefine it.
guest_peer_run() { in_host c "$@"; }

command -v "$QEMU" >/dev/null ||
	fail "missing $QEMU (Debian package qemu-system-x86; scripts/deps.sh --test installs it)"

# Seconds (one decimal) since $1 (ms).
since() { awk -v d=$(($(now_ms) - $1)) 'BEGIN { printf "%.1f", d / 1000 }'; }

# ---- the guest image ------------------------------------------------------------

# build-guest.sh bounds each apt step by itself; this bounds the whole.
export SWITCHD_GUEST_DL_TIMEOUT=${SWITCHD_GUEST_DL_TIMEOUT:-120}
t=$(now_ms)
say "guest image: tests/vm/build-guest.sh $CACHE"
rc=0
timeout -k 10 "${SWITCHD_TEST_GUEST_BUILD_SECS:-200}" bash "$REPO/tests/vm/build-guest.sh" "$CACHE" \
	>"$T/build-guest.out" 2>"$T/build-guest.err" || rc=$?
sed 's/^/#   /' "$T/build-guest.err" >&2
case $rc in
0) ;;
124 | 137) fail "building the guest (tests/vm/build-guest.sh) took longer than ${SWITCHD_TEST_GUEST_BUILD_SECS:-200}s: kernel download too slow?" ;;
*) fail "building the guest failed: $(grep 'error:' "$T/build-guest.err" | tail -n 1)" ;;
esac
KERNEL=$CACHE/vmlinuz
INITRD=$CACHE/initrd.img
[ -s "$KERNEL" ] && [ -s "$INITRD" ] || fail "build-guest.sh left no $KERNEL / $INITRD"
say "guest image ready in $(since "$t")s"

ACCEL=${SWITCHD_TEST_QEMU_ACCEL:-}
if [ -z "$ACCEL" ]; then
	ACCEL=tcg
	# A /dev/kvm without vmx/svm (a paravirtual backend) hangs a Debian kernel: TCG then.
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
		ACCEL=kvm
	fi
fi
say "QEMU accelerator: $ACCEL"

# A MAC for a guest: QEMU's 52:54:00 prefix, random rest (no two runs alike).
guest_mac() { echo "52:54:00:$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n' | sed 's/../&:/g; s/:$//')"; }

# start_guest NAME TAP MAC IP TAPOPTS [QEMU ARGS...]: boots a guest in the
# background, its serial console in $T/NAME.serial, QEMU's stderr in $T/NAME.err,
# its PID (under timeout) in QPID[NAME]. TAP "-": TAPOPTS is the whole -netdev
# (id n0) instead of a tap's options.
declare -A QPID=()
start_guest() {
	local name=$1 tap=$2 mac=$3 ip=$4 tapopts=$5 netdev
	shift 5
	netdev="tap,id=n0,ifname=$tap,$tapopts"
	[ "$tap" != - ] || netdev=$tapopts
	local as=()
	[ -z "${GUEST_USER:-}" ] || as=(setpriv --reuid="$GUEST_USER" --regid="$(id -g "$GUEST_USER")" --clear-groups)
	: >"$GUEST_DIR/$name.serial"
	[ -z "${GUEST_USER:-}" ] || chown "$GUEST_USER" "$GUEST_DIR/$name.serial"
	timeout -k 5 240 "${as[@]}" "$QEMU" -M pc -m 256 -smp 1 -accel "$ACCEL" \
		-nodefaults -display none -no-reboot \
		-kernel "$KERNEL" -initrd "$INITRD" \
		-append "console=ttyS0 quiet panic=-1 swip=$ip/24 swmac=$mac ${GUEST_PEER-swpeer=$C_IP} swmb=$MB ${GUEST_VLANS:+swvlan=$GUEST_VLANS}" \
		-netdev "$netdev" \
		-device "virtio-net-pci,netdev=n0,mac=$mac" \
		-serial "file:$GUEST_DIR/$name.serial" -pidfile "$GUEST_DIR/$name.pid" "$@" \
		</dev/null >"$T/$name.out" 2>"$T/$name.err" &
	QPID[$name]=$!
	BG_PIDS+=("$!")
}

# The QEMU process itself (the child of our timeout), for a SIGKILL.
qemu_pid() {
	local pid
	pid=$(cat "$GUEST_DIR/$1.pid" 2>/dev/null) || return 1
	[ "$(awk '{ sub(/.*\) /, ""); print $2 }' "/proc/$pid/stat" 2>/dev/null)" = "${QPID[$1]}" ] || return 1
	running "$pid" || return 1
	echo "$pid"
}

# lib.sh's cleanup stops timeout by PID (TERM, then KILL after 2 s); a KILL would
# leave QEMU behind. So first KILL every QEMU still running, then run cleanup
# with the exit status the test had.
kill_guests() {
	local name pid
	for name in "${!QPID[@]}"; do
		if pid=$(qemu_pid "$name"); then
			disown "${QPID[$name]}" 2>/dev/null # no "Killed" notice for its timeout
			kill -KILL "$pid" 2>/dev/null
		fi
	done
	return 0
}
rc_=0
trap 'rc_=$?; set +eE; trap - ERR; kill_guests; (exit "$rc_"); cleanup' EXIT

serial_has() { grep -qE "^$2" "$GUEST_DIR/$1.serial"; }
serial_line() { grep -E "^$2" "$GUEST_DIR/$1.serial" | tail -n 1 | tr -d '\r'; }

guest_dump() {
	echo "---- serial console of guest $1 ----" >&2
	tr -d '\r' <"$GUEST_DIR/$1.serial" | tail -n 40 >&2
	if [ -s "$T/$1.err" ]; then
		echo "---- QEMU's stderr ----" >&2
		tail -n 20 "$T/$1.err" >&2
	fi
	echo "----" >&2
}

# wait_guest NAME SECS REGEX WHAT: a serial line matching REGEX within SECS, or
# fails at once if the guest reports a failure or QEMU exits.
wait_guest() {
	local name=$1 secs=$2 re=$3 what=$4 end
	end=$(($(now_ms) + secs * 1000))
	while ! serial_has "$name" "$re"; do
		if serial_has "$name" "GUEST-(FAIL|PING-FAIL)"; then
			guest_dump "$name"
			fail "guest $name: $(serial_line "$name" "GUEST-(FAIL|PING-FAIL)") (waiting for $what)"
		fi
		if ! running "${QPID[$name]}"; then
			guest_dump "$name"
			fail "QEMU of guest $name exited while waiting for $what"
		fi
		if [ "$(now_ms)" -ge "$end" ]; then
			guest_dump "$name"
			fail "guest $name: timed out after ${secs}s waiting for $what"
		fi
		sleep 0.2
	done
}

# tcp_read IP PORT: connects from the container, reads until EOF, prints the byte count.
tcp_read() {
	guest_peer_run timeout 60 "$PY" -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
n = 0
while True:
    b = s.recv(1 << 16)
    if not b:
        break
    n += len(b)
print(n)
' "$1" "$2"
}
# tcp_write IP PORT BYTES: connects from the container, sends BYTES zero bytes, closes.
tcp_write() {
	guest_peer_run timeout 60 "$PY" -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
left = int(sys.argv[3])
buf = bytes(1 << 16)
while left > 0:
    n = min(left, len(buf))
    s.sendall(buf[:n])
    left -= n
s.shutdown(socket.SHUT_WR)
while s.recv(1 << 16):
    pass
s.close()
' "$1" "$2" "$3"
}

# check_tcp NAME IP: MB MiB from the guest to the container and back, exact counts.
check_tcp() {
	local name=$1 ip=$2 t n
	t=$(now_ms)
	n=$(tcp_read "$ip" 5001) || fail "TCP from guest $name ($ip:5001) to the container failed"
	assert_eq "$BYTES" "$n" "bytes the container read from guest $name over TCP"
	say "guest $name -> container: $n bytes over TCP in $(since "$t")s"
	t=$(now_ms)
	tcp_write "$ip" 5002 "$BYTES" || fail "TCP from the container to guest $name ($ip:5002) failed"
	wait_guest "$name" 20 "GUEST-RECV " "guest $name to count the bytes it received"
	assert_eq "GUEST-RECV $BYTES" "$(serial_line "$name" "GUEST-RECV ")" \
		"bytes guest $name counted over TCP"
	say "container -> guest $name: $BYTES bytes over TCP in $(since "$t")s"
}
