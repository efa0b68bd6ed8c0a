#!/usr/bin/env bash
# Short fuzzing, for CI and by hand (docs/fuzzing.md):
#
#   fuzz/run.sh [SECONDS]          each harness for SECONDS (default 60)
#
# Builds the libFuzzer harnesses with clang (-fsanitize=fuzzer,address,undefined)
# in a build directory of their own ($FUZZ_BUILD_DIR, default build-fuzz), fuzzes
# each one starting from fuzz/corpus/<harness>, and prints libFuzzer's closing
# figures: executions and coverage. Any crash, leak, timeout or out-of-memory
# fails the run, and its input is copied to fuzz/crashers/<harness>/, where ctest
# replays it from then on (commit it with the fix).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
build=${FUZZ_BUILD_DIR:-build-fuzz}
harnesses=(ctl fwd gso)

[[ $secs =~ ^[1-9][0-9]*$ ]] || { echo "usage: fuzz/run.sh [SECONDS]" >&2; exit 2; }
if ! command -v clang >/dev/null; then
	echo "fuzz/run.sh: clang is missing (scripts/deps.sh --test installs it)" >&2
	exit 1
fi

# The whole project with clang, but only the fuzzers are built: they carry
# their own instrumented copy of the core (fuzz/CMakeLists.txt).
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DSWITCHD_FUZZ=ON -DSWITCHD_TESTS=OFF >/dev/null
targets=()
for h in "${harnesses[@]}"; do targets+=("fz_${h}_fuzzer"); done
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >/dev/null 2>"$build/fuzz-build.err" || { cat "$build/fuzz-build.err" >&2; exit 1; }

# Stacks with file:line in the report, and UB is a crash, not a warning.
for s in llvm-symbolizer /usr/lib/llvm-*/bin/llvm-symbolizer; do
	if command -v "$s" >/dev/null; then
		export ASAN_SYMBOLIZER_PATH=$(command -v "$s")
		break
	fi
done
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# 8 KiB of control stream holds hundreds of requests, enough for replies that
# outgrow the 8 MiB output bound; the seeds longer than that (a 128 KiB message,
# a stream past the daemon's 128 KiB buffer) are replayed whole by ctest.
# Harness 2's records are short; harness 3's frames fit 4 KiB (segments of up to 2 KiB).
declare -A max_len=([ctl]=8192 [fwd]=4096 [gso]=4096)
failed=0
for h in "${harnesses[@]}"; do
	work="$build/fuzz/$h"
	mkdir -p "$work/corpus" "$work/artifacts" "fuzz/crashers/$h"
	rm -f "$work/artifacts/"*
	# New inputs go to the work corpus (kept between runs); fuzz/corpus is only read.
	rc=0
	"$build/bin/fz_${h}_fuzzer" -max_total_time="$secs" -max_len="${max_len[$h]}" -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$work/artifacts/" \
		"$work/corpus" "fuzz/corpus/$h" >"$work/fuzz.log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -n1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/fuzz.log" | tail -n1)
	last=$(grep -E '^#[0-9]+' "$work/fuzz.log" | tail -n1 || true)
	cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.*corp: \([0-9]*\).*/\1/p' <<<"$last")
	echo "fuzz $h: ${secs}s, ${execs:-?} executions (${rate:-?}/s), cov: ${cov:-?} ft: ${ft:-?}, corpus ${corp:-?} inputs"
	crashed=0
	for a in "$work/artifacts/"*; do
		[ -e "$a" ] || continue
		crashed=1
		cp "$a" "fuzz/crashers/$h/"
		echo "fuzz $h: FAILED: kept fuzz/crashers/$h/$(basename "$a")"
	done
	if [ "$rc" -ne 0 ] || [ "$crashed" -ne 0 ]; then
		grep -E -A40 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|runtime error|invariant broken' \
			"$work/fuzz.log" | head -n80 || tail -n40 "$work/fuzz.log"
		failed=1
	fi
done
[ "$failed" -eq 0 ] && echo "fuzz: no crash in ${harnesses[*]}"
exit "$failed"
