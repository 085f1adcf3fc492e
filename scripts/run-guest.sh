#!/usr/bin/env bash
# Boots lattop's guest: our kernel and an initramfs of busybox, lattop.ko and
# the tests, under QEMU with TCG.
#
#   scripts/run-guest.sh check [--only] [EXTRA_TEST_DIR...]
#       run the tests (with --only, just those of the extra directories);
#       prints the KTAP stream, then checks the guest's kernel log
#   scripts/run-guest.sh run      load lattop, run a small workload, show it
#   scripts/run-guest.sh shell    an interactive shell with lattop loaded
#
# The kernel's log goes to $LATTOP_RUN_DIR/console.log (default
# build/<mode>/); a WARNING, BUG, lockdep, KFENCE or kmemleak report there
# fails the run whatever the tests said, and is printed. For check and run,
# the last line is the totals line of tests/lib/totals.sh ("# Totals:
# pass:N fail:N ..."), the guest's counts plus these two checks, and the
# exit status is 0 only when nothing failed.
#
# Environment: KDIR (else the cached $FLAVOUR kernel, debug by default);
# LATTOP_QEMU_TIMEOUT, the hard limit in seconds (default 3600: a make check
# shard runs about 1,500 s on an idle host and passed 1,800 on a loaded one,
# where the guests ran twice as slow; a test that hangs is stopped sooner,
# by LATTOP_TEST_TIMEOUT);
# LATTOP_TEST_TIMEOUT, each guest test's limit in seconds (default 900);
# LATTOP_SHARD=I/N, only the I-th of N shares of the tests (make check runs N
# guests side by side);
# LATTOP_GUEST_MEM in MiB (default 1024); LATTOP_GUEST_CPUS, the vCPUs
# (default 2); LATTOP_ACCEL=kvm to try KVM
# (it hangs in the firmware on some hosts, hence TCG by default);
# LATTOP_TCG_THREAD=multi for QEMU's multi-threaded TCG (default single:
# see below); LATTOP_QEMU_ARGS, more QEMU options; LATTOP_KERNEL_ARGS, more
# kernel command-line words.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/tests/lib/totals.sh"
mode=${1:?usage: run-guest.sh check|run|shell [--only] [EXTRA_TEST_DIR...]}
shift
which=all
if [ "${1:-}" = --only ]; then
	which=extra
	shift
fi
for dir in "$@"; do
	[ -d "$dir" ] || { echo "run-guest: no test directory $dir" >&2; exit 2; }
done

kdir=${KDIR:-$("$repo/scripts/build-kernel.sh" "${FLAVOUR:-debug}" | tail -n 1)}
run_dir=${LATTOP_RUN_DIR:-$repo/build/$mode}
mkdir -p "$run_dir"
cpio=$run_dir/initramfs.cpio
console=$run_dir/console.log
"$repo/scripts/mkinitramfs.sh" "$cpio" "$kdir" "$@"

if [ "${LATTOP_ACCEL:-tcg}" = kvm ]; then
	accel=(-accel kvm -cpu host)
else
	# One host thread runs both vCPUs (thread=single): with multi-threaded
	# TCG, a vCPU kept running code translated before kprobes lifted a
	# breakpoint, long after the kernel's text_poke_sync() (an "Oops: int3"
	# in deactivate_task half a second after rmmod, memory already restored;
	# real CPUs serialise). LATTOP_TCG_THREAD=multi restores QEMU's default.
	accel=(-accel "tcg,thread=${LATTOP_TCG_THREAD:-single}" -cpu max)
fi
# LATTOP_QEMU_ARGS adds options, e.g. "-icount shift=0,sleep=off" to make
# guest time count instructions (repeatable timings; see the benchmarks).
# A scratch disk, /dev/vda in the guest, for the tests that do block I/O:
# 64 MiB, sparse, made anew for each boot.
disk=$run_dir/disk.img
rm -f "$disk"
truncate -s 64M "$disk"
qemu=(qemu-system-x86_64 "${accel[@]}" -smp "${LATTOP_GUEST_CPUS:-2}" -m "${LATTOP_GUEST_MEM:-1024}" -no-reboot
	-kernel "$kdir/arch/x86/boot/bzImage" -initrd "$cpio"
	-drive "file=$disk,format=raw,if=virtio" ${LATTOP_QEMU_ARGS:-})
# The debug kernel's detectors, switched on: full SLUB debugging (sanity
# checks, red zones, poisoning, alloc/free owner tracking) of the caches
# lattop's own objects come from (kmalloc's, procfs entries, seq_files; on
# every cache it made the fork-heavy tests twice as slow), a KFENCE sample
# every 10 ms, ten times the default (at 1 ms its pool of 255 objects was
# full of long-lived allocations 15 s after boot, "skipped allocations
# (capacity)" climbing, and it guarded nothing more), the soft-lockup watchdog at 20 s (a report after 40 s
# without scheduling) and RCU's stall report after 60 s, not 21: a host
# under load can freeze the whole emulator for half a minute (seen: the
# kernel's "Long readout interval" of 31 s, and with it a soft lockup and an
# RCU stall at the defaults), while a real lockup lasts for ever. Hung tasks
# are reported after the kernel's DEFAULT_HUNG_TASK_TIMEOUT.
detectors="slub_debug=FZPU,kmalloc-*,proc_dir_entry,seq_file kfence.sample_interval=10 watchdog_thresh=20 rcupdate.rcu_cpu_stall_timeout=60"
# TCG's TSC is the host's clock, one for every vCPU, but on a loaded host
# the clocksource watchdog sees an 11 ms read-back delay and marks it
# unstable (seen 20 minutes into a run): sched_clock then filters each CPU's
# clock to within a tick of its last tick's time of day, a sleep timed from
# one CPU to another can read a tick longer than it was (on CI, against the
# sleeper's own clock), and the guest reads the slow HPET from then on.
clock="tsc=reliable"
# Delay accounting on from boot, as the accounting tests compare the bulk
# records' delays with the kernel's own getdelays (a distribution kernel
# has it built, and off unless asked for).
accounting="delayacct"
cmdline="console=ttyS0 panic=-1 $detectors $clock $accounting lattop_mode=$mode lattop_tests=$which ${LATTOP_KERNEL_ARGS:-}"
if [ -n "${LATTOP_SHARD:-}" ]; then
	case $LATTOP_SHARD in
	[1-9]/[1-9]) ;;
	*) echo "run-guest: LATTOP_SHARD=$LATTOP_SHARD is not I/N" >&2; exit 2 ;;
	esac
	cmdline+=" lattop_shard=$LATTOP_SHARD"
fi
if [ -n "${LATTOP_TEST_TIMEOUT:-}" ]; then
	case $LATTOP_TEST_TIMEOUT in
	*[!0-9]* | 0) echo "run-guest: LATTOP_TEST_TIMEOUT=$LATTOP_TEST_TIMEOUT is not a number of seconds" >&2; exit 2 ;;
	esac
	cmdline+=" lattop_test_timeout=$LATTOP_TEST_TIMEOUT"
fi

if [ "$mode" = shell ]; then
	exec "${qemu[@]}" -nographic -append "$cmdline quiet"
fi

# ttyS0, the kernel's console, to a file; ttyS1, the guest's output, to us.
rm -f "$console"
set +e
timeout -k 10 "${LATTOP_QEMU_TIMEOUT:-3600}" "${qemu[@]}" -display none -monitor none \
	-serial file:"$console" -serial stdio -append "$cmdline" \
	</dev/null 2>"$run_dir/qemu.stderr" | tr -d '\r' | tee "$run_dir/output.log"
qemu_status=${PIPESTATUS[0]}
set -e

# A guest that died mid-line (a panic) left its last line open: the
# verdicts below start on a line of their own.
[ -z "$(tail -c 1 "$run_dir/output.log")" ] || echo

# The guest's runner ends with its totals; the demo with any output at all.
ended=
if [ "$mode" = check ]; then
	totals_read "$run_dir/output.log" && ended=1
else
	totals_pass=0 totals_fail=0 totals_skip=0
	grep -q . "$run_dir/output.log" && ended=1
fi
pass=$totals_pass fail=$totals_fail skip=$totals_skip
if [ -n "$ended" ]; then
	pass=$((pass + 1))
	echo "ok - the guest ran to the end"
else
	fail=$((fail + 1))
	echo "not ok - the guest ran to the end (qemu exit $qemu_status; 124 is the time limit)"
	sed 's/^/# qemu: /' "$run_dir/qemu.stderr"
	echo "# last lines of $console:"
	tr -d '\r' <"$console" 2>/dev/null | tail -n 40 | sed 's/^/#   /'
fi
if splats=$("$repo/scripts/scan-kernel-log.sh" "$console"); then
	pass=$((pass + 1))
	echo "ok - the guest's kernel log has no WARNING, BUG, lockdep, KFENCE or kmemleak report"
else
	fail=$((fail + 1))
	echo "not ok - the guest's kernel log has no WARNING, BUG, lockdep, KFENCE or kmemleak report"
	echo "# reports in $console:"
	echo "$splats" | head -n 60 | sed 's/^/#   /'
fi
totals_print "$pass" "$fail" "$skip"
[ "$fail" -eq 0 ]
