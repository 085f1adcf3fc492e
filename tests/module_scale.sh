#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# 10,000 threads in one process, all sleeping 2 s at once, with the module
# loaded on the debug kernel: every sleep is recorded or counted as dropped
# (the node pools hold 512 and are refilled in the background), the
# report, the bulk snapshot and the stats still read, a thread watcher
# sees the count, and the kernel log stays clean (lockdep, KFENCE,
# kmemleak, atomic sleep).
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
ktap_set_plan 4

# A 1 GiB guest allows about 8,000 threads by default.
echo 20000 >/proc/sys/kernel/threads-max
insmod "$LATTOP_KO" || ktap_exit_fail_msg "insmod failed"
many_sleepers 10000 2000 1000 >/tmp/many.out &
pid=$!
start_watch /tmp/threads $pid thread_count --above 10001 || ktap_exit_fail_msg "watch failed"
wait_for_line /tmp/many.out joined || ktap_exit_fail_msg "the sleepers did not finish"
drops=$(($(stat_value dropped_no_node) + $(stat_value dropped_task_cap) + $(stat_value dropped_busy)))
sleeps=$(info_field $pid SLEEPS)
ktap_print_msg "10,000 threads: $sleeps sleeps recorded for the process, $drops dropped;" \
	"tasks in the table $(stat_value tasks)"
expect_cmd "every thread's sleep was recorded or counted as dropped" test $((sleeps + drops)) -ge 10000
expect_cmd "/proc/lattop and /proc/allpids/info read" \
	sh -c "cat /proc/lattop >/dev/null && cat /proc/allpids/info >/dev/null"
wait $pid
i=0
while [ "$(count_kind /tmp/threads exited)" = 0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_cmd "a thread_count watcher saw 10,001 threads" grep -q '"value":10001' /tmp/threads
expect_cmd "rmmod" rmmod lattop
ktap_finished
