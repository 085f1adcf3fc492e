#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmarks, in the guest. Prints "result KEY VALUE" lines (and "# ..."
# remarks) that scripts/bench-report.py turns into BENCHMARKS.md; asserts
# nothing. Each part is in its own function, in the order of issue 7's list.
# Environment (from the kernel command line): bench_rounds, the ping-pong's
# round trips (default 20000); bench_parts, the parts to run,
# comma-separated (default all: context_switch scale bulk notifier memory report
# pairs; pairs wants more than 2 CPUs, and scripts/bench.sh gives it a guest
# of its own); bench_profile_hooks, the hooks the profile boots load lattop
# with (default tracepoint).
set -u
# stat_value, wait_for_line: the tests' own readers.
. /bench/lib/lattop.sh
KO=/bench/lattop.ko
ROUNDS=${bench_rounds:-20000}

result() { echo "result $1 $2"; }
note() { echo "# $*"; }

# The kernel's own allocations, kB: slab, vmalloc and per-CPU memory.
kernel_kb() { awk '/^(Slab|VmallocUsed|Percpu):/ { kb += $2 } END { print kb }' /proc/meminfo; }
# The bytes of slab objects in use (active objects times their size, over
# every cache of /proc/slabinfo): unlike Slab: above, not the pages the
# caches hold, so not what partly filled slabs left by other work (a shell's
# forks and execs) happen to add. Each cache is shrunk first: SLUB counts
# the free objects of the slabs each CPU holds as active, until they go
# back to the cache's lists.
slab_object_bytes() {
	local shrink
	for shrink in /sys/kernel/slab/*/shrink; do
		echo 1 >"$shrink"
	done 2>/dev/null
	awk 'NR > 2 { b += $2 * $4 } END { printf "%d\n", b }' /proc/slabinfo
}
now_ns() { date +%s%N; }
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
# wait_line FILE TEXT: until FILE has a line starting with TEXT (60 s). A
# helper started in the background writes FILE, which is made empty before
# it starts (`: >FILE`, then `>>FILE`): its own `>FILE` could come after the
# wait, which would find the previous run's line.
wait_line() {
	wait_for_line "$1" "$2.*" || { note "timed out waiting for '$2' in $1"; return 1; }
}
load() { insmod "$KO" "$@" || { note "insmod $KO $* failed"; exit 1; }; }
unload() { rmmod lattop; }

# hook_counts [FILE]: one "NAME EVENTS TIME_NS" line per "probe" line of
# /proc/lattop_stats (or of FILE, a copy of it), whatever the hooks are: the
# tracepoints (sched_switch, sched_wakeup_new...) or with hooks=kprobe the
# probed functions (dequeue_task_fair, enqueue_task_fair...). TIME_NS is the module's
# estimate, from the events it timed (one in 16).
hook_counts() {
	awk '$1 == "probe" {
		events = time = 0
		for (i = 3; i < NF; i += 2) {
			if ($i == "events") events = $(i + 1)
			if ($i == "time_ns") time = $(i + 1)
		}
		printf "%s %.0f %.0f\n", $2, events, time }' "${1:-/proc/lattop_stats}"
}

# hook_totals [FILE]: "EVENTS TIME_NS", summed over every hook.
hook_totals() {
	hook_counts "$@" | awk '{ events += $2; time += $3 } END { printf "%.0f %.0f\n", events, time }'
}

# hooks_since MODE BEFORE: the handlers' cost since BEFORE (a copy of
# /proc/lattop_stats) as MODE: handler_events.MODE and
# handler_ns_per_event.MODE over every hook, then .MODE.NAME for each.
hooks_since() {
	local mode=$1 before=$2 after=/tmp/lattop_stats.after
	cat /proc/lattop_stats >"$after"
	set -- $(hook_totals "$before") $(hook_totals "$after")
	local events=$(($3 - $1)) ns=$(($4 - $2))
	result "handler_events.$mode" "$events"
	result "handler_ns_per_event.$mode" "$((ns / (events > 0 ? events : 1)))"
	# Files, not <(...): the guest's devtmpfs has no /dev/fd for bash's
	# process substitution, and the per-hook lines were silently lost.
	hook_counts "$before" >/tmp/hook_counts.before
	hook_counts "$after" >/tmp/hook_counts.after
	awk -v mode="$mode" '
		NR == FNR { events[$1] = $2; time[$1] = $3; next }
		{
			e = $2 - events[$1]; t = $3 - time[$1]
			printf "result handler_events.%s.%s %.0f\n", mode, $1, e
			printf "result handler_ns_per_event.%s.%s %.0f\n", mode, $1, (e > 0 ? int(t / e) : 0)
		}' /tmp/hook_counts.before /tmp/hook_counts.after
}

# dropped: the events and tasks lattop gave up, all causes but traces.
dropped() {
	echo $(($(stat_value dropped_no_node) + $(stat_value dropped_busy) + $(stat_value dropped_task_cap)))
}

# 1. Context switches: the ping-pong on one CPU, best of 3 medians, with
# nothing, lattop (its default hooks, the scheduler's tracepoints), lattop
# with hooks=kprobe, LatencyTOP and the bpftrace script recording.
pingpong_ns() {
	local runs=()
	for _ in 1 2 3; do
		runs+=("$(taskset -c 0 pingpong "$ROUNDS" "$1" | awk '{ print $2 }')")
	done
	median3 "${runs[@]}"
}

pingpong_all() {
	local anchor=$1 mode
	for mode in processes threads; do
		result "pingpong_${mode}_ns.$anchor" "$(pingpong_ns $mode)"
	done
}

# lattop_pingpongs ANCHOR MODE INSMOD_ARGS...: the ping-pongs as ANCHOR with
# lattop loaded with INSMOD_ARGS, and 2. the handlers' own cost per event
# over them, every hook's counters summed, as MODE.
lattop_pingpongs() {
	local anchor=$1 mode=$2
	shift 2
	load "$@"
	cat /proc/lattop_stats >/tmp/lattop_stats.before
	pingpong_all "$anchor"
	hooks_since "$mode" /tmp/lattop_stats.before
	# Both ping-pongs, 3 runs each.
	result "handler_round_trips.$mode" "$((ROUNDS * 6))"
	result "dropped.$anchor" "$(dropped)"
	unload
}

bench_context_switch() {
	pingpong_all none
	lattop_pingpongs lattop tracepoint
	lattop_pingpongs lattop_kprobe kprobe hooks=kprobe

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
# per event (every hook's counters summed) and the time to read /proc/lattop
# while they run.
bench_scale() {
	echo 40000 >/proc/sys/kernel/threads-max
	for n in 100 1000 10000; do
		load
		: >/tmp/loop.out
		sleep_loop "$n" $((n * 20)) 3 >>/tmp/loop.out &
		local loop=$!
		wait_line /tmp/loop.out ready
		cat /proc/lattop_stats >/tmp/lattop_stats.before
		kill -USR1 $loop
		sleep 1.5
		set -- $(read_time /proc/lattop 5)
		result "lattop_read_us.$n" "$6"
		result "lattop_read_bytes.$n" "$2"
		result "tasks.$n" "$(stat_value tasks)"
		wait $loop
		# The helper's own count: each sleep is one block and one wake-up.
		result "scale_sleeps.$n" "$(awk '$1 == "threads" { print $4 }' /tmp/loop.out)"
		# Every hook's events: blocks, wake-ups and, with the
		# tracepoints, every switch.
		set -- $(hook_totals /tmp/lattop_stats.before) $(hook_totals)
		local events=$(($3 - $1)) ns=$(($4 - $2))
		result "scale_events.$n" "$events"
		result "scale_ns_per_event.$n" "$((ns / (events > 0 ? events : 1)))"
		result "scale_dropped.$n" "$(dropped)"
		unload
	done
}

# 4. Bulk: /proc/allpids/info against walking /proc for N extra processes:
# for what ps and top read, and for the records' accounting (io, schedstat,
# a taskstats query each).
bench_bulk() {
	load
	for n in 100 1000 5000; do
		: >/tmp/procs.out
		many_procs "$n" >>/tmp/procs.out &
		local procs=$!
		wait_line /tmp/procs.out ready
		# Until every new process has its directory.
		sleep 1
		set -- $(proc_walk 3)
		result "bulk_processes.$n" "$2"
		result "bulk_walk_us.$n" "$4"
		result "bulk_info_us.$n" "$6"
		result "bulk_info_bytes.$n" "$8"
		result "bulk_acct_walk_us.$n" "${12}"
		kill $procs
		wait $procs
		sleep 1
	done
	unload
}

# 5. Notifier: event delays, and the evaluator's cost with 1,000, 5,000 and
# 10,000 processes, with 1 and with 10 anypid thresholds armed.
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

	for n in $EVALUATOR_PROCS; do
		: >/tmp/procs.out
		many_procs "$n" >>/tmp/procs.out &
		local procs=$!
		wait_line /tmp/procs.out ready
		for t in 1 10; do
			evaluator_cost "$n.$t" "$t"
		done
		evaluator_cost "$n.10same" 10 memory_usage
		kill $procs
		wait $procs
	done
	unload
}

# The extra processes the evaluator is measured with: 1,000 (as earlier
# benchmarks measured it), 5,000 and 10,000 (how it grows).
EVALUATOR_PROCS="1000 5000 10000"

# evaluator_cost KEY THRESHOLDS [RESOURCE]: the evaluator's cost per run
# with THRESHOLDS anypid thresholds armed (over the sampled resources in
# turn, or all on RESOURCE), measured over 3 s once they have run for 1 s.
evaluator_cost() {
	: >/tmp/arm.out
	arm_anypid "$2" ${3:+"$3"} >>/tmp/arm.out &
	local armed=$!
	wait_line /tmp/arm.out armed
	sleep 1
	local n0=$(stat_value notifier_evaluations) ns0=$(stat_value notifier_evaluation_ns) w0=$(now_ns)
	sleep 3
	local n1=$(stat_value notifier_evaluations) ns1=$(stat_value notifier_evaluation_ns) w1=$(now_ns)
	result "evaluator_processes.$1" "$(stat_value pid_dirs)"
	result "evaluator_runs.$1" "$((n1 - n0))"
	result "evaluator_us_per_run.$1" "$(((ns1 - ns0) / 1000 / (n1 > n0 ? n1 - n0 : 1)))"
	# Per mille of one CPU.
	result "evaluator_cpu_permille.$1" "$(((ns1 - ns0) * 1000 / (w1 - w0)))"
	kill $armed
	wait $armed
}

# 6. Memory: the kernel's allocations (slab, vmalloc, per-CPU) before and
# after, over many objects of one kind.
settle() { sleep 2; }
# insmod_cost_kb [PARAMS]: what loading lattop costs: kB of slab, vmalloc
# and per-CPU memory (/proc/meminfo), the /proc/allpids directories it made,
# and bytes of slab objects in use (/proc/slabinfo). Each /proc/meminfo
# reading follows a slabinfo one, whose shrinking frees empty slabs: both
# readings alike.
insmod_cost_kb() {
	local objects=$(slab_object_bytes) before=$(kernel_kb)
	load "$@"
	settle
	local loaded_objects=$(slab_object_bytes)
	echo $(($(kernel_kb) - before)) "$(stat_value pid_dirs)" $((loaded_objects - objects))
	unload
	settle
}

bench_memory() {
	# Per tracked task: threads that started before the module, then
	# each sleep once with it loaded.
	: >/tmp/idle.out
	idle_threads 10000 >>/tmp/idle.out &
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
	local full=$1 dirs=$2 objects=$3
	set -- $(insmod_cost_kb max_traces=1024)
	result memory_bytes_per_trace "$(((full - $1) * 1024 / (16384 - 1024)))"
	result memory_module_kb "$full"

	# Per /proc/allpids/<pid>/: 4,000 more processes at load (the caches
	# of the processes that come and go between two readings, the shell's
	# own, move the totals by some 100 kB either way: spread over 4,000).
	: >/tmp/procs.out
	many_procs 4000 >>/tmp/procs.out &
	local procs=$!
	wait_line /tmp/procs.out ready
	set -- $(insmod_cost_kb)
	result memory_dirs "$(($2 - dirs))"
	result memory_bytes_per_dir "$((($1 - full) * 1024 / ($2 - dirs)))"
	result memory_object_bytes_per_dir "$((($3 - objects) / ($2 - dirs)))"
	kill $procs
	wait $procs
}

# 8. The profiler's report: 1,000 threads with 32 traces each, read whole
# (/proc/lattop_traces, beside /proc/lattop's worst-trace-only report of
# the same tasks) and reported by the CLI from a saved copy: the table with
# every trace (user frames named by blazesym from the helper's symbols) and
# the folded stacks.
bench_report() {
	load max_traces=40000 max_rows=2000 retention_ms=600000
	: >/tmp/traces.out
	many_traces 1000 32 2 >>/tmp/traces.out &
	local helper=$!
	wait_line /tmp/traces.out ready
	settle
	result report_tasks "$(stat_value tasks)"
	result report_traces "$(stat_value traces)"
	result report_dropped_traces "$(stat_value dropped_traces)"
	set -- $(read_time /proc/lattop 5)
	result report_lattop_bytes "$2"
	result report_lattop_us "$6"
	set -- $(read_time /proc/lattop_traces 5)
	result report_traces_bytes "$2"
	result report_traces_us "$6"
	cat /proc/lattop_traces >/tmp/traces.saved
	local start=$(now_ns)
	lattop report --input /tmp/traces.saved --traces 0 >/tmp/report.table
	result report_cli_table_us "$((($(now_ns) - start) / 1000))"
	result report_cli_table_lines "$(wc -l </tmp/report.table)"
	# User frames named from the helper's symbols, as function+0xoff (binary).
	result report_named_frames "$(grep -c ' (many_traces)$' /tmp/report.table)"
	start=$(now_ns)
	lattop report --input /tmp/traces.saved --folded >/tmp/report.out
	result report_cli_folded_us "$((($(now_ns) - start) / 1000))"
	result report_cli_folded_lines "$(wc -l </tmp/report.out)"
	kill $helper
	wait $helper
	unload
}

# 7. Where the ping-pong's added instructions go: two boots under the
# instruction-counting QEMU plugin (scripts/bench.sh), doing the same work
# but for the order: profile_base loads and unloads lattop, then runs the
# ping-pong; profile_lattop runs it with lattop loaded. The difference of
# the two counts, by function, is what lattop costs. Each prints lattop's
# symbols while loaded, to name its addresses. Both load it with the hooks
# bench_profile_hooks names (default tracepoint).
PROFILE_HOOKS=${bench_profile_hooks:-tracepoint}
print_module_symbols() {
	awk '$4 == "[lattop]" { print "kallsyms", $1, $2, $3 }' /proc/kallsyms
}

# Five times the rounds: the rest of the boot differs a little from one boot
# to the next (a few million instructions), and this is spread over them.
# With bench_profile_pairs=N on the command line (section 8's instruction
# count), N pairs at once, as pairs_run runs them: profile_rounds is then
# every pair's round trips, and the ns the pairs' mean.
PROFILE_PAIRS=${bench_profile_pairs:-}
profile_pingpong() {
	local rounds=$((ROUNDS * 5))
	result profile_hooks "$PROFILE_HOOKS"
	if [ -z "$PROFILE_PAIRS" ]; then
		result profile_rounds "$rounds"
		result "profile_pingpong_ns.$1" "$(taskset -c 0 pingpong "$rounds" processes | awk '{ print $2 }')"
		return
	fi
	result profile_rounds "$((rounds * PROFILE_PAIRS))"
	result "profile_pingpong_ns.$1" \
		"$(pairs_run "$PROFILE_PAIRS" "$rounds" | awk '{ n += $1 } END { printf "%.0f", n / NR }')"
}

bench_profile_base() {
	load hooks="$PROFILE_HOOKS"
	print_module_symbols
	unload
	profile_pingpong base
}

bench_profile_lattop() {
	load hooks="$PROFILE_HOOKS"
	print_module_symbols
	local before
	before=$(hook_totals | awk '{ print $1 }')
	profile_pingpong lattop
	# The hook events the ping-pong made: what lattop's instructions are
	# divided by for a cost per event that counts the whole handler.
	result profile_hook_events "$(($(hook_totals | awk '{ print $1 }') - before))"
	unload
}

# The evaluator's profile (BENCH_PROFILE_WORKLOAD=evaluator in
# scripts/bench.sh): the same two boots over the evaluator's load, 1,000
# sleeping processes with lattop loaded for 3 s, with no threshold armed
# (profile_evaluator_base) and with 10 anypid thresholds (its lattop mode).
# The difference, per evaluator run, is what the runs cost.
profile_evaluator() {
	load
	print_module_symbols
	: >/tmp/procs.out
	many_procs 1000 >>/tmp/procs.out &
	local procs=$! armed=
	wait_line /tmp/procs.out ready
	sleep 1
	if [ "$1" = lattop ]; then
		: >/tmp/arm.out
		arm_anypid 10 >>/tmp/arm.out &
		armed=$!
		wait_line /tmp/arm.out armed
	fi
	local n0=$(stat_value notifier_evaluations)
	sleep 3
	result profile_rounds "$(($(stat_value notifier_evaluations) - n0))"
	[ -z "$armed" ] || { kill $armed; wait $armed; }
	kill $procs
	wait $procs
	unload
}
bench_profile_evaluator_base() { profile_evaluator base; }
bench_profile_evaluator_lattop() { profile_evaluator lattop; }

# The bulk read's profile (BENCH_PROFILE_WORKLOAD=bulk): the same two boots
# over 5,000 extra sleeping processes (section 4's largest), without and
# with 10 reads of /proc/allpids/info; the difference, per read, is what a
# read costs, by function.
PROFILE_BULK_READS=10
profile_bulk() {
	load
	print_module_symbols
	: >/tmp/procs.out
	many_procs 5000 >>/tmp/procs.out &
	local procs=$! i
	wait_line /tmp/procs.out ready
	sleep 1
	result profile_rounds "$PROFILE_BULK_READS"
	if [ "$1" = lattop ]; then
		for ((i = 0; i < PROFILE_BULK_READS; i++)); do
			cat /proc/allpids/info >/dev/null
		done
	fi
	kill $procs
	wait $procs
	unload
}
bench_profile_bulk_base() { profile_bulk base; }
bench_profile_bulk_lattop() { profile_bulk lattop; }

# 8. Parallel pairs: N process ping-pongs at once, pair i (both its
# processes) pinned to CPU i, for N = 1 and N = every CPU (4 in the guest
# scripts/bench.sh boots for this part), with no module and with lattop;
# each pair's ns per round trip, the median of 3 runs. Were the hooks to
# share a lock, its spinning would make lattop's added cost per round trip
# grow with N (a shared cache line would too on hardware; under TCG it costs
# nothing). Under icount the guest's clock counts the instructions
# of every vCPU (one host thread runs them in turn), so with N CPUs busy a
# pair's figure is N times its own instructions: scripts/bench-report.py
# divides by N.
pairs_counts() {
	local cpus=$(nproc)
	if [ "$cpus" -gt 1 ]; then echo 1 "$cpus"; else echo 1; fi
}

# pairs_run N [ROUNDS]: N pairs started together (each waits on its CPU,
# spinning, until all are there); prints each pair's ns per round trip, CPU
# 0's first.
pairs_run() {
	local n=$1 rounds=${2:-$ROUNDS} i pids=()
	rm -f /tmp/pairs.go /tmp/pairs.ready.* /tmp/pairs.out.*
	for ((i = 0; i < n; i++)); do
		taskset -c "$i" sh -c 'touch /tmp/pairs.ready.$1
			while [ ! -e /tmp/pairs.go ]; do :; done
			exec pingpong "$2" processes' sh "$i" "$rounds" >/tmp/pairs.out.$i &
		pids+=($!)
	done
	while [ "$(ls /tmp/pairs.ready.* 2>/dev/null | wc -l)" -lt "$n" ]; do
		sleep 0.01
	done
	touch /tmp/pairs.go
	wait "${pids[@]}"
	for ((i = 0; i < n; i++)); do
		awk '{ print $2 }' /tmp/pairs.out.$i
	done
}

# pairs_all ANCHOR: pairs_ns.ANCHOR.N.I, pair I's median of 3 runs with N
# pairs; with lattop loaded also the handlers' cost per event over each N's
# runs (pairs_handler_*.N), every hook summed.
pairs_all() {
	local anchor=$1 n i run
	for n in $(pairs_counts); do
		[ "$anchor" = none ] || cat /proc/lattop_stats >/tmp/lattop_stats.before
		for run in 1 2 3; do
			pairs_run "$n" >/tmp/pairs.run.$run
		done
		for ((i = 0; i < n; i++)); do
			result "pairs_ns.$anchor.$n.$i" \
				"$(median3 $(awk -v line=$((i + 1)) 'FNR == line' /tmp/pairs.run.[123]))"
		done
		if [ "$anchor" != none ]; then
			set -- $(hook_totals /tmp/lattop_stats.before) $(hook_totals)
			local events=$(($3 - $1)) ns=$(($4 - $2))
			result "pairs_handler_events.$n" "$events"
			result "pairs_handler_ns_per_event.$n" "$((ns / (events > 0 ? events : 1)))"
		fi
	done
}

bench_pairs() {
	result pairs_cpus "$(nproc)"
	result pairs_counts "$(pairs_counts)"
	result pairs_rounds "$ROUNDS"
	pairs_all none
	load
	pairs_all lattop
	result pairs_dropped "$(dropped)"
	unload
}

note "kernel $(uname -r), $(nproc) CPUs, bench_rounds $ROUNDS"
result bpftrace_version "$(bpftrace --version | awk '{ print $2 }')"
parts=${bench_parts:-all}
parts=${parts//,/ }
[ "$parts" = all ] && parts="context_switch scale bulk notifier memory report pairs"
for part in $parts; do
	start=$(now_ns)
	"bench_$part"
	note "$part took $((($(now_ns) - start) / 1000000)) ms of guest time"
done
echo "# bench done"
