#!/usr/bin/env bash
# Packaging: `cmake --install` into a DESTDIR lays out exactly the binaries, the
# systemd unit, both man pages and the bash completion, with sane modes; the
# pages render without a warning and document every option and JSON field; the
# unit is Type=notify on the installed path; the completion completes; and
# switchd tells systemd READY=1 (with its PID) and STOPPING=1 over NOTIFY_SOCKET.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$HERE/../.." && pwd)
for tool in cmake groff man; do
	command -v "$tool" >/dev/null || fail "missing tool: $tool (scripts/deps.sh --test)"
done

# 1. Configure, build and install from the source tree, as a packager would.
say "building $SRC into $T/build"
build_step() { # LOGNAME CMD...: runs CMD, showing its log only when it fails
	"${@:2}" >"$T/$1.log" 2>&1 || {
		tail -n 40 "$T/$1.log" >&2
		fail "$1 failed: ${*:2}"
	}
}
build_step configure cmake -S "$SRC" -B "$T/build" -DCMAKE_INSTALL_PREFIX=/usr/local \
	-DSWITCHD_TESTS=OFF
build_step build cmake --build "$T/build" -j "$(nproc)"
DEST=$T/dest
build_step install env DESTDIR="$DEST" cmake --install "$T/build"

# 2. Exactly these files, with these modes: nothing missing, nothing extra.
expected="755 usr/local/sbin/switchctl
755 usr/local/sbin/switchd
644 usr/local/lib/systemd/system/switchd.service
644 usr/local/share/bash-completion/completions/switchctl
644 usr/local/share/man/man8/switchctl.8
644 usr/local/share/man/man8/switchd.8"
installed=$(cd "$DEST" && find . -type f -printf '%m %P\n' | sort -k2)
assert_eq "$(sort -k2 <<<"$expected")" "$installed" "files installed under DESTDIR (mode path)"
others=$(cd "$DEST" && find . ! -type f ! -type d -printf '%P\n')
assert_eq "" "$others" "symlinks or other non-files installed"
version=$("$DEST/usr/local/sbin/switchd" --version)
[[ "$version" =~ ^switchd\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "installed switchd --version: '$version'"
assert_eq "switchctl ${version#switchd }" "$("$DEST/usr/local/sbin/switchctl" --version)" \
	"installed switchctl --version"

# 3. Man pages: no warning from groff -ww, man -l or mandoc; every option and command.
MAN=$DEST/usr/local/share/man/man8
for page in "$MAN/switchd.8" "$MAN/switchctl.8"; do
	name=$(basename "$page" .8)
	LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>"$T/err" || fail "groff failed on $name.8: $(cat "$T/err")"
	assert_eq "" "$(cat "$T/err")" "groff -man -ww warnings for $name.8"
	LC_ALL=C.UTF-8 MANWIDTH=80 MAN_DISABLE_SECCOMP=1 man -l "$page" >"$T/$name.txt" 2>"$T/err" ||
		fail "man -l $name.8 failed: $(cat "$T/err")"
	assert_eq "" "$(cat "$T/err")" "man -l stderr for $name.8"
	if command -v mandoc >/dev/null; then
		mandoc -Tlint -Wwarning "$page" >"$T/err" 2>&1 || fail "mandoc -Tlint on $name.8: $(cat "$T/err")"
		assert_eq "" "$(cat "$T/err")" "mandoc -Tlint warnings for $name.8"
	else
		say "mandoc not installed: lint skipped"
	fi
	# man strips formatting when its output is not a terminal; drop overstrikes anyway.
	sed -i 's/.\x08//g' "$T/$name.txt"
	grep -q "^NAME" "$T/$name.txt" || fail "man -l $name.8 rendered no NAME section"
	for sec in SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
		grep -qx "$sec" "$T/$name.txt" || fail "$name.8 has no $sec section"
	done
	assert_contains "$(grep '^\.TH' "$page")" "\"$version\"" "$name.8 .TH version (switchd --version)"
	# Every option --help shows, in OPTIONS, rendered as typed (a roff '-' that is not '\-' is a hyphen).
	sed -n '/^OPTIONS$/,/^[A-Z]/p' "$T/$name.txt" >"$T/$name.options"
	for opt in $("$DEST/usr/local/sbin/$name" --help | grep -oE -- '(^| )--?[A-Za-z][A-Za-z-]*'); do
		grep -qE -- "(^|[ ,])$opt([ ,]|$)" "$T/$name.options" ||
			fail "the OPTIONS of $name.8 do not document $opt ($name --help has it)"
	done
done
grep -q "^SIGNALS" "$T/switchd.txt" || fail "switchd.8 has no SIGNALS section"
for w in SIGTERM SIGINT SIGHUP NOTIFY_SOCKET /run/switchd/switchd.sock RuntimeDirectory; do
	grep -qF -- "$w" "$T/switchd.txt" || fail "switchd.8 does not mention $w"
done
for w in "port add" "port del" "port show" "mac show" "mac flush" status fdb help "type tap" \
	"type afpacket" /run/switchd/switchd.sock; do
	grep -qF -- "$w" "$T/switchctl.txt" || fail "switchctl.8 does not document '$w'"
done
# Every JSON key switchctl prints (cli/output.c names each in a writer call, wr_uint(&w, "key", ...),
# or as a counter, CF(key)).
keys=$(grep -oE 'wr_(str|uint|int|bool)\(&w, "[a-z_]+"|CF\([a-z_]+\)' "$SRC/cli/output.c" |
	sed -E 's/^wr_[a-z]+\(&w, "//; s/"$//; s/^CF\(//; s/\)$//' | sort -u)
[ "$(wc -w <<<"$keys")" -ge 30 ] || fail "found only $(wc -w <<<"$keys") JSON keys in cli/output.c"
for k in $keys; do
	grep -qE "(^|[^a-z_])$k([^a-z_]|$)" "$T/switchctl.txt" ||
		fail "switchctl.8 does not document JSON field '$k' (cli/output.c prints it)"
done
say "man pages: clean, $(wc -w <<<"$keys") JSON fields documented"

# 4. The unit: Type=notify, ExecStart on the installed path, and systemd accepts it.
UNIT=$DEST/usr/local/lib/systemd/system/switchd.service
for line in Type=notify ExecStart=/usr/local/sbin/switchd RuntimeDirectory=switchd \
	RuntimeDirectoryMode=0750 Restart=on-failure "ExecReload=/bin/kill -HUP \$MAINPID" \
	FileDescriptorStoreMax=256 \
	"DeviceAllow=/dev/net/tun rw" WantedBy=multi-user.target; do
	grep -qxF -- "$line" "$UNIT" || fail "switchd.service has no line '$line'"
done
for cap in CAP_NET_ADMIN CAP_NET_RAW; do
	grep -q "^CapabilityBoundingSet=.*$cap" "$UNIT" || fail "switchd.service does not keep $cap"
done
grep -q "^PrivateNetwork=yes\|^PrivateDevices=yes" "$UNIT" && fail "switchd.service hides the host's network or /dev/net/tun"
grep -q "@" <(grep -v '^#' "$UNIT" | grep -v '^SystemCallFilter=') && fail "switchd.service has an unsubstituted @VAR@"
if command -v systemd-analyze >/dev/null; then
	# verify checks that ExecStart= exists: point it at the DESTDIR copy.
	sed "s|^ExecStart=/usr/local/sbin/|ExecStart=$DEST/usr/local/sbin/|" "$UNIT" >"$T/switchd.service"
	systemd-analyze verify --man=no "$T/switchd.service" >"$T/err" 2>&1 ||
		fail "systemd-analyze verify: $(cat "$T/err")"
	assert_eq "" "$(cat "$T/err")" "systemd-analyze verify output for switchd.service"
else
	say "systemd-analyze not installed: unit verification skipped"
fi

# 5. The completion: valid bash, and it completes in a clean shell.
COMP=$DEST/usr/local/share/bash-completion/completions/switchctl
bash -n "$COMP" || fail "the completion file is not valid bash"
# complete_line WORD...: what _switchctl offers for the last word, in a clean bash.
complete_line() {
	bash --noprofile --norc -c '
		. "$1" || exit 1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_switchctl
		echo "${COMPREPLY[*]}"
	' complete_line "$COMP" "$@"
}
assert_eq "port" "$(complete_line switchctl po)" "completion of 'switchctl po'"
assert_eq "monitor" "$(complete_line switchctl mo)" "completion of 'switchctl mo'"
assert_eq "add del set show clear" "$(complete_line switchctl port '')" "completion of 'switchctl port '"
assert_eq "on off" "$(complete_line switchctl port set x isolated '')" "completion of 'switchctl port set x isolated '"
assert_eq "access trunk tunnel" "$(complete_line switchctl port set x vlan '')" "completion of 'switchctl port set x vlan '"
assert_eq "native" "$(complete_line switchctl port set x vlan trunk 10 '')" "completion of 'port set x vlan trunk 10 '"
assert_eq "max-macs" "$(complete_line switchctl port set x max)" "completion of 'switchctl port set x max'"
assert_eq "port" "$(complete_line switchctl mac add 02:00:00:00:00:01 '')" "completion of 'mac add MAC '"
assert_eq "show flush add del" "$(complete_line switchctl fdb '')" "completion of 'switchctl fdb '"
assert_eq "tap afpacket stream dgram vxlan" "$(complete_line switchctl -j port add x type '')" \
	"completion of 'switchctl -j port add x type '"
assert_eq "path owner mode peer" "$(complete_line switchctl port add x type dgram '')" \
	"completion of 'switchctl port add x type dgram '"
assert_eq "path owner mode" "$(complete_line switchctl port add x type stream '')" \
	"completion of 'switchctl port add x type stream '"
assert_eq "--json --socket --help --version" "$(complete_line switchctl port --)" \
	"completion of 'switchctl port --'"
for d in /sys/class/net/*; do
	[ "${d##*/}" = lo ] && continue
	assert_contains " $(complete_line switchctl port add '') " " ${d##*/} " \
		"completion of 'switchctl port add ' (interfaces)"
	break
done
assert_eq "" "$(complete_line "$SWITCHCTL" -s "$T/nobody.sock" port del '' 2>&1)" \
	"completion of port names with no switchd (must be silent)"

# 6. Readiness: switchd under a fake systemd (a datagram socket in NOTIFY_SOCKET).
# notify_run ADDRESS: the script starts switchd, expects READY=1 and MAINPID=<its
# pid> within 5 s with the control socket already listening, sends SIGTERM,
# expects STOPPING=1 and exit status 0. ADDRESS is a path or @abstract.
notify_run() {
	timeout 30 "$PY" - "$SWITCHD" "$SOCK" "$1" "$LOG" <<'EOF'
import os, select, signal, socket, subprocess, sys, time

switchd, ctl_path, addr, log = sys.argv[1:5]
def die(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)

def recv(sock, want, secs):
    """Datagrams until one holds the line `want`; returns that one's lines."""
    end = time.monotonic() + secs
    while True:
        left = end - time.monotonic()
        if left <= 0 or not select.select([sock], [], [], left)[0]:
            die(f"no {want} on NOTIFY_SOCKET within {secs} s")
        lines = sock.recv(4096).decode().split("\n")
        if want in lines:
            return lines

n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
n.bind("\0" + addr[1:] if addr.startswith("@") else addr)
env = dict(os.environ, NOTIFY_SOCKET=addr)
# The test's SIGTERM (its cleanup) must not leave switchd behind.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
with open(log, "a") as logf:
    child = subprocess.Popen([switchd, "-s", ctl_path], env=env, stderr=logf)
try:
    t0 = time.monotonic()
    lines = recv(n, "READY=1", 5)
    if f"MAINPID={child.pid}" not in lines:
        die(f"READY=1 came with {lines}, not MAINPID={child.pid}")
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        c.connect(ctl_path)
    except OSError as e:
        die(f"READY=1 came before the control socket listened: {e}")
    c.close()
    print(f"READY=1 MAINPID={child.pid} after {time.monotonic() - t0:.2f} s")
    child.send_signal(signal.SIGTERM)
    recv(n, "STOPPING=1", 5)
    rc = child.wait(5)
    if rc != 0:
        die(f"switchd exited {rc} after SIGTERM")
    print("STOPPING=1, exit 0")
finally:
    if child.poll() is None:
        child.kill()
        child.wait()
EOF
}
notify_run "$T/notify.sock" >"$T/out" || fail "readiness over a path NOTIFY_SOCKET (see above)"
say "path: $(tr '\n' ' ' <"$T/out")"
notify_run "@switchd-test-$P-$$" >"$T/out" || fail "readiness over an abstract NOTIFY_SOCKET (see above)"
say "abstract: $(tr '\n' ' ' <"$T/out")"
assert_eq 0 "$(log_count NOTIFY_SOCKET)" "NOTIFY_SOCKET warnings in the log"

# A NOTIFY_SOCKET nobody listens on is logged once and does not stop switchd;
# meanwhile port names complete from the running daemon (through -s).
# shellcheck disable=SC2034 # read by start_daemon (lib.sh)
DAEMON_WRAP=(env NOTIFY_SOCKET="$T/nobody-listens")
start_daemon
ctl port add "${P}t0" type tap >/dev/null
assert_eq "${P}t0" "$(complete_line "$SWITCHCTL" -s "$SOCK" port del '')" \
	"completion of 'switchctl -s SOCK port del ' with a running switchd"
assert_eq "${P}t0" "$(complete_line "$SWITCHCTL" mac show --socket "$SOCK" port "${P:0:2}")" \
	"completion of 'switchctl mac show --socket SOCK port PREFIX'"
stop_daemon
assert_eq 0 "$DAEMON_RC" "exit status of switchd with an unreachable NOTIFY_SOCKET"
assert_eq 1 "$(log_count "NOTIFY_SOCKET $T/nobody-listens")" "warnings for the unreachable NOTIFY_SOCKET"
