#!/usr/bin/env bash
# Builds the tiny QEMU guest the switchd tests boot, or reuses the cached one:
#
#   tests/vm/build-guest.sh [CACHE_DIR]
#
# leaves CACHE_DIR/vmlinuz and CACHE_DIR/initrd.img (and prints their paths).
# CACHE_DIR defaults to ${XDG_CACHE_HOME:-/var/cache}/switchd-test-guest.
#
# The kernel is Debian 12's current linux-image-*-amd64 (the package that
# linux-image-amd64 depends on), fetched with `apt-get download` and unpacked
# with `dpkg -x` in a scratch directory: nothing is installed on the host. Its
# vmlinuz and the virtio-net modules are kept in CACHE_DIR/kernel/PKG_VERSION/.
# The initramfs is busybox-static, those modules (decompressed if the package
# ships them compressed) and tests/vm/guest-init.sh as /init.
#
# The cache is keyed by the kernel package and version and by a hash of the
# recipe (this script, guest-init.sh, the busybox binary): the download happens
# once per kernel version, the initramfs is rebuilt when the recipe changes.
# When apt cannot say which kernel is current or cannot download it, a kernel
# already in the cache is used (with a warning). Concurrent runs serialize on
# CACHE_DIR/.lock. Every network step is bounded (SWITCHD_GUEST_DL_TIMEOUT,
# default 180 s).
#
# Environment:
#   SWITCHD_GUEST_KERNEL_PKG   a kernel package to use instead (NAME or NAME=VERSION)
#   SWITCHD_GUEST_DL_TIMEOUT   seconds for apt-get update / download (default 180)
#
# Needs: apt-get, dpkg, cpio, gzip, flock, timeout; busybox-static (downloaded
# like the kernel if it is not installed). xz/zstd only if the modules are
# compressed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${1:-${XDG_CACHE_HOME:-/var/cache}/switchd-test-guest}
DL_TIMEOUT=${SWITCHD_GUEST_DL_TIMEOUT:-180}
# virtio-net and what it needs, then 802.1Q VLAN interfaces (8021q and what it needs), in load
# order (guest-init.sh loads the same list).
MODULES=(virtio_pci_legacy_dev virtio_pci_modern_dev virtio_ring virtio virtio_pci
	failover net_failover virtio_net llc stp garp mrp 8021q)
APT_OPTS=(-q -o APT::Sandbox::User=root -o Acquire::Retries=2 -o Acquire::http::Timeout=30
	-o Acquire::https::Timeout=30)

say() { echo "build-guest: $*" >&2; }
die() {
	echo "build-guest: error: $*" >&2
	exit 1
}

for tool in apt-get apt-cache dpkg dpkg-deb cpio gzip flock sha256sum timeout; do
	command -v "$tool" >/dev/null || die "missing tool: $tool (scripts/deps.sh --test installs what the tests need)"
done

mkdir -p "$CACHE" || die "cannot create the cache directory $CACHE"
CACHE=$(cd "$CACHE" && pwd)
exec 9>"$CACHE/.lock"
flock -w 600 9 || die "another build-guest.sh held $CACHE/.lock for 10 minutes"

WORK=
trap '[ -z "$WORK" ] || rm -rf "$WORK"' EXIT
WORK=$(mktemp -d "$CACHE/.work.XXXXXX")
# apt-get download runs as root here (APT::Sandbox::User=root): no _apt access needed.
chmod 755 "$WORK"

candidate() { # PACKAGE: apt's candidate version, or nothing
	LC_ALL=C apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

# Sets KPKG and KVER to the current Debian kernel image package, or returns 1.
resolve_kernel() {
	local meta dep
	KPKG='' KVER=''
	if [ -n "${SWITCHD_GUEST_KERNEL_PKG:-}" ]; then
		KPKG=${SWITCHD_GUEST_KERNEL_PKG%%=*}
		case $SWITCHD_GUEST_KERNEL_PKG in
		*=*) KVER=${SWITCHD_GUEST_KERNEL_PKG#*=} ;;
		*) KVER=$(candidate "$KPKG") ;;
		esac
		[ -n "$KVER" ]
		return
	fi
	meta=$(candidate linux-image-amd64)
	[ -n "$meta" ] || return 1
	# "linux-image-6.1.0-56-amd64 (= 6.1.192-2)"
	dep=$(LC_ALL=C apt-cache show "linux-image-amd64=$meta" 2>/dev/null |
		awk -F': ' '$1 == "Depends" { print $2; exit }')
	KPKG=$(grep -oE 'linux-image-[0-9][^ ]*-amd64(-unsigned)?' <<<"$dep" | head -n 1) || true
	[ -n "$KPKG" ] || return 1
	KVER=$(candidate "$KPKG")
	[ -n "$KVER" ]
}

apt_update() {
	say "apt does not know the current kernel package: running apt-get update (at most ${DL_TIMEOUT}s)"
	timeout -k 5 "$DL_TIMEOUT" apt-get "${APT_OPTS[@]}" update >"$WORK/apt-update.log" 2>&1 || {
		say "apt-get update failed or timed out: $(tail -n 3 "$WORK/apt-update.log" | tr '\n' ' ')"
		return 1
	}
}

# fetch PKG=VER: downloads the .deb into $WORK, unpacks it into $WORK/x, prints the .deb's path.
fetch() {
	local spec=$1 t0 deb rc
	t0=$(date +%s)
	rm -rf "$WORK/dl" "$WORK/x"
	mkdir -p "$WORK/dl"
	chmod 755 "$WORK/dl"
	rc=0
	(cd "$WORK/dl" && timeout -k 5 "$DL_TIMEOUT" apt-get "${APT_OPTS[@]}" download "$spec") \
		>"$WORK/dl.log" 2>&1 || rc=$?
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		say "apt-get download $spec timed out after ${DL_TIMEOUT}s"
		return 1
	elif [ "$rc" -ne 0 ]; then
		say "apt-get download $spec failed: $(grep -E '^(E|W):' "$WORK/dl.log" | tail -n 3 | tr '\n' ' ')"
		return 1
	fi
	deb=$(find "$WORK/dl" -name '*.deb' | head -n 1)
	[ -n "$deb" ] || {
		say "apt-get download $spec left no .deb"
		return 1
	}
	say "downloaded $(basename "$deb") ($(du -m "$deb" | cut -f1) MB) in $(($(date +%s) - t0))s"
	dpkg -x "$deb" "$WORK/x" || {
		say "dpkg -x $(basename "$deb") failed"
		return 1
	}
}

# unpack_kernel DIR: keeps vmlinuz and the modules (as plain .ko) of $WORK/x in DIR.
unpack_kernel() {
	local dir=$1 tmp=$1.tmp vmlinuz m f
	rm -rf "$tmp"
	mkdir -p "$tmp/modules"
	vmlinuz=$(find "$WORK/x/boot" -maxdepth 1 -name 'vmlinuz-*' 2>/dev/null | head -n 1)
	[ -n "$vmlinuz" ] || {
		say "the kernel package has no boot/vmlinuz-*"
		return 1
	}
	cp "$vmlinuz" "$tmp/vmlinuz"
	for m in "${MODULES[@]}"; do
		f=$(find "$WORK/x" -path '*/lib/modules/*' \( -name "$m.ko" -o -name "$m.ko.*" \) | head -n 1)
		if [ -z "$f" ]; then
			# Built into this kernel: nothing to load. guest-init.sh insists on every
			# module, so an empty stand-in would fail; say so instead.
			say "module $m is not in the kernel package (built in?): guest-init.sh expects it"
			return 1
		fi
		case $f in
		*.ko) cp "$f" "$tmp/modules/$m.ko" ;;
		*.ko.xz) xz -dc "$f" >"$tmp/modules/$m.ko" ;;
		*.ko.zst) zstd -qdc "$f" >"$tmp/modules/$m.ko" ;;
		*.ko.gz) gzip -dc "$f" >"$tmp/modules/$m.ko" ;;
		*)
			say "module $f: unknown compression"
			return 1
			;;
		esac
	done
	basename "$vmlinuz" >"$tmp/release"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	touch "$dir/ok"
}

# A static busybox: the installed busybox-static's, else one downloaded into the cache.
find_busybox() {
	local ver dir
	if dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "ok installed"; then
		BUSYBOX=/bin/busybox
		return
	fi
	ver=$(candidate busybox-static)
	for dir in "$CACHE"/busybox/*/; do
		[ -x "$dir/busybox" ] || continue
		if [ -z "$ver" ] || [ "$dir" = "$CACHE/busybox/$ver/" ]; then
			BUSYBOX=$dir/busybox
			return
		fi
	done
	[ -n "$ver" ] || die "busybox-static is not installed and apt does not know it (apt-get update?)"
	say "busybox-static is not installed: downloading it (not installing)"
	fetch "busybox-static=$ver" || die "could not download busybox-static"
	mkdir -p "$CACHE/busybox/$ver"
	cp "$WORK/x/bin/busybox" "$CACHE/busybox/$ver/busybox"
	BUSYBOX=$CACHE/busybox/$ver/busybox
}

# ---- which kernel -------------------------------------------------------------

if ! resolve_kernel; then
	if [ -z "${SWITCHD_GUEST_KERNEL_PKG:-}" ] && apt_update; then
		resolve_kernel || true
	fi
fi

find_busybox
recipe=$(cat "$0" "$HERE/guest-init.sh" "$BUSYBOX" | sha256sum | cut -c1-16)

if [ -n "$KPKG" ] && [ -n "$KVER" ]; then
	key="kernel=${KPKG}_$KVER recipe=$recipe"
	if [ -s "$CACHE/vmlinuz" ] && [ -s "$CACHE/initrd.img" ] && [ "$(cat "$CACHE/stamp" 2>/dev/null)" = "$key" ]; then
		say "cached guest: $key"
		echo "$CACHE/vmlinuz"
		echo "$CACHE/initrd.img"
		exit 0
	fi
	KDIR=$CACHE/kernel/${KPKG}_$KVER
else
	say "cannot tell which kernel package is current (apt-cache knows no linux-image-amd64)"
	KDIR=
fi

# ---- the kernel: cached, or downloaded and unpacked ---------------------------

# A kernel cached with fewer modules than the list has now is fetched again.
if [ -n "$KDIR" ] && [ -f "$KDIR/ok" ]; then
	for m in "${MODULES[@]}"; do
		[ -f "$KDIR/modules/$m.ko" ] || rm -f "$KDIR/ok"
	done
fi
if [ -n "$KDIR" ] && [ ! -f "$KDIR/ok" ]; then
	say "fetching $KPKG $KVER with apt-get download (not installing it)"
	if fetch "$KPKG=$KVER" && unpack_kernel "$KDIR"; then
		:
	else
		KDIR=
	fi
	rm -rf "$WORK/x" "$WORK/dl"
fi
if [ -z "$KDIR" ]; then
	# Whatever kernel the cache has, the newest.
	for d in "$CACHE"/kernel/*/; do
		if [ -f "$d/ok" ] && { [ -z "$KDIR" ] || [ "$d/ok" -nt "$KDIR/ok" ]; }; then
			KDIR=${d%/}
		fi
	done
	[ -n "$KDIR" ] || die "could not download the kernel package${KPKG:+ $KPKG${KVER:+=$KVER}} and none is cached in $CACHE/kernel"
	say "warning: using the cached kernel $(basename "$KDIR") instead"
fi
key="kernel=$(basename "$KDIR") recipe=$recipe"
if [ -s "$CACHE/vmlinuz" ] && [ -s "$CACHE/initrd.img" ] && [ "$(cat "$CACHE/stamp" 2>/dev/null)" = "$key" ]; then
	say "cached guest: $key"
	echo "$CACHE/vmlinuz"
	echo "$CACHE/initrd.img"
	exit 0
fi

# ---- the initramfs ---------------------------------------------------------------

say "building the initramfs: busybox $("$BUSYBOX" 2>&1 | head -n 1 | awk '{ print $2 }'), $(cat "$KDIR/release"), ${#MODULES[@]} modules"
root=$WORK/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules}
cp "$BUSYBOX" "$root/bin/busybox"
for applet in $("$BUSYBOX" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
cp "$KDIR"/modules/*.ko "$root/lib/modules/"
install -m 0755 "$HERE/guest-init.sh" "$root/init"
# The kernel opens /dev/console before /init runs: have one even without devtmpfs.
if [ "$(id -u)" -eq 0 ]; then
	mknod -m 600 "$root/dev/console" c 5 1
fi
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) |
	gzip -6 >"$WORK/initrd.img"
cp "$KDIR/vmlinuz" "$WORK/vmlinuz"
mv -f "$WORK/vmlinuz" "$CACHE/vmlinuz"
mv -f "$WORK/initrd.img" "$CACHE/initrd.img"
echo "$key" >"$CACHE/stamp"

# Older kernels are no longer needed.
for d in "$CACHE"/kernel/*/; do
	[ "${d%/}" = "$KDIR" ] || rm -rf "$d"
done
say "guest ready in $CACHE: $key (initrd $(du -k "$CACHE/initrd.img" | cut -f1) KB)"
echo "$CACHE/vmlinuz"
echo "$CACHE/initrd.img"
