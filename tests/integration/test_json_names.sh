#!/usr/bin/env bash
# switchctl -j stays valid JSON (RFC 8259: UTF-8, quotes and backslashes escaped)
# for every interface name Linux allows: with '"', with '\', with UTF-8 and with a
# byte that is not UTF-8. Checked with a strict parser (Python's json on raw bytes;
# jq is lenient and would hide invalid UTF-8).
. "$(dirname "$0")/lib.sh"

start_daemon
names=("${P}\"q" "${P}\\b" "$(printf '%s\xc3\xa9' "$P")" "$(printf '%s\xff' "$P")")
i=0
for n in "${names[@]}"; do
	i=$((i + 1))
	new_netns "${P}n$i"
	ip link add "$n" type veth peer name eth0 netns "${P}n$i"
	ip -n "${P}n$i" link set eth0 up
	ctl port add "$n" >/dev/null
	# One frame from the host, so the MAC table names the port too.
	in_host "n$i" timeout 10 "${PKT[@]}" send eth0 \
		"$(frame ff:ff:ff:ff:ff:ff "02:00:00:85:00:0$i" 88b5 "$(rand_hex 8)")"
done
wait_for 3 "4 MAC entries" 'test "$(status_field macs)" -eq 4'

# strict_names FILE: parses FILE as strict JSON (UTF-8) and prints the port names in it.
strict_names() {
	"$PY" -c '
import json, sys
data = json.loads(open(sys.argv[1], "rb").read())   # raises on invalid UTF-8 or syntax
for o in data:
    print(o.get("name", o.get("port")))
' "$1"
}
"$SWITCHCTL" -s "$SOCK" -j port show >"$T/ports.json"
"$SWITCHCTL" -s "$SOCK" -j mac show >"$T/macs.json"
declare -A CMD=([ports]="port show" [macs]="mac show")
for f in ports macs; do
	strict_names "$T/$f.json" >"$T/$f.names" 2>"$T/$f.err" ||
		fail "switchctl -j ${CMD[$f]} is not valid JSON: $(tail -n1 "$T/$f.err") (raw: $(od -c "$T/$f.json" | grep -m1 377 || true))"
	# The names that are valid UTF-8 come back exactly.
	for n in "${names[@]:0:3}"; do
		grep -qxF -- "$n" "$T/$f.names" || fail "${CMD[$f]} -j: name '$n' not found in $(cat "$T/$f.names")"
	done
done
