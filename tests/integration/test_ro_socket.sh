#!/usr/bin/env bash
# --ro-socket: a second socket, mode 0666, on which show, status and monitor work and every
# changing request is refused (exit 1, nothing changed); an unprivileged user may use it but
# not the main socket, and is told who may and where the read-only socket is; every changing request, from either socket, is logged with the
# sender's uid and pid; --ro-socket equal to -s is a usage error.
. "$(dirname "$0")/lib.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
"${NOBODY[@]}" true || fail "setpriv cannot drop to uid 65534"

# 1. Usage: the same path twice (also the default path) is refused before anything starts.
expect_exit 2 "$SWITCHD" -s "$T/same.sock" --ro-socket "$T/same.sock"
assert_contains "$ERR" "--ro-socket must differ from the control socket" "stderr of --ro-socket = -s"
expect_exit 2 "$SWITCHD" --ro-socket /run/switchd/switchd.sock
[ ! -e "$T/same.sock" ] || fail "a refused switchd created its socket"

# 2. The main socket in a 0750 directory it makes; the read-only one in a 0755 one. Others may
#    traverse the test's dir (not list it), as they could /run.
chmod 711 "$T"
SOCK=$T/run/switchd.sock
RO=$T/pub/switchd.ro.sock
start_daemon --ro-socket "$RO"
assert_eq 750 "$(stat -c %a "$T/run")" "mode of the main socket's directory"
assert_eq 660 "$(stat -c %a "$SOCK")" "mode of the main socket"
assert_eq 755 "$(stat -c %a "$T/pub")" "mode of the read-only socket's directory"
assert_eq 666 "$(stat -c %a "$RO")" "mode of the read-only socket"
assert_contains "$(cat "$LOG")" "listening on $SOCK, read-only on $RO" "start-up log line"
rctl() { timeout 15 "$SWITCHCTL" -s "$RO" "$@"; }

add_host a 10.92.0.1
add_host b 10.92.0.2
ping_ok a 10.92.0.2
ip link add "${P}c" type veth peer name "${P}c2"

# 3. What the read-only socket shows is what the main one shows.
view() { # SWITCHCTL_FUNCTION: ports and MACs without the counters that move
	"$1" -j port show | jq -c 'map({name, type, ifindex, state, macs}) | sort_by(.name)'
	"$1" -j mac show | jq -c 'map({mac, vlan, port}) | sort_by(.mac)'
	"$1" -j status | jq -c '{ports, macs, max_macs, ageing}'
}
before=$(view ctl)
assert_eq "$before" "$(view rctl)" "read-only view against the main socket's"
expect_exit 0 rctl mac show port "${P}a"
assert_contains "$OUT" "$(host_mac a)" "mac show port through the read-only socket"
expect_exit 0 rctl
assert_contains "$OUT" "ports     2" "status text through the read-only socket"

# 4. Changing requests through it: exit 1, one line, nothing changed.
refused() { # WHAT ARGS...: "WHAT: refused on the read-only socket"
	local what=$1
	shift
	expect_exit 1 "$SWITCHCTL" -s "$RO" "$@"
	assert_eq "$what: refused on the read-only socket" "$ERR" "stderr of read-only $*"
	assert_eq "" "$OUT" "stdout of read-only $*"
}
refused "port add ${P}c" port add "${P}c"
refused "port add ${P}c" port add "${P}c" type afpacket
refused "port add ${P}x" port add "${P}x" type tap
refused "port del ${P}a" port del "${P}a"
refused "mac flush" mac flush
refused "mac flush ${P}b" mac flush port "${P}b"
refused "port del ${P}b" port del "${P}b" -j
refused "set ageing" set ageing 10
refused "port set ${P}a" port set "${P}a" isolated on
refused "mac add 02:00:00:92:00:01" mac add 02:00:00:92:00:01 port "${P}a"
refused "mac del $(host_mac a)" mac del "$(host_mac a)"
assert_eq "$before" "$(view ctl)" "ports, MACs and status after refused requests"
ip link show "${P}x" >/dev/null 2>&1 && fail "a refused port add type tap created ${P}x"
ping_ok b 10.92.0.1

# 5. Who may connect: uid 65534 uses the read-only socket, not the main one.
expect_exit 0 "${NOBODY[@]}" "$SWITCHCTL" -s "$RO" -j status
jq -e '.ports == 2' <<<"$OUT" >/dev/null || fail "status as uid 65534: $OUT"
expect_exit 0 "${NOBODY[@]}" "$SWITCHCTL" -s "$RO" -j mac show
assert_eq 2 "$(jq length <<<"$OUT")" "MACs shown to uid 65534"
# Refused, switchctl says what to do: who may connect, and where a read-only socket would be.
ROOT_ONLY="only root may connect: switchd runs with group root; start it with an operators' group, see switchd(8)"
NO_RO="read-only (show, status, monitor): switchctl -s PATH, if switchd was started with --ro-socket PATH"
expect_exit 1 "${NOBODY[@]}" "$SWITCHCTL" -s "$SOCK" status
assert_eq "switchctl: cannot connect to $SOCK: Permission denied ($ROOT_ONLY; $NO_RO)" "$ERR" \
	"uid 65534 on the main socket"
# Even with the directory open, the socket itself (0660, root's group) keeps it out.
chmod 755 "$T/run"
expect_exit 1 "${NOBODY[@]}" "$SWITCHCTL" -s "$SOCK" port del "${P}a"
assert_eq "switchctl: cannot connect to $SOCK: Permission denied ($ROOT_ONLY; $NO_RO)" "$ERR" \
	"uid 65534 on the 0660 socket"
chmod 750 "$T/run"
# An operators' group (here: daemon, which uid 65534 is not in) is named, with how to join it.
chgrp daemon "$T/run" "$SOCK"
expect_exit 1 "${NOBODY[@]}" "$SWITCHCTL" -s "$SOCK" status
assert_eq "switchctl: cannot connect to $SOCK: Permission denied (root and group daemon may connect: 'usermod -aG daemon nobody', then log in again; $NO_RO)" \
	"$ERR" "uid 65534 on a socket of group daemon"
# A read-only socket where the docs put it (/run/switchd.ro.sock; here in a mount namespace of
# switchctl's own, so the host's /run is untouched) is named.
cat >"$T/ro-hint.sh" <<SHEOF
set -e
mount -t tmpfs -o mode=0755 none /run
touch /run/switchd.ro.sock
mount --bind "$RO" /run/switchd.ro.sock
exec ${NOBODY[*]} "$SWITCHCTL" -s "$SOCK" status
SHEOF
expect_exit 1 unshare -m --propagation private bash "$T/ro-hint.sh"
assert_eq "switchctl: cannot connect to $SOCK: Permission denied (root and group daemon may connect: 'usermod -aG daemon nobody', then log in again; read-only (show, status, monitor): switchctl -s /run/switchd.ro.sock)" \
	"$ERR" "uid 65534 with a read-only socket at /run/switchd.ro.sock"
chgrp root "$T/run" "$SOCK"
expect_exit 1 "${NOBODY[@]}" "$SWITCHCTL" -s "$RO" port del "${P}a"
assert_eq "port del ${P}a: refused on the read-only socket" "$ERR" "port del by uid 65534 on the read-only socket"
assert_eq "${P}a ${P}b" "$(port_names)" "ports after uid 65534's attempts"

# 6. A monitor on the read-only socket, as uid 65534, sees changes made on the main one.
"${NOBODY[@]}" "$SWITCHCTL" -s "$RO" -j monitor >"$T/mon" 2>"$T/mon.err" &
mon=$!
BG_PIDS+=("$mon")
wait_for 5 "the read-only monitor to subscribe" \
	'ctl mac flush port "${P}b" >/dev/null; grep -q mac_flushed "$T/mon"'

# 7. Each changing request is logged with the uid and pid of its sender. switchctl is run
#    directly (setpriv execs it), so $! is its pid.
logged() { # PID UID VERB SUBJECT OUTCOME: exactly one such line (a failure's message names the request)
	local line="control: $3 $4 from uid $2 pid $1: $5"
	[ "$5" = done ] || line="control: from uid $2 pid $1: $5"
	assert_eq 1 "$(log_count "$line")" "log lines '$line'"
}
"$SWITCHCTL" -s "$SOCK" port add "${P}c" &
pid=$!
wait "$pid" || fail "port add ${P}c on the main socket"
logged "$pid" 0 "port add" "${P}c" done
"$SWITCHCTL" -s "$SOCK" port add "${P}c" 2>/dev/null &
pid=$!
wait "$pid" && fail "a second port add ${P}c succeeded"
logged "$pid" 0 "port add" "${P}c" "port add ${P}c: already a port"
"$SWITCHCTL" -s "$SOCK" mac flush port "${P}a" >/dev/null &
pid=$!
wait "$pid"
logged "$pid" 0 "mac flush" "${P}a" done
"$SWITCHCTL" -s "$SOCK" mac flush >/dev/null &
pid=$!
wait "$pid"
logged "$pid" 0 "mac flush" "(all)" done
"${NOBODY[@]}" "$SWITCHCTL" -s "$RO" port del "${P}c" 2>/dev/null &
pid=$!
wait "$pid" && fail "port del through the read-only socket succeeded"
logged "$pid" 65534 "port del" "${P}c" "port del ${P}c: refused on the read-only socket"
"$SWITCHCTL" -s "$SOCK" port del "${P}c" &
pid=$!
wait "$pid"
logged "$pid" 0 "port del" "${P}c" done
# Show and status are not logged; nothing else was logged as a control request.
assert_eq 0 "$(grep -c 'control: .*show\|control: status' "$LOG" || true)" "show/status requests logged"
say "$(grep -m1 'from uid 65534' "$LOG")"

# A hostile name is logged bounded and printable, not verbatim.
"$PY" - "$HERE" "$SOCK" <<'PYEOF'
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import swp
s = swp.connect(sys.argv[2])
records, done = swp.request(s, swp.port_req(swp.PORT_DEL, 9, b"ev\nil\x1b[31m\x01x"))
assert swp.done(done)[0] == -2, done  # -ENOENT
PYEOF
assert_eq 1 "$(grep -c "control: from uid 0 pid [0-9]*: port del ev?il?\[31m?x: no such port" "$LOG")" \
	"log line of a port del with control characters"
grep -q "^il" "$LOG" && fail "a name with a newline split a log line: $(grep -n "^il" "$LOG")"

wait_for 5 "the read-only monitor to see port_removed ${P}c" \
	'grep -q "\"event\":\"port_removed\",\"port\":\"${P}c\"" "$T/mon"'
grep -q "\"event\":\"port_added\",\"port\":\"${P}c\"" "$T/mon" || fail "read-only monitor missed port_added: $(cat "$T/mon")"
kill -INT "$mon"
wait_until 5 "the read-only monitor to exit" not_running "$mon"
rc=0
wait "$mon" || rc=$?
assert_eq 0 "$rc" "exit status of the read-only monitor after SIGINT"

# 8. On SIGTERM both sockets go.
stop_daemon
assert_eq 0 "$DAEMON_RC" "switchd exit status"
[ ! -e "$SOCK" ] || fail "main socket left after SIGTERM"
[ ! -e "$RO" ] || fail "read-only socket left after SIGTERM"
