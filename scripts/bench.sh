#!/usr/bin/env bash
# `make bench`: lattop's benchmarks, written to BENCHMARKS.md.
#
#   scripts/bench.sh [OUT.md]      (default BENCHMARKS.md in the repo)
#
# Boots the perf-flavour kernel (no debug options, the ORC unwinder,
# CONFIG_LATENCYTOP, BPF for bpftrace) on a Debian userland with bpftrace
# (scripts/bench-rootfs.sh), twice: once with QEMU's -icount shift=0,sleep=off,
# where guest time counts executed instructions (1 ns each) and timings
# repeat from run to run, and once under plain TCG, where they are wall-clock
# time on this host and follow its load. The guest runs bench/guest/run.sh;
# scripts/bench-report.py turns its "result" lines into the tables. Nothing
# here asserts anything about time.
#
# Environment: BENCH_ROUNDS, the ping-pong's round trips (default 20000);
# BENCH_PARTS, which parts to run (default all: context_switch scale bulk
# notifier memory); BENCH_CLOCKS (default "icount tcg"); BENCH_PROFILE=0
# skips the instruction profile (two more icount boots, with a QEMU plugin
# counting the kernel's instructions: scripts/bench-profile.py);
# LATTOP_GUEST_MEM in MiB (default 3072); LATTOP_QEMU_TIMEOUT in seconds per
# boot (default 3600).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out_md=${1:-$repo/BENCHMARKS.md}
work=$repo/build/bench
mkdir -p "$work"

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

rounds=${BENCH_ROUNDS:-20000}
qemu_base=(qemu-system-x86_64 -cpu max -smp 2 -m "${LATTOP_GUEST_MEM:-3072}" -no-reboot
	-kernel "$kdir/arch/x86/boot/bzImage" -initrd "$work/initramfs.cpio"
	-display none -monitor none)
# icount needs single-threaded TCG.
icount=(-accel tcg,thread=single -icount shift=0,sleep=off)

# boot NAME PARTS QEMU_OPTION...: one guest running PARTS, its results (the
# serial console's second port) in results-NAME.txt, its kernel log in
# console-NAME.log; $extra_cmdline goes on its kernel command line.
extra_cmdline=
boot() {
	local name=$1 parts=$2
	shift 2
	local cmdline="console=ttyS0 panic=-1 bench_rounds=$rounds bench_parts=$(echo "$parts" | tr " " ,) $extra_cmdline"
	echo "bench: booting ($name): $*" >&2
	local start=$(date +%s)
	timeout -k 10 "${LATTOP_QEMU_TIMEOUT:-3600}" "${qemu_base[@]}" "$@" \
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

for clock in ${BENCH_CLOCKS:-icount tcg}; do
	case $clock in
	icount) boot icount "${BENCH_PARTS:-all}" "${icount[@]}" ;;
	tcg) boot tcg "${BENCH_PARTS:-all}" -accel tcg,thread=single ;;
	*) echo "bench: unknown clock $clock" >&2; exit 2 ;;
	esac
done

# The instruction profile: the same ping-pong without and with lattop, each
# under icount and the plugin that counts the kernel's instructions by block.
rm -f "$work/results-profile.txt"
if [ "${BENCH_PROFILE:-1}" = 1 ]; then
	plugin=$("$repo/scripts/build-qemu-plugin.sh" "$work")
	# The console's busy-waits for the UART depend on when a message comes,
	# not on the work: lattop's info messages stay off it.
	extra_cmdline=loglevel=5
	for mode in base lattop; do
		boot "profile-$mode" "profile_$mode" "${icount[@]}" \
			-plugin "$plugin,outfile=$work/blocks-$mode.txt"
	done
	python3 "$repo/scripts/bench-profile.py" "$work" "$kdir/System.map" >"$work/results-profile.txt"
fi

{
	echo "kernel_config $(grep -E '^CONFIG_(PREEMPT_VOLUNTARY|PREEMPT_DYNAMIC|UNWINDER_ORC|LATENCYTOP|BPF_JIT)=' "$kdir/.config" | tr '\n' ' ')"
	echo "kernel_release $(cat "$kdir/include/config/kernel.release")"
	echo "qemu $(qemu-system-x86_64 --version | head -n 1)"
	args="${qemu_base[*]//$repo\//}"
	echo "qemu_args ${args//$HOME/\~} (+ -icount shift=0,sleep=off for icount)"
	echo "host_cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
	echo "command make bench BENCH_ROUNDS=$rounds"
	echo "date $(date -u +%Y-%m-%d)"
} >"$work/setup.txt"
python3 "$repo/scripts/bench-report.py" "$work" ${BENCH_CLOCKS:-icount tcg} >"$out_md"
echo "bench: wrote $out_md" >&2
