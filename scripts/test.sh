#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs every test:
# unit tests and the root-only integration tests (namespaces, veth, TAP); then
# the whole suite again against an AddressSanitizer + UndefinedBehaviorSanitizer
# build, where any sanitizer report fails the test that caused it; then fuzzes each harness briefly.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh --test
jobs=$(nproc)

# Every option given, whatever an earlier configure (./scripts/run.sh: Release, no tests) left in
# the cache; a run in which no test executed fails (--no-tests=error).
for variant in "build OFF" "build-asan ON"; do
	set -- $variant
	cmake -S . -B "$1" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWITCHD_TESTS=ON -DSWITCHD_WERROR=ON \
		-DSWITCHD_SANITIZE="$2" >/dev/null
	cmake --build "$1" -j"$jobs"
	ctest --test-dir "$1" --output-on-failure --no-tests=error
done

# A short bounded fuzzing run of each libFuzzer harness (clang); crashers are kept in fuzz/crashers.
./fuzz/run.sh 30
