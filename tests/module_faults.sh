#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lattop-cost: 90 (seconds on the debug kernel under emulation: make check balances its guests by it)
#
# Allocation faults: failslab, limited to allocations made from lattop's own
# code (require-start/end over the module, any depth of the stack), fails
# 20% of them, GFP_KERNEL ones too, while processes fork and exit, threads
# sleep, readers read /proc/lattop and the bulk files and watchers arm
# thresholds. The module must keep working and count what it could not do
# (directories not made, events without a node), nothing may crash, and the
# run's kmemleak scan after the last test must find no leak. Then, faults
# off, everything works again.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
ktap_set_plan 6

fs=/sys/kernel/debug/failslab
[ -d $fs ] || ktap_skip_all "no failslab in this kernel"
lattop_insmod || ktap_exit_fail_msg "insmod failed"
# /proc/modules: name size refcount deps state address.
set -- $(grep '^lattop ' /proc/modules)
start=$(($6))
end=$((start + $2))
ktap_print_msg "lattop: $(printf '0x%x-0x%x' $start $end)"
printf '0x%x\n' $start >$fs/require-start
printf '0x%x\n' $end >$fs/require-end
echo 32 >$fs/stacktrace-depth
echo N >$fs/ignore-gfp-wait
echo N >$fs/task-filter
echo 0 >$fs/space
echo 0 >$fs/verbose
echo -1 >$fs/times
echo 20 >$fs/probability

many_sleepers 200 300 >/dev/null &
sleepers=$!
fork_storm 2000 &
storm=$!
read_errors=0
armed=0
refused=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	cat /proc/lattop >/dev/null 2>&1 || read_errors=$((read_errors + 1))
	lattop info >/dev/null 2>&1 || read_errors=$((read_errors + 1))
	if lattop watch $$ fd_count --above 1000 --count 1 >/dev/null 2>/tmp/watch.err & then
		sleep 0.1
		kill $! 2>/dev/null
		wait $! 2>/dev/null
		if grep -q watching /tmp/watch.err; then armed=$((armed + 1)); else refused=$((refused + 1)); fi
	fi
done
wait $storm
wait $sleepers
echo 0 >$fs/probability
ktap_print_msg "reads failed: $read_errors of 40; thresholds armed $armed, refused $refused"
ktap_print_msg "stats: pid_dir_failures $(stat_value pid_dir_failures) dropped_no_node $(stat_value dropped_no_node)" \
	"dropped_task_cap $(stat_value dropped_task_cap) dropped_busy $(stat_value dropped_busy)"
failures=$(stat_value pid_dir_failures)
expect_cmd "directories that could not be made were counted" test "$failures" -gt 0
expect_cmd "some reads failed cleanly, some succeeded" sh -c "[ $read_errors -gt 0 ] && [ $read_errors -lt 40 ]"

# Faults off: a new process gets its directory, reads and arming work.
sleep 1
sleeper 2000 1 >/dev/null &
late=$!
sleep 0.5
expect_cmd "afterwards, a new process has its directory" test -e /proc/allpids/$late/info
expect_cmd "afterwards, /proc/lattop and lattop info read" sh -c "cat /proc/lattop >/dev/null && lattop info >/dev/null"
lattop watch allpids process_count --above min --level --count 1 >/tmp/late.out 2>&1 &
watch=$!
wait_for_line /tmp/late.out "lattop: watching .*"
true &
wait $watch
expect_cmd "afterwards, a threshold arms and fires" grep -q crossed /tmp/late.out
wait $late
expect_cmd "rmmod after the faults" rmmod lattop
ktap_finished
