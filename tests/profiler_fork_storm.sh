#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A fork storm of 20,000 short-lived processes: the module stays within its
# caps (max_tasks, pool_size, max_traces), frees exited tasks after
# retention_ms, and the guest stays responsive.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

# A cap small enough for the storm to reach, a retention long enough for
# exited tasks to pile up against it.
MAX_TASKS=150
POOL=128

ktap_print_header
ktap_set_plan 7

insmod "$LATTOP_KO" max_tasks=$MAX_TASKS pool_size=$POOL max_traces=2000 retention_ms=2000 ||
	ktap_exit_fail_msg "insmod failed"

fork_storm 20000 &
storm=$!
peak=0
while kill -0 $storm 2>/dev/null; do
	tasks=$(stat_value tasks)
	[ "$tasks" -gt "$peak" ] && peak=$tasks
	sleep 0.2
done
wait $storm
status=$?
ktap_print_msg "tracked tasks peaked at $peak (cap $MAX_TASKS)"
show_drops
expect_eq "the fork storm ran to the end" "$status" 0
expect_cmd "tracked tasks never exceeded max_tasks" within "$peak" 1 $MAX_TASKS
expect_cmd "the cap engaged: new tasks over it were counted as dropped" \
	within "$(stat_value dropped_task_cap)" 1 100000000
expect_cmd "the pools never exceeded pool_size" \
	within "$(stat_value pool_task_nodes)" 0 $POOL
sleep 2.5
# Housekeeping runs when probes call for it: a little activity does.
sleeper 10 3 >/dev/null
start=$(date +%s)
take_snapshot
took=$(($(date +%s) - start))
tasks=$(stat_value tasks)
ktap_print_msg "after retention: $tasks tasks tracked; reading the report took ${took}s"
expect_cmd "exited tasks were freed after retention_ms" within "$tasks" 0 200
expect_cmd "the report still reads promptly" within "$took" 0 5
expect_cmd "rmmod lattop" rmmod lattop
ktap_finished
