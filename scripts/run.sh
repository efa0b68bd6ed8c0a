#!/usr/bin/env bash
# Installs what is missing, builds switchd and switchctl, and starts switchd in
# the foreground on the default socket. Extra arguments go to switchd.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSWITCHD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)"
echo "switchd: starting; drive it from another shell with ./build/bin/switchctl"
exec ./build/bin/switchd "$@"
