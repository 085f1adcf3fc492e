#!/usr/bin/env bash
# Builds the guest's initramfs: static busybox, lattop.ko, the guest scripts,
# tests/*.sh with the kernel's ktap_helpers.sh, the helper programs of
# tests/helpers/ built static, the lattop CLI (tools/lattop) built static,
# and any extra test directories.
#
#   scripts/mkinitramfs.sh OUT.cpio KDIR [EXTRA_TEST_DIR...]
#
# The archive is described to the kernel's own usr/gen_init_cpio, so every
# file is root-owned in the guest whoever builds it.
set -euo pipefail
out=${1:?usage: mkinitramfs.sh OUT.cpio KDIR [EXTRA_TEST_DIR...]}
kdir=${2:?usage: mkinitramfs.sh OUT.cpio KDIR [EXTRA_TEST_DIR...]}
shift 2
repo=$(cd "$(dirname "$0")/.." && pwd)
srctree=$kdir
[ -e "$kdir/source" ] && srctree=$(readlink -f "$kdir/source")
gen_init_cpio=$kdir/usr/gen_init_cpio
[ -x "$gen_init_cpio" ] || { echo "mkinitramfs: $gen_init_cpio missing: KDIR needs CONFIG_BLK_DEV_INITRD" >&2; exit 1; }
[ -f "$repo/lattop.ko" ] || { echo "mkinitramfs: lattop.ko is not built: run make" >&2; exit 1; }

# Helper programs, built static so the guest needs no libc; frame pointers
# kept so that user stack walks through them are complete. Every file of
# build/ is written under a temporary name and renamed into place, so that
# two guests started at once (make check boots some in parallel) never pack
# a half-written one.
bin=$repo/build/guest-bin
mkdir -p "$bin"
for c in "$repo"/tests/helpers/*.c; do
	[ -e "$c" ] || continue
	exe=$bin/$(basename "$c" .c)
	if [ ! -x "$exe" ] || [ "$c" -nt "$exe" ] || [ "$repo/tests/helpers/steps.h" -nt "$exe" ]; then
		gcc -static -O1 -g -fno-omit-frame-pointer -pthread -Wall -Werror -o "$exe.$$" "$c"
		mv -f "$exe.$$" "$exe"
	fi
done
# A stripped copy of named_frames: what a report shows of a binary with no
# symbols.
if [ ! -x "$bin/named_frames_stripped" ] || [ "$bin/named_frames" -nt "$bin/named_frames_stripped" ]; then
	strip -o "$bin/named_frames_stripped.$$" "$bin/named_frames"
	mv -f "$bin/named_frames_stripped.$$" "$bin/named_frames_stripped"
fi
# The kernel's own taskstats client, tools/accounting/getdelays, static too:
# what the accounting tests compare the bulk records with. Built against the
# tree's UAPI headers (build-kernel.sh installs them), which know this
# kernel's struct taskstats.
getdelays_c=$srctree/tools/accounting/getdelays.c
if [ ! -x "$bin/getdelays" ] || [ "$getdelays_c" -nt "$bin/getdelays" ] ||
	[ "$kdir/usr/include/linux/taskstats.h" -nt "$bin/getdelays" ]; then
	gcc -static -O1 -Wall -I"$kdir/usr/include" -o "$bin/getdelays.$$" "$getdelays_c"
	mv -f "$bin/getdelays.$$" "$bin/getdelays"
fi
# The lattop CLI, static too: on the guest's PATH as /lattop/bin/lattop.
"$repo/scripts/build-cli.sh"
# Every guest binary's function address ranges, "START END NAME" in decimal,
# for tests that check user stack traces against a symbol table.
syms=$repo/build/guest-syms
mkdir -p "$syms"
for exe in "$bin"/*; do
	[ -x "$exe" ] || continue
	case ${exe##*/} in *.[0-9]*) continue ;; esac # another run's, being built
	nm -S --defined-only "$exe" 2>/dev/null | while read -r addr size type name; do
		case "$type" in
		T | t) echo "$((16#$addr)) $((16#$addr + 16#$size)) $name" ;;
		esac
	done >"$syms/$(basename "$exe").$$"
	mv -f "$syms/$(basename "$exe").$$" "$syms/$(basename "$exe")"
done

list=$(mktemp)
trap 'rm -f "$list"' EXIT
{
	for d in /bin /dev /etc /proc /root /run /sys /tmp /lattop /lattop/bin /lattop/lib \
		/lattop/syms /lattop/tests /lattop/extra; do
		echo "dir $d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "file /bin/busybox /bin/busybox 0755 0 0"
	echo "file /init $repo/scripts/guest/init 0755 0 0"
	echo "file /lattop/run-tests.sh $repo/scripts/guest/run-tests.sh 0755 0 0"
	echo "file /lattop/demo.sh $repo/scripts/guest/demo.sh 0755 0 0"
	echo "file /lattop/lattop.ko $repo/lattop.ko 0644 0 0"
	echo "file /etc/passwd $repo/scripts/guest/passwd 0644 0 0"
	echo "file /lattop/lib/ktap_helpers.sh $srctree/tools/testing/selftests/kselftest/ktap_helpers.sh 0644 0 0"
	for f in "$repo"/tests/lib/*.sh; do
		[ -e "$f" ] && echo "file /lattop/lib/$(basename "$f") $f 0644 0 0"
	done
	for t in "$repo"/tests/*.sh; do
		[ -e "$t" ] && echo "file /lattop/tests/$(basename "$t") $t 0755 0 0"
	done
	# (Names ending in .PID are another run's, not yet renamed into place.)
	for exe in "$bin"/*; do
		case ${exe##*/} in *.[0-9]*) continue ;; esac
		[ -e "$exe" ] && echo "file /lattop/bin/$(basename "$exe") $exe 0755 0 0"
	done
	for sym in "$syms"/*; do
		case ${sym##*/} in *.[0-9]*) continue ;; esac
		[ -e "$sym" ] && echo "file /lattop/syms/$(basename "$sym") $sym 0644 0 0"
	done
	# Extra directories keep their files' modes: scripts and helper binaries.
	n=0
	for dir in "$@"; do
		n=$((n + 1))
		echo "dir /lattop/extra/$n 0755 0 0"
		for f in "$dir"/*; do
			[ -f "$f" ] || continue
			echo "file /lattop/extra/$n/$(basename "$f") $(readlink -f "$f") $(stat -c %a "$f") 0 0"
		done
	done
} >"$list"
"$gen_init_cpio" "$list" >"$out"
