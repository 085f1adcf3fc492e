#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmarks, in the guest. Prints "result KEY VALUE" lines (and "# ..."
# remarks) that scripts/bench-report.py turns into BENCHMARKS.md; asserts
# nothing. Each part is in its own function, in the order of issue 7's list.
# Environment (from the kernel command line): bench_rounds, the ping-pong's
# round trips (default 20000); bench_parts, the parts to run,
# comma-separated (default all).
set -u
# stat_value, probe_field, wait_for_line: the tests' own readers.
. /bench/lib/lattop.sh
KO=/bench/lattop.ko
ROUNDS=${bench_rounds:-20000}

result() { echo "result $1 $2"; }
note() { echo "# $*"; }

# The kernel's own allocations, kB: slab, vmalloc and per-CPU memory.
kernel_kb() { awk '/^(Slab|VmallocUsed|Percpu):/ { kb += $2 } END { print kb }' /proc/meminfo; }
now_ns() { date +%s%N; }
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
# wait_line FILE TEXT: until FILE has a line starting with TEXT (60 s).
wait_line() {
	wait_for_line "$1" "$2.*" || { note "timed out waiting for '$2' in $1"; return 1; }
}
load() { insmod "$KO" "$@" || { note "insmod $KO $* failed"; exit 1; }; }
unload() { rmmod lattop; }

# 1. Context switches: the ping-pong on one CPU, best of 3 medians, with
# nothing, lattop, LatencyTOP and the bpftrace script recording.
pingpong_ns() {
	local runs=()
	for _ in 1 2 3; do
		runs+=("$(taskset -c 0 pingpong "$ROUNDS" "$1" | awk '{ print $2 }')")
	done
	median3 "${runs[@]}"
}

pingpong_all() {
	local anchor=$1
	for mode in processes threads; do
		result "pingpong_${mode}_ns.$anchor" "$(pingpong_ns $mode)"
	done
}

bench_context_switch() {
	pingpong_all none

	load
	declare -A before_events before_ns
	for sym in dequeue_task enqueue_task; do
		before_events[$sym]=$(probe_field $sym events)
		before_ns[$sym]=$(probe_field $sym time_ns)
	done
	pingpong_all lattop
	# 2. The handlers' own cost per event, over the ping-pongs' events.
	for sym in dequeue_task enqueue_task; do
		local events=$(($(probe_field $sym events) - ${before_events[$sym]}))
		local ns=$(($(probe_field $sym time_ns) - ${before_ns[$sym]}))
		result "handler_events.$sym" "$events"
		result "handler_ns_per_event.$sym" "$((ns / (events > 0 ? events : 1)))"
	done
	unload

	echo 1 >/proc/sys/kernel/latencytop
	pingpong_all latencytop
	echo 0 >/proc/sys/kernel/latencytop

	local start=$(now_ns)
	# With this variable bpftrace prints the line once every probe is
	# attached ("Attaching N probes..." comes before).
	__BPFTRACE_NOTIFY_PROBES_ATTACHED=1 bpftrace /bench/offcpu.bt >/tmp/bpftrace.out 2>&1 &
	local bt=$!
	if wait_line /tmp/bpftrace.out __BPFTRACE_NOTIFY_PROBES_ATTACHED; then
		result bpftrace_start_ms "$((($(now_ns) - start) / 1000000))"
		pingpong_all bpftrace
	fi
	kill -INT $bt
	wait $bt
	note "bpftrace printed $(wc -l </tmp/bpftrace.out) lines; the first:"
	head -n 12 /tmp/bpftrace.out | sed 's/^/#   /'
}

# 3. Scale: THREADS threads sleeping and waking (period THREADS x 20 us, so
# about 50,000 sleeps a second at any size), 3 s each; the handlers' cost
# per event and the time to read /proc/lattop while they run.
bench_scale() {
	echo 40000 >/proc/sys/kernel/threads-max
	for n in 100 1000 10000; do
		load
		sleep_loop "$n" $((n * 20)) 3 >/tmp/loop.out &
		local loop=$!
		wait_line /tmp/loop.out ready
		local e0=$(($(probe_field dequeue_task events) + $(probe_field enqueue_task events)))
		local t0=$(($(probe_field dequeue_task time_ns) + $(probe_field enqueue_task time_ns)))
		kill -USR1 $loop
		sleep 1.5
		set -- $(read_time /proc/lattop 5)
		result "lattop_read_us.$n" "$6"
		result "lattop_read_bytes.$n" "$2"
		result "tasks.$n" "$(stat_value tasks)"
		wait $loop
		# The helper's own count: each sleep is one block and one wake-up.
		result "scale_sleeps.$n" "$(awk '$1 == "threads" { print $4 }' /tmp/loop.out)"
		local events=$(($(probe_field dequeue_task events) + $(probe_field enqueue_task events) - e0))
		local ns=$(($(probe_field dequeue_task time_ns) + $(probe_field enqueue_task time_ns) - t0))
		result "scale_events.$n" "$events"
		result "scale_ns_per_event.$n" "$((ns / (events > 0 ? events : 1)))"
		result "scale_dropped.$n" "$(($(stat_value dropped_no_node) + $(stat_value dropped_busy)))"
		unload
	done
}

# 4. Bulk: /proc/allpids/info against walking /proc for N extra processes.
bench_bulk() {
	load
	for n in 100 1000 5000; do
		many_procs "$n" >/tmp/procs.out &
		local procs=$!
		wait_line /tmp/procs.out ready
		# Until every new process has its directory.
		sleep 1
		set -- $(proc_walk 3)
		result "bulk_processes.$n" "$2"
		result "bulk_walk_us.$n" "$4"
		result "bulk_info_us.$n" "$6"
		result "bulk_info_bytes.$n" "$8"
		kill $procs
		wait $procs
		sleep 1
	done
	unload
}

# 5. Notifier: event delays, and the evaluator's cost with 1,000 processes
# and 10 anypid thresholds armed.
bench_notifier() {
	load
	for kind in memory sleep; do
		set -- $(notify_delay $kind 20)
		result "notify_${kind}_sample_median_us" "$4"
		result "notify_${kind}_sample_max_us" "$6"
		result "notify_${kind}_deliver_median_us" "$8"
		result "notify_${kind}_deliver_max_us" "${10}"
		result "notify_${kind}_total_median_us" "${12}"
		result "notify_${kind}_total_max_us" "${14}"
	done
	result eval_period_ms "$(cat /sys/module/lattop/parameters/eval_period_ms)"

	many_procs 1000 >/tmp/procs.out &
	local procs=$!
	wait_line /tmp/procs.out ready
	arm_anypid 10 >/tmp/arm.out &
	local armed=$!
	wait_line /tmp/arm.out armed
	sleep 1
	local n0=$(stat_value notifier_evaluations) ns0=$(stat_value notifier_evaluation_ns) w0=$(now_ns)
	sleep 5
	local n1=$(stat_value notifier_evaluations) ns1=$(stat_value notifier_evaluation_ns) w1=$(now_ns)
	result evaluator_processes "$(stat_value pid_dirs)"
	result evaluator_runs "$((n1 - n0))"
	result evaluator_us_per_run "$(((ns1 - ns0) / 1000 / (n1 > n0 ? n1 - n0 : 1)))"
	# Per mille of one CPU.
	result evaluator_cpu_permille "$(((ns1 - ns0) * 1000 / (w1 - w0)))"
	kill $armed $procs
	wait $armed $procs
	unload
}

# 6. Memory: the kernel's allocations (slab, vmalloc, per-CPU) before and
# after, over many objects of one kind.
settle() { sleep 2; }
insmod_cost_kb() {
	local before=$(kernel_kb)
	load "$@"
	settle
	echo $(($(kernel_kb) - before)) "$(stat_value pid_dirs)"
	unload
	settle
}

bench_memory() {
	# Per tracked task: threads that started before the module, then
	# each sleep once with it loaded.
	idle_threads 10000 >/tmp/idle.out &
	local idle=$!
	wait_line /tmp/idle.out ready
	load
	settle
	local m0=$(kernel_kb) t0=$(stat_value tasks)
	kill -USR1 $idle
	wait_line /tmp/idle.out slept
	settle
	local m1=$(kernel_kb) t1=$(stat_value tasks)
	result memory_tasks "$((t1 - t0))"
	result memory_bytes_per_task "$(((m1 - m0) * 1024 / (t1 - t0)))"
	kill $idle
	wait $idle
	unload
	settle

	# Per trace entry: the arena is allocated at load.
	set -- $(insmod_cost_kb)
	local full=$1 dirs=$2
	set -- $(insmod_cost_kb max_traces=1024)
	result memory_bytes_per_trace "$(((full - $1) * 1024 / (16384 - 1024)))"
	result memory_module_kb "$full"

	# Per /proc/allpids/<pid>/: 1,000 more processes at load.
	many_procs 1000 >/tmp/procs.out &
	local procs=$!
	wait_line /tmp/procs.out ready
	set -- $(insmod_cost_kb)
	result memory_dirs "$(($2 - dirs))"
	result memory_bytes_per_dir "$((($1 - full) * 1024 / ($2 - dirs)))"
	kill $procs
	wait $procs
}

# 7. Where the ping-pong's added instructions go: two boots under the
# instruction-counting QEMU plugin (scripts/bench.sh), doing the same work
# but for the order: profile_base loads and unloads lattop, then runs the
# ping-pong; profile_lattop runs it with lattop loaded. The difference of
# the two counts, by function, is what lattop costs. Each prints lattop's
# symbols while loaded, to name its addresses.
print_module_symbols() {
	awk '$4 == "[lattop]" { print "kallsyms", $1, $2, $3 }' /proc/kallsyms
}

# Five times the rounds: the rest of the boot differs a little from one boot
# to the next (a few million instructions), and this is spread over them.
profile_pingpong() {
	local rounds=$((ROUNDS * 5))
	result profile_rounds "$rounds"
	result "profile_pingpong_ns.$1" "$(taskset -c 0 pingpong "$rounds" processes | awk '{ print $2 }')"
}

bench_profile_base() {
	load
	print_module_symbols
	unload
	profile_pingpong base
}

bench_profile_lattop() {
	load
	print_module_symbols
	profile_pingpong lattop
	unload
}

note "kernel $(uname -r), $(nproc) CPUs, bench_rounds $ROUNDS"
result bpftrace_version "$(bpftrace --version | awk '{ print $2 }')"
parts=${bench_parts:-all}
parts=${parts//,/ }
[ "$parts" = all ] && parts="context_switch scale bulk notifier memory"
for part in $parts; do
	start=$(now_ns)
	"bench_$part"
	note "$part took $((($(now_ns) - start) / 1000000)) ms of guest time"
done
echo "# bench done"
