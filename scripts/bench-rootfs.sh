#!/usr/bin/env bash
# The benchmark guest's userland: Debian bookworm with bpftrace, kmod and the C
# headers bpftrace's clang needs when there is no BTF (linux/types.h; pid_t for
# the tracepoints' formats), packed as an
# uncompressed newc cpio archive (root-owned files, no /init: scripts/bench.sh
# appends a second archive with its own, and the kernel unpacks both).
#
#   scripts/bench-rootfs.sh        build if needed; the last line on stdout
#                                  is the archive's path
#
# Built once with debootstrap (minbase, from the mirror apt uses here) into
# $LATTOP_CACHE/rootfs/bookworm-bpftrace-<hash of this script>/, trimmed of
# documentation, locales and apt's lists, which the guest never reads.
set -euo pipefail
cache=${LATTOP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lattop}
key=$(sha256sum "$0" | cut -c1-12)
dir=$cache/rootfs/bookworm-bpftrace-$key
archive=$dir.cpio
stamp=$dir.built

if [ -f "$stamp" ]; then
	echo "$archive"
	exit 0
fi
mkdir -p "$cache/rootfs"
exec 9>"$cache/rootfs/.build.lock"
flock 9
if [ -f "$stamp" ]; then
	echo "$archive"
	exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "bench-rootfs: debootstrap needs root" >&2; exit 1; }

mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
mirror=${mirror:-http://deb.debian.org/debian}
echo "bench-rootfs: debootstrap bookworm with bpftrace from $mirror (a few minutes)" >&2
rm -rf "$dir" "$archive"
debootstrap --variant=minbase --include=bpftrace,kmod,linux-libc-dev,libc6-dev bookworm "$dir" "$mirror" >&2

# What the guest never reads.
rm -rf "$dir"/usr/share/{doc,man,info,locale,lintian} "$dir"/var/lib/apt/lists/* \
	"$dir"/var/cache/apt/* "$dir"/var/cache/debconf/*-old
# Leave out /dev's nodes: the guest mounts devtmpfs there.
rm -rf "${dir:?}"/dev/*
(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$archive.tmp"
mv "$archive.tmp" "$archive"
echo "bench-rootfs: $(du -sh "$archive" | cut -f1) in $archive" >&2
touch "$stamp"
# One userland is enough: drop those built by older versions of this script.
for old in "$cache"/rootfs/bookworm-bpftrace-*; do
	case $old in "$dir" | "$archive" | "$stamp") ;; *) rm -rf "$old" ;; esac
done
echo "$archive"
