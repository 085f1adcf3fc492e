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
# documentation, locales, iconv modules, static libraries and apt's lists,
# which the guest never reads: under a minute from a fast mirror, a 340 MB
# archive. The kernel unpacks it into a tmpfs limited to half the guest's
# RAM: boot with 1280 MiB or more. The archive keeps one device node,
# /dev/console, which the kernel opens for /init before anything is mounted;
# the guest mounts devtmpfs over /dev.
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

# The mirror apt uses for bookworm: the first URI of a source whose suites
# include it, in one-line (.list) or deb822 (.sources) files.
apt_uris() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
			if ($(i + 1) == "bookworm") print $i }' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = ""; FS = "\n" }
			{ uri = ""; deb = 0; suite = 0; off = 0
			  for (i = 1; i <= NF; i++) {
				if ($i ~ /^Types:.*[ \t]deb([ \t]|$)/) deb = 1
				if ($i ~ /^Suites:.*[ \t]bookworm([ \t]|$)/) suite = 1
				if ($i ~ /^Enabled:[ \t]*no/) off = 1
				if ($i ~ /^URIs:/) { split($i, w, /[ \t]+/); uri = w[2] }
			  }
			  if (deb && suite && !off && uri != "") print uri }' "$f"
	done
}
mirror=$(apt_uris | sed -n 1p)
mirror=${mirror:-http://deb.debian.org/debian}

# A build killed inside debootstrap leaves /proc and /sys mounted in the tree:
# unmount them, and never let rm cross into another file system.
clean_tree() {
	awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r |
		while read -r m; do umount -l "$m"; done
	rm -rf --one-file-system "$dir" "$archive" "$archive.tmp"
}
clean_tree

echo "bench-rootfs: debootstrap bookworm with bpftrace from $mirror (a few minutes)" >&2
debootstrap --variant=minbase --include=bpftrace,kmod,linux-libc-dev,libc6-dev bookworm "$dir" "$mirror" >&2

# What the guest never reads.
rm -rf "$dir"/usr/share/{doc,man,info,locale,i18n,lintian} "$dir"/var/lib/apt/lists/* \
	"$dir"/var/cache/apt/* "$dir"/var/cache/debconf/*-old "$dir"/var/log/* \
	"$dir"/usr/lib/x86_64-linux-gnu/gconv
find "$dir"/usr/lib -name '*.a' -type f -delete
# /dev: only the console (the guest mounts devtmpfs there).
rm -rf --one-file-system "${dir:?}"/dev/*
mknod -m 600 "$dir/dev/console" c 5 1

echo "bench-rootfs: packing $(du -sh "$dir" | cut -f1) into $archive" >&2
(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$archive.tmp"
mv "$archive.tmp" "$archive"
echo "bench-rootfs: $(du -sh "$archive" | cut -f1) in $archive" >&2
touch "$stamp"
# One userland is enough: drop those built by older versions of this script.
for old in "$cache"/rootfs/bookworm-bpftrace-*; do
	case $old in "$dir" | "$archive" | "$stamp") ;; *) rm -rf --one-file-system "$old" ;; esac
done
echo "$archive"
