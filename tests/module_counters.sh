#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lattop-cost: 60 (seconds on the debug kernel under emulation: make check balances its guests by it)
#
# Each drop counter moves when its condition is forced (dropped_task_cap has
# its own test, profiler_fork_storm.sh):
# - dropped_busy, the probes' work budget: a probe that cannot have the task
#   table within lock_budget_us gives its event up and counts it. With the
#   budget at 0 (one try), a ping-pong on each CPU and a reader copying the
#   report out under the lock in a loop, some events must be given up; with
#   the default budget (2 ms), under the same load, almost none is: the
#   share given up is under a tenth of the share with no budget (about 4%
#   of events there, under 0.05% here). Not none: a QEMU vCPU holding the
#   lock can lose its host CPU for milliseconds (CI once gave up 1 event
#   of 10,733, a loaded host 2 of 4,209), and a wait that long is the
#   overtime the budget is there to cut short.
# - table_hold_max_ns: that reader's copies hold the table; the longest
#   hold is counted.
# - dropped_no_node: with pool_size=1, 300 threads blocking at once find the
#   node pool empty; the events are counted, and the refill catches up.
# - dropped_traces: with max_traces=1, sleeps long enough for a trace by
#   many threads find the arena full.
# - a probe's missed, re-entry: with nested_symbol=stack_trace_save_tsk a
#   counting probe sits on the function the wake-up handler calls to take a
#   trace. Each of a sleeper's 20 sleeps of 5 ms gets a trace, so each is a
#   hit nested in a lattop handler on the same CPU: kprobes must skip it and
#   count it as missed, and the outer handler still records the sleep.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
ktap_set_plan 8

[ "$(nproc)" -ge 2 ] || ktap_skip_all "needs two CPUs"

# contend BUDGET_US: runs the load 3 s with the module loaded with that
# budget; prints dropped_busy, the events handled and table_hold_max_ns.
contend() {
	lattop_insmod lock_budget_us="$1" || ktap_exit_fail_msg "insmod failed"
	taskset 1 pingpong 1000000000 >/dev/null &
	taskset 2 pingpong 1000000000 >/dev/null &
	many_sleepers 500 3000 >/dev/null &
	end=$(($(date +%s) + 3))
	while [ "$(date +%s)" -lt $end ]; do
		cat /proc/lattop >/dev/null
	done
	echo "$(stat_value dropped_busy) $(probe_events dequeue_task) $(stat_value table_hold_max_ns)"
	for comm in /proc/[0-9]*/comm; do
		[ "$(cat "$comm" 2>/dev/null)" = pingpong ] && kill -9 "$(basename "$(dirname "$comm")")"
	done
	wait
	rmmod lattop
}

set -- $(contend 0)
ktap_print_msg "budget 0 us: $1 events given up, $2 blocks handled, reader held the table up to $3 ns"
expect_cmd "with no budget, events are given up and counted" test "$1" -gt 0
expect_cmd "and most are still handled" test "$2" -gt "$1"
expect_cmd "the reader's longest hold of the table is counted" test "$3" -gt 0
unbudgeted_drops=$1 unbudgeted_handled=$2
set -- $(contend 2000)
ktap_print_msg "budget 2000 us: $1 events given up, $2 blocks handled, reader held the table up to $3 ns"
expect_cmd "with the default budget, a share under a tenth of that with none" \
	test $((10 * $1 * unbudgeted_handled)) -lt $((unbudgeted_drops * $2))

lattop_insmod pool_size=1 max_traces=1 trace_threshold_us=1000 || ktap_exit_fail_msg "insmod failed"
many_sleepers 300 100 >/tmp/many.out
ktap_print_msg "pool_size=1, max_traces=1, 300 threads: dropped_no_node $(stat_value dropped_no_node)," \
	"dropped_traces $(stat_value dropped_traces), traces $(stat_value traces)"
expect_cmd "an empty node pool drops events, counted" test "$(stat_value dropped_no_node)" -gt 0
expect_cmd "a full trace arena drops traces, counted" test "$(stat_value dropped_traces)" -gt 0
rmmod lattop

lattop_insmod nested_symbol=stack_trace_save_tsk trace_threshold_us=1000 || ktap_exit_fail_msg "insmod failed"
sleeper 5 20 >/tmp/sleeper.out
tid=$(head -n 1 /tmp/sleeper.out)
missed=$(probe_field stack_trace_save_tsk missed)
ktap_print_msg "nested probe: $(probe_events stack_trace_save_tsk) hits outside lattop's handlers," \
	"${missed:-none} skipped inside them (missed)"
expect_cmd "hits nested in a handler are skipped and counted as missed" test "${missed:-0}" -ge 20
expect_cmd "and the handler they were nested in recorded all 20 sleeps" \
	test "$(awk -v tid="$tid" '$1 == tid { print $4; exit }' /proc/lattop)" = 20
rmmod lattop
ktap_finished
