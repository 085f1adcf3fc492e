#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lattop-hooks: kprobe
# lattop-cost: 45 (seconds on the debug kernel under emulation: make check balances its guests by it)
#
# A sleep is timed from its block to its wake-up however its task moves
# between CPUs (tests/helpers/moved_sleeper.c makes each case happen):
# - moved while asleep: on 6.12, EEVDF's delayed dequeue leaves a task that
#   sleeps ahead of its fair share queued; moving it then
#   (sched_setaffinity, here) enqueues it on its new CPU, and the kernel's
#   own sched_info counts the rest of its sleep as a wait for a CPU. lattop
#   must not take the kernel at its word there: the sleep is timed in full.
# - moved after its wake-up, while it waits for a CPU a SCHED_FIFO spinner
#   holds: the sleep still ends at the wake-up, the wait is no sleep.
# Ground truth: the sleeper's own clock around each nanosleep, its
# voluntary switches, and the kernel's run_delay of it
# (/proc/thread-self/schedstat), which shows that each case happened.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
[ "$(nproc)" -ge 2 ] || ktap_skip_all "needs two CPUs"
[ -r /proc/self/schedstat ] || ktap_exit_fail_msg "no /proc/<pid>/schedstat: the debug kernel lacks CONFIG_SCHEDSTATS"
ktap_set_plan 8

SLEEP_MS=90
MOVED_WANTED=8

# val KEY: the value after KEY in the helper's output.
val() {
	awk -v key="$1" '$1 == key { print $2; exit }' /tmp/moved.out
}

# run MODE: the helper in MODE, then lattop's figures of its sleeper
# thread (count, total_us).
run() {
	lattop_insmod || ktap_exit_fail_msg "insmod failed"
	moved_sleeper "$1" $SLEEP_MS $MOVED_WANTED 40 >/tmp/moved.out 2>&1 ||
		ktap_print_msg "moved_sleeper $1 failed"
	while read -r line; do ktap_print_msg "$1: $line"; done </tmp/moved.out
	take_snapshot
	count=$(report_field "$(val tid)" SLEEPS)
	total_us=$(report_field "$(val tid)" TOTAL_US)
	ktap_print_msg "$1: lattop: SLEEPS $count TOTAL_US $total_us"
	rmmod lattop
}

# --- Moved while asleep.
run asleep
# Without the case, the rest would prove nothing.
expect_cmd "moved asleep: the kernel counted part of a sleep as a wait at least $MOVED_WANTED times (moved $(val moved) of $(val sleeps))" \
	test "$(val moved)" -ge $MOVED_WANTED
expect_eq "moved asleep: lattop counted one sleep per block" "$count" "$(val blocked)"
# Each sleep that blocked once, unpreempted, lasts at least what was asked
# less 1 ms (the timer is armed a few us before the dequeue): a sleep cut
# short at the move loses nearly all of SLEEP_MS.
floor_us=$(($(val clean) * (SLEEP_MS - 1) * 1000))
expect_cmd "moved asleep: lattop's sleeps are at least what was asked, less 1 ms each ($total_us >= $floor_us us)" \
	test "$total_us" -ge "$floor_us"
expect_cmd "moved asleep: lattop's sleeps fit inside the nanosleep calls ($total_us <= $(val measured_us) us)" \
	test "$total_us" -le "$(val measured_us)"

# --- Moved after the wake-up, while waiting for a CPU.
run woken
expect_cmd "moved woken: the sleeper waited 3 ms or more, then ran on the other CPU, at least $MOVED_WANTED times (moved $(val moved) of $(val sleeps))" \
	test "$(val moved)" -ge $MOVED_WANTED
expect_eq "moved woken: lattop counted one sleep per block" "$count" "$(val blocked)"
# A sleep ends at its timer, not at the move 10 ms later: 4 ms allowed
# for the timer's lateness under emulation.
ceiling_us=$(($(val blocked) * (SLEEP_MS * 1000 + 4000)))
expect_cmd "moved woken: lattop's sleeps end at the wake-up, not the move ($total_us <= $ceiling_us us)" \
	test "$total_us" -le "$ceiling_us"
floor_us=$(($(val clean) * (SLEEP_MS - 1) * 1000))
expect_cmd "moved woken: and are at least what was asked, less 1 ms each ($total_us >= $floor_us us)" \
	test "$total_us" -ge "$floor_us"
ktap_finished
