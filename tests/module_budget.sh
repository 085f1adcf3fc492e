#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The probes' work budget: a probe that cannot have the task table within
# lock_budget_us gives its event up and counts it (dropped_busy). With the
# budget at 0 (one try), a ping-pong on each CPU and a reader copying the
# report out under the lock in a loop, some events must be given up, and
# counted; with the default budget (2 ms) in the same run, none is.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
ktap_set_plan 3

[ "$(nproc)" -ge 2 ] || ktap_skip_all "needs two CPUs"

# contend BUDGET_US: runs the load 3 s with the module loaded with that
# budget; prints dropped_busy and the events handled.
contend() {
	insmod "$LATTOP_KO" lock_budget_us="$1" || ktap_exit_fail_msg "insmod failed"
	taskset 1 pingpong 1000000000 >/dev/null &
	taskset 2 pingpong 1000000000 >/dev/null &
	many_sleepers 500 3000 >/dev/null &
	end=$(($(date +%s) + 3))
	while [ "$(date +%s)" -lt $end ]; do
		cat /proc/lattop >/dev/null
	done
	echo "$(stat_value dropped_busy) $(probe_events dequeue_task)"
	for comm in /proc/[0-9]*/comm; do
		[ "$(cat "$comm" 2>/dev/null)" = pingpong ] && kill -9 "$(basename "$(dirname "$comm")")"
	done
	wait
	rmmod lattop
}

set -- $(contend 0)
ktap_print_msg "budget 0 us: $1 events given up, $2 blocks handled"
expect_cmd "with no budget, events are given up and counted" test "$1" -gt 0
expect_cmd "and most are still handled" test "$2" -gt "$1"
set -- $(contend 2000)
ktap_print_msg "budget 2000 us: $1 events given up, $2 blocks handled"
expect_cmd "with the default budget, none is given up" test "$1" = 0
ktap_finished
