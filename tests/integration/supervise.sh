# switchd under fdstore.py (a service manager with systemd's descriptor store), for the crash
# tests (sourced after lib.sh, with CONF set): start_supervised, the supervisor's state, the
# switchd it runs, and a cleanup that ends the switchd processes a kill -9 left behind.
SUP=$T/sup
mkdir -p "$SUP"
SUP_PID=
SWITCHD_PIDS=() # every switchd the test started, for the cleanup

# switchd processes outlive a supervisor killed with -9: end them by PID (checked to be ours).
kill_orphans() {
	local pid
	for pid in "${SWITCHD_PIDS[@]}"; do
		if running "$pid" && grep -qF -- "$SOCK" "/proc/$pid/cmdline" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null
		fi
	done
}
# lib.sh's cleanup reads the test's status from $?: hand it on.
trap 'rc=$?; trap - ERR; set +eE; kill_orphans; (exit $rc); cleanup' EXIT

sup_state() { jq -r "$1" "$SUP/state.json" 2>/dev/null; }
sup_pid() { sup_state .pid; }
# The names in the store, sorted, as JSON.
sup_store() { sup_state '.store | sort | tojson'; }
# The running switchd answers, and it is not the one before (PID $1).
restarted() {
	local pid
	pid=$(sup_pid)
	[ -n "$pid" ] && [ "$pid" != 0 ] && [ "$pid" != "$1" ] && [ "$(sup_state .ready)" = true ] &&
		daemon_answers
}

start_supervised() {
	echo "==== fdstore.py -- $SWITCHD -s $SOCK -c $CONF ====" >>"$LOG"
	rm -f "$SUP/state.json"
	"$PY" "$HERE/fdstore.py" --dir "$SUP" --restart-sec 0.1 -- "$SWITCHD" -s "$SOCK" -c "$CONF" \
		2>>"$LOG" &
	SUP_PID=$!
	BG_PIDS+=("$SUP_PID")
	wait_until 5 "switchd under fdstore.py to answer" restarted 0
	SWITCHD_PIDS+=("$(sup_pid)")
}

# kill_restart WHAT: kill -9 the running switchd, wait for the next one.
kill_restart() {
	local old
	old=$(sup_pid)
	kill -KILL "$old"
	wait_until 5 "switchd to be restarted after kill -9 ($1)" restarted "$old"
	SWITCHD_PIDS+=("$(sup_pid)")
}
