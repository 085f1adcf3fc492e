#!/usr/bin/env bash
# `make bench`: lattop's benchmarks, written to BENCHMARKS.md.
#
#   scripts/bench.sh [OUT.md]      (default BENCHMARKS.md in the repo)
#
# Boots the perf-flavour kernel (no debug options, the ORC unwinder,
# CONFIG_LATENCYTOP, BPF for bpftrace) on a Debian userland with bpftrace
# (scripts/bench-rootfs.sh), twice with 2 vCPUs: once with QEMU's -icount
# shift=0,sleep=off, where guest time counts executed instructions (1 ns
# each) and timings repeat from run to run, and once under plain TCG, where
# they are wall-clock time on this host and follow its load. The `pairs` part
# (parallel ping-pongs, one pair per CPU) gets a third boot of its own, under
# icount with 4 vCPUs (BENCH_PAIRS_CPUS). The guests run bench/guest/run.sh;
# scripts/bench-report.py turns their "result" lines into the tables. Nothing
# here asserts anything about time.
#
# Environment:
#   BENCH_ROUNDS         the ping-pong's round trips (default 20000)
#   BENCH_PARTS          which parts to run, space- or comma-separated
#                        (default all: context_switch scale bulk notifier
#                        memory report pairs); `pairs` runs in its own boot, the
#                        rest in one boot per clock
#   BENCH_CLOCKS         the clocks of the main boots (default "icount tcg");
#                        the pairs boot runs when icount is among them
#   BENCH_PAIRS_CPUS     the pairs guest's vCPUs, and so its largest number
#                        of pairs (default 4; at most 8, perf.config's
#                        NR_CPUS)
#   BENCH_PROFILE=0      skips the instruction profile (two more icount boots,
#                        with a QEMU plugin counting the kernel's
#                        instructions: scripts/bench-profile.py; with
#                        `pairs`, four more: one pair and a pair per CPU)
#   BENCH_PROFILE_HOOKS  the hooks the profile boots load lattop with:
#                        tracepoint (default) or kprobe
#   BENCH_PROFILE_WORKLOAD  what the profile boots run: pingpong (default,
#                        section 7) or evaluator (the notifier's evaluator
#                        over 1,000 processes with 10 anypid thresholds, per
#                        run: build/bench/results-profile-evaluator.txt,
#                        not in BENCHMARKS.md) or bulk (10 reads of
#                        /proc/allpids/info over 5,000 processes, per read:
#                        results-profile-bulk.txt); with BENCH_PARTS=none, only
#                        the profile boots run
#   LATTOP_GUEST_MEM     guest memory in MiB (default 3072)
#   LATTOP_QEMU_TIMEOUT  seconds per boot (default 3600)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out_md=${1:-$repo/BENCHMARKS.md}
work=$repo/build/bench
mkdir -p "$work"

# The settings, checked before anything is built.
rounds=${BENCH_ROUNDS:-20000}
pairs_cpus=${BENCH_PAIRS_CPUS:-4}
clocks=${BENCH_CLOCKS:-icount tcg}
profile_hooks=${BENCH_PROFILE_HOOKS:-tracepoint}
for clock in $clocks; do
	case $clock in
	icount | tcg) ;;
	*) echo "bench: unknown clock $clock" >&2; exit 2 ;;
	esac
done
profile_workload=${BENCH_PROFILE_WORKLOAD:-pingpong}
case $profile_workload in
pingpong | evaluator | bulk) ;;
*) echo "bench: BENCH_PROFILE_WORKLOAD is pingpong, evaluator or bulk, not $profile_workload" >&2; exit 2 ;;
esac
case $profile_hooks in
tracepoint | kprobe) ;;
*) echo "bench: BENCH_PROFILE_HOOKS is tracepoint or kprobe, not $profile_hooks" >&2; exit 2 ;;
esac
case $pairs_cpus in
[2-8]) ;;
*) echo "bench: BENCH_PAIRS_CPUS is 2 to 8 (the perf kernel's NR_CPUS), not $pairs_cpus" >&2; exit 2 ;;
esac

# The parts: `pairs` in its own guest, the rest in the main ones.
parts=${BENCH_PARTS:-all}
parts=${parts//,/ }
[ "$parts" = all ] && parts="context_switch scale bulk notifier memory report pairs"
main_parts= run_pairs=
for part in $parts; do
	case $part in
	pairs) run_pairs=1 ;;
	none) ;;
	*) main_parts+="${main_parts:+ }$part" ;;
	esac
done
if [ -n "$run_pairs" ] && [[ " $clocks " != *" icount "* ]]; then
	echo "bench: the pairs part runs under icount only, and BENCH_CLOCKS has no icount: skipped" >&2
	run_pairs=
fi

"$repo/scripts/install-deps.sh"
kdir=$("$repo/scripts/build-kernel.sh" perf | tail -n 1)
rootfs=$("$repo/scripts/bench-rootfs.sh" | tail -n 1)

# The module, built against the perf tree in a copy of the sources, so the
# work tree's lattop.ko (built against the debug kernel) stays as it is.
module=$work/module
rm -rf "$module"
mkdir -p "$module"
cp -a "$repo/Kbuild" "$repo/src" "$repo/include" "$module/"
find "$module" \( -name '*.o' -o -name '.*.cmd' -o -name '.*.d' -o -name bindings_generated.rs \) -delete
# Each kernel's bindgen with its libclang (scripts/kernel-env.sh).
. "$repo/scripts/kernel-env.sh"
make -s -C "$kdir" M="$module" RUSTC="${RUSTC:-/usr/bin/rustc}" \
	BINDGEN="${BINDGEN:-${CARGO_HOME:-$HOME/.cargo}/bin/bindgen}" modules

# The helper programs, static and with frame pointers as in the tests.
bin=$work/bin
mkdir -p "$bin"
for c in "$repo"/bench/helpers/*.c "$repo"/tests/helpers/{pingpong,many_procs,proc_walk}.c; do
	gcc -static -O1 -g -fno-omit-frame-pointer -pthread -Wall -Werror \
		-I"$repo/tests/helpers" -o "$bin/$(basename "$c" .c)" "$c"
done
"$repo/scripts/build-cli.sh"
cp "$repo/build/guest-bin/lattop" /bin/busybox "$bin/"

# The benchmark's own files, as a second archive after the Debian userland's.
list=$work/files.list
{
	echo "dir /bench 0755 0 0"
	echo "dir /bench/bin 0755 0 0"
	echo "file /init $repo/bench/guest/init 0755 0 0"
	echo "file /bench/run.sh $repo/bench/guest/run.sh 0755 0 0"
	echo "dir /bench/lib 0755 0 0"
	echo "file /bench/lib/lattop.sh $repo/tests/lib/lattop.sh 0644 0 0"
	echo "file /bench/offcpu.bt $repo/bench/offcpu.bt 0644 0 0"
	echo "file /bench/lattop.ko $module/lattop.ko 0644 0 0"
	for exe in "$bin"/*; do
		echo "file /bench/bin/$(basename "$exe") $exe 0755 0 0"
	done
} >"$list"
"$kdir/usr/gen_init_cpio" "$list" >"$work/bench.cpio"
cat "$rootfs" "$work/bench.cpio" >"$work/initramfs.cpio"

qemu_base=(qemu-system-x86_64 -cpu max -m "${LATTOP_GUEST_MEM:-3072}" -no-reboot
	-kernel "$kdir/arch/x86/boot/bzImage" -initrd "$work/initramfs.cpio"
	-display none -monitor none)
# icount needs single-threaded TCG.
icount=(-accel tcg,thread=single -icount shift=0,sleep=off)

# boot NAME PARTS CPUS QEMU_OPTION...: one guest with CPUS vCPUs running
# PARTS, its results (the serial console's second port) in
# results-NAME.txt, its kernel log in console-NAME.log; $extra_cmdline goes
# on its kernel command line.
extra_cmdline=
boot() {
	local name=$1 parts=$2 cpus=$3
	shift 3
	# Delay accounting on, as in the tests: the bulk records then read
	# every thread's delays, under its lock (the costlier case).
	local cmdline="console=ttyS0 panic=-1 delayacct bench_rounds=$rounds bench_parts=$(echo "$parts" | tr " " ,) $extra_cmdline"
	echo "bench: booting ($name, $cpus vCPUs): $*" >&2
	local start=$(date +%s)
	timeout -k 10 "${LATTOP_QEMU_TIMEOUT:-3600}" "${qemu_base[@]}" -smp "$cpus" "$@" \
		-serial file:"$work/console-$name.log" -serial stdio -append "$cmdline" \
		</dev/null 2>"$work/qemu-$name.stderr" | tr -d '\r' | tee "$work/results-$name.txt" >&2
	echo "bench: $name took $(($(date +%s) - start)) s" >&2
	grep -q '^# bench done' "$work/results-$name.txt" ||
		{ echo "bench: the $name guest did not finish; see $work/console-$name.log" >&2; exit 1; }
	if ! splats=$("$repo/scripts/scan-kernel-log.sh" "$work/console-$name.log"); then
		echo "bench: the $name guest's kernel log has reports:" >&2
		echo "$splats" >&2
	fi
}

# No results of an earlier run in this one's report.
rm -f "$work"/results-*.txt
booted=
for clock in $clocks; do
	[ -n "$main_parts" ] || continue
	case $clock in
	icount) boot icount "$main_parts" 2 "${icount[@]}" ;;
	tcg) boot tcg "$main_parts" 2 -accel tcg,thread=single ;;
	esac
	booted+="${booted:+ }$clock"
done

# Parallel pairs, one per CPU: icount only (its targets are icount ratios).
[ -z "$run_pairs" ] || boot pairs pairs "$pairs_cpus" "${icount[@]}"

# The instruction profile: the same ping-pong without and with lattop, each
# under icount and the plugin that counts the kernel's instructions by block.
if [ "${BENCH_PROFILE:-1}" = 1 ]; then
	plugin=$("$repo/scripts/build-qemu-plugin.sh" "$work")
	# The console's busy-waits for the UART depend on when a message comes,
	# not on the work: lattop's info messages stay off it.
	extra_cmdline="loglevel=5 bench_profile_hooks=$profile_hooks"
	profile=profile part=profile
	[ "$profile_workload" = pingpong ] || profile+=-$profile_workload part+=_$profile_workload
	for mode in base lattop; do
		boot "$profile-$mode" "${part}_$mode" 2 "${icount[@]}" \
			-plugin "$plugin,outfile=$work/blocks-$profile-$mode.txt"
	done
	python3 "$repo/scripts/bench-profile.py" "$work" "$kdir/System.map" "$profile" >"$work/results-$profile.txt"
	# Section 8's deterministic measure: the same two boots in the pairs
	# guest, with one pair and with a pair on every CPU; what lattop adds
	# per round trip, in instructions, with no clock to share between vCPUs.
	if [ -n "$run_pairs" ]; then
		for n in 1 "$pairs_cpus"; do
			extra_cmdline="loglevel=5 bench_profile_hooks=$profile_hooks bench_profile_pairs=$n"
			for mode in base lattop; do
				boot "pairs$n-$mode" "profile_$mode" "$pairs_cpus" "${icount[@]}" \
					-plugin "$plugin,outfile=$work/blocks-pairs$n-$mode.txt"
			done
			python3 "$repo/scripts/bench-profile.py" "$work" "$kdir/System.map" "pairs$n"
		done >"$work/results-pairs-profile.txt"
	fi
fi

{
	echo "kernel_config $(grep -E '^CONFIG_(PREEMPT_VOLUNTARY|PREEMPT_DYNAMIC|UNWINDER_ORC|LATENCYTOP|BPF_JIT)=' "$kdir/.config" | tr '\n' ' ')"
	echo "kernel_release $(cat "$kdir/include/config/kernel.release")"
	echo "qemu $(qemu-system-x86_64 --version | head -n 1)"
	args="${qemu_base[*]//$repo\//}"
	echo "qemu_args ${args//$HOME/\~} -smp 2 (+ -icount shift=0,sleep=off for icount; the pairs guest: icount, -smp $pairs_cpus)"
	echo "host_cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
	command="make bench BENCH_ROUNDS=$rounds"
	[ -z "${BENCH_PARTS:-}" ] || command+=" BENCH_PARTS=\"$parts\""
	[ -z "${BENCH_CLOCKS:-}" ] || command+=" BENCH_CLOCKS=\"$clocks\""
	[ -z "${BENCH_PAIRS_CPUS:-}" ] || command+=" BENCH_PAIRS_CPUS=$pairs_cpus"
	[ "${BENCH_PROFILE:-1}" = 1 ] || command+=" BENCH_PROFILE=$BENCH_PROFILE"
	[ -z "${BENCH_PROFILE_HOOKS:-}" ] || command+=" BENCH_PROFILE_HOOKS=$profile_hooks"
	echo "command $command"
	echo "date $(date -u +%Y-%m-%d)"
} >"$work/setup.txt"
python3 "$repo/scripts/bench-report.py" "$work" $booted >"$out_md"
echo "bench: wrote $out_md" >&2
