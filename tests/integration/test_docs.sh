#!/usr/bin/env bash
# The user-facing pages run as written (issue 16): tests/integration/docrun.py runs the shell blocks
# of the README's walkthrough, docs/containers.md, docs/config.md, docs/cli.md, docs/host.md, docs/vlans.md,
# docs/vxlan.md,
# docs/troubleshooting.md and, when the test
# guest is cached, docs/vms.md, top to bottom in that order, against a switchd of their own on the
# default socket, and compares the output the pages show in substance. The runner is PID 1 of new
# PID, mount and network namespaces, with its own /run and /etc (an overlay): the pages' fixed names
# (web, shop, 10.201.0.x, /etc/switchd/switchd.conf, /run/switchd/switchd.sock) cannot meet the
# host's, and everything the pages made ends with it, whatever happens. Blocks not meant to run are
# marked in the pages (<!-- norun: why -->, ```text); see docrun.py for the markers.
. "$(dirname "$0")/lib.sh"

REPO=$(cd "$HERE/../.." && pwd)
for tool in unshare setsid; do
	command -v "$tool" >/dev/null || fail "missing tool: $tool"
done

pages=(README.md docs/containers.md docs/config.md docs/cli.md docs/host.md docs/vlans.md docs/vxlan.md docs/troubleshooting.md)
# vms.md boots the test guest; building it downloads a kernel package (test_qemu_guest.sh does),
# which this test does not do.
guest=${XDG_CACHE_HOME:-/var/cache}/switchd-test-guest
if ! command -v qemu-system-x86_64 >/dev/null; then
	say "docs/vms.md skipped: no qemu-system-x86_64 (scripts/deps.sh --test installs it)"
elif [ -s "$guest/vmlinuz" ] && [ -s "$guest/initrd.img" ]; then
	pages+=(docs/vms.md)
else
	say "docs/vms.md skipped: no test guest in $guest (tests/vm/build-guest.sh builds it, test_qemu_guest.sh too)"
fi

# The runner in a process group of its own (setsid, no fork: $! is the group), so that a test
# ended early (ctest's timeout, ^C) ends it too: unshare does not pass signals on, its child does
# its cleanup on SIGTERM, and a KILL of the group ends the namespaces with everything in them.
RUNNER=
end_runner() {
	local i
	[ -n "$RUNNER" ] && ours "$RUNNER" || return 0
	kill -TERM -- "-$RUNNER" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		running "$RUNNER" || return 0
		sleep 0.1
	done
	kill -KILL -- "-$RUNNER" 2>/dev/null
}
trap 'rc_=$?; set +eE; trap - ERR; end_runner; (exit "$rc_"); cleanup' EXIT

rc=0
setsid unshare --mount --net --pid --fork --kill-child --mount-proc --propagation private \
	"$PY" "$HERE/docrun.py" --repo "$REPO" --scratch "$T/docrun" --switchd "$SWITCHD" --switchctl "$SWITCHCTL" \
	--deadline 170 "${pages[@]}" >&2 &
RUNNER=$!
wait "$RUNNER" || rc=$?
RUNNER=
case $rc in
0) ;;
124) fail "the pages did not finish within 170 s" ;;
*) fail "a page does not run as written (above: the page, the line and the command)" ;;
esac
