#!/usr/bin/env bash
# switchctl and a connection dropped before its request was read (what a full switchd does to make
# room): switchctl sends the request again, and a changing request is carried out exactly once.
# A socket that drops every connection gets a clear error after a bounded number of tries.
. "$(dirname "$0")/lib.sh"

start_daemon
add_host a 10.96.0.1 --no-port

# proxy DROP: a proxy in front of switchd's socket at $T/proxy.sock dropping the first DROP connections.
proxy() {
	rm -f "$T/proxy.sock" "$T/seen"
	"$PY" "$HERE/dropproxy.py" "$T/proxy.sock" "$SOCK" "$1" "$T/seen" &
	BG_PIDS+=($!)
	PROXY_PID=$!
	wait_until 5 "the proxy to listen" test -S "$T/proxy.sock"
}
pctl() { timeout 15 "$SWITCHCTL" -s "$T/proxy.sock" "$@"; }

# 1. Two connections dropped unread: the third carries the request.
proxy 2
expect_exit 0 pctl status
assert_contains "$OUT" "ports" "status through a proxy that dropped two connections"
assert_eq 3 "$(cat "$T/seen")" "connections switchctl made for one status"
stop_pid "$PROXY_PID"

# 2. A changing request, dropped three times, is carried out once.
proxy 3
expect_exit 0 pctl port add "${P}a"
assert_eq 4 "$(cat "$T/seen")" "connections switchctl made for one port add"
assert_eq afpacket "$(port_field "${P}a" type)" "port added through the dropping proxy"
assert_eq 1 "$(ports_json | jq --arg n "${P}a" '[.[] | select(.name == $n)] | length')" "ports named ${P}a"
assert_eq 1 "$(log_count "port ${P}a added")" "times switchd logged adding ${P}a"
stop_pid "$PROXY_PID"

# 3. Every connection dropped: an error naming what happened, after a bounded number of tries.
proxy -1
expect_exit 1 pctl status
assert_contains "$ERR" "switchd closed the connection before answering, 7 times" "switchctl's error"
assert_eq 7 "$(cat "$T/seen")" "connections switchctl made before giving up"
stop_pid "$PROXY_PID"

# 4. A daemon that is not there is still reported at once, not retried.
expect_exit 1 timeout 5 "$SWITCHCTL" -s "$T/none.sock" status
assert_contains "$ERR" "cannot connect to $T/none.sock" "switchctl with no daemon"
