#!/usr/bin/env bash
# Installs the Debian 12 packages switchd needs: to build and run it, and with
# --test also what the test suite uses. Only what is missing is installed.
set -euo pipefail

# To build and run (libpcap-dev: the capture filter, compiled by switchctl and run by switchd),
# and what the README walkthrough uses (ping, jq).
build=(build-essential cmake pkg-config libev-dev libmnl-dev libpcap-dev uthash-dev iproute2 iputils-ping jq)
# qemu-system-x86, busybox-static, cpio, xz-utils: test_qemu_guest.sh boots a real guest
# (tests/vm/build-guest.sh fetches its kernel with apt-get download and never installs it).
# clang, libclang-rt-14-dev: fuzz/'s libFuzzer harnesses (-fsanitize=fuzzer); llvm-14: the
# llvm-symbolizer that puts file:line into their crash reports (fuzz/run.sh).
test=(libcmocka-dev iperf3 netsniff-ng python3 python3-scapy tcpdump procps groff-base man-db mandoc qemu-system-x86 busybox-static cpio xz-utils clang libclang-rt-14-dev llvm-14)

want=("${build[@]}")
[ "${1:-}" = "--test" ] && want+=("${test[@]}")

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages (${missing[*]}); run as root to install them" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
