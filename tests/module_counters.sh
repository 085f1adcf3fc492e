#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lattop-cost: 60 (seconds on the debug kernel under emulation: make check balances its guests by it)
# lattop-hooks: kprobe
#
# Each drop counter moves when its condition is forced, and nothing is lost
# without a count (dropped_task_cap has its own test, profiler_fork_storm.sh):
# - dropped_busy, the hooks' wait budget: the only lock a hook takes is the
#   slot index's, for a new task's first event (and the drain frees exited
#   tasks' slots under it). With lock_budget_us=0 (one try), 2 x 300 threads
#   created at once on both CPUs while a reader drains: every thread's one
#   sleep is in its process's sums or counted as given up (a claim given up
#   at a thread's first event is tried again at its next, so few are).
# - hook_lock_hold_max_ns: the longest that lock was held outside the
#   hooks is measured.
# - dropped_no_node: none, even with pool_size=1: the drain runs in process
#   context and refills as it goes, so 300 threads blocking at once all
#   keep their sleep.
# - dropped_traces: with max_traces=1, sleeps long enough for a trace by
#   many threads find the arena full.
# - nesting: with nested_symbol=stack_trace_save_tsk a counting kprobe sits
#   on the function the hook that ends a sleep calls to take a trace, for
#   each of a sleeper's 20 sleeps of 5 ms. Under hooks=kprobe each is a hit nested in
#   a kprobe handler: kprobes skip it and count it as missed. A tracepoint
#   handler is no kprobe handler: there the hits are counted as hits. Either
#   way the hook they came from records all 20 sleeps.
# - the handlers' time: each timed event's window has the timer's own cost
#   (probe_timer_ns, measured at load) taken off; that cost is a clock
#   read's, more than nothing and far less than a millisecond, and what is
#   left of the handlers' time is still there.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
ktap_set_plan 9

[ "$(nproc)" -ge 2 ] || ktap_skip_all "needs two CPUs"

lattop_insmod lock_budget_us=0 || ktap_exit_fail_msg "insmod failed"
taskset 1 many_sleepers 300 2000 10000 >/tmp/many1.out &
taskset 2 many_sleepers 300 2000 10000 >/tmp/many2.out &
while ! grep -qx joined /tmp/many1.out 2>/dev/null || ! grep -qx joined /tmp/many2.out 2>/dev/null; do
	cat /proc/lattop >/dev/null
done
# Both processes hold on after their threads exited: their sums keep the
# threads' sleeps. Each thread slept 2 s once (and waited at a barrier):
# 600 x 2 s at least, but for the sleeps of claims given up.
total_ms=0
for out in /tmp/many1.out /tmp/many2.out; do
	total_ms=$((total_ms + $(info_field "$(head -n 1 "$out")" SLEEP_TOTAL_US) / 1000))
done
busy=$(stat_value dropped_busy)
hold=$(stat_value hook_lock_hold_max_ns)
ktap_print_msg "budget 0 us: 600 threads slept $total_ms ms in all, $busy claims given up; the slot index was held up to $hold ns"
expect_cmd "with no budget, every thread's 2 s sleep is kept or its claim counted as given up" \
	test $((total_ms + busy * 2000)) -ge $((600 * 2000 * 99 / 100))
expect_cmd "and most are kept" test "$total_ms" -ge $((300 * 2000))
expect_cmd "the slot index's longest hold outside the hooks is measured" test "$hold" -gt 0
kill "$(head -n 1 /tmp/many1.out)" "$(head -n 1 /tmp/many2.out)"
wait
rmmod lattop

lattop_insmod pool_size=1 max_traces=1 trace_threshold_us=1000 || ktap_exit_fail_msg "insmod failed"
many_sleepers 300 100 5000 >/tmp/many.out &
wait_for_line /tmp/many.out joined || ktap_exit_fail_msg "many_sleepers did not finish"
pid=$(head -n 1 /tmp/many.out)
sleeps=$(info_field "$pid" SLEEPS)
ktap_print_msg "pool_size=1, max_traces=1, 300 threads: process sleeps $sleeps, dropped_no_node $(stat_value dropped_no_node)," \
	"dropped_traces $(stat_value dropped_traces), traces $(stat_value traces)"
expect_cmd "a pool of one node loses no sleep: the drain refills as it goes" \
	sh -c "[ ${sleeps:-0} -ge 300 ] && [ $(stat_value dropped_no_node) -eq 0 ]"
expect_cmd "a full trace arena drops traces, counted" test "$(stat_value dropped_traces)" -gt 0
kill "$(head -n 1 /tmp/many.out)"
wait
rmmod lattop

lattop_insmod nested_symbol=stack_trace_save_tsk trace_threshold_us=1000 || ktap_exit_fail_msg "insmod failed"
sleeper 5 20 >/tmp/sleeper.out
tid=$(head -n 1 /tmp/sleeper.out)
missed=$(probe_field stack_trace_save_tsk missed)
hits=$(probe_events stack_trace_save_tsk)
ktap_print_msg "nested probe: $hits hits outside kprobe handlers, ${missed:-none} skipped inside them (missed)"
if [ "${LATTOP_HOOKS:-tracepoint}" = kprobe ]; then
	expect_cmd "hits nested in a kprobe handler are skipped and counted as missed" test "${missed:-0}" -ge 20
else
	expect_cmd "hits from a tracepoint handler are hits, none missed" \
		sh -c "[ ${hits:-0} -ge 20 ] && [ ${missed:-1} -eq 0 ]"
fi
expect_cmd "and the handler they were nested in recorded all 20 sleeps" \
	test "$(awk -v tid="$tid" '$1 == tid { print $4; exit }' /proc/lattop)" = 20
timer=$(stat_value probe_timer_ns)
set -- $(awk '$1 == "probe" { for (i = 3; i < NF; i += 2) { if ($i == "time_ns") t += $(i + 1); if ($i == "timed") n += $(i + 1) } }
	END { printf "%.0f %.0f\n", t, n }' /proc/lattop_stats)
ktap_print_msg "the timer's own cost: $timer ns an event timed; the handlers: $1 ns over $2 events timed"
expect_cmd "the timer's own cost is measured: more than 0, under 1 ms" within "${timer:-0}" 1 999999
expect_cmd "the handlers' time is more than the timer's cost it had taken off" \
	sh -c "[ $2 -gt 0 ] && [ $1 -gt 0 ]"
rmmod lattop
ktap_finished
