#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs every test:
# unit tests and the root-only integration tests (namespaces, veth, TAP); then
# the whole suite again against an AddressSanitizer + UndefinedBehaviorSanitizer
# build, where any sanitizer report fails the test that caused it; then fuzzes each harness briefly.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh --test
jobs=$(nproc)

cmake -S . -B build -DSWITCHD_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure

cmake -S . -B build-asan -DSWITCHD_WERROR=ON -DSWITCHD_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan --output-on-failure

# A short bounded fuzzing run of each libFuzzer harness (clang); crashers are kept in fuzz/crashers.
./fuzz/run.sh 30
