#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lattop-cost: 200 (seconds on the debug kernel under emulation: make check balances its guests by it)
#
# 10,000 threads in one process, all sleeping 10 s at once, with the module
# loaded on the debug kernel: every thread's 10 s sleep is in the process's
# sleep total or counted as dropped (the node pools hold 512 and are
# refilled in the background), the
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
lattop_insmod || ktap_exit_fail_msg "insmod failed"
many_sleepers 10000 10000 1000 >/tmp/many.out &
pid=$!
start_watch /tmp/threads $pid thread_count --above 10001 || ktap_exit_fail_msg "watch failed"
# The threads wait at a barrier until all are made (minutes under
# emulation: those waits alone sum to far more than the 10 s sleeps), then
# each sleeps 10 s once. The barrier's last arrival wakes them all in one
# futex call, before the helper prints "ready", and a sleep counts at its
# wake-up: so the process's sums read at "ready" hold the barrier waits and
# none of the 10 s sleeps (the read must come before the first ends; all
# 10,000 threads still listed shows it did), and what the sums grow by
# until "joined" is the 10 s sleeps, plus the main thread's joins.
wait_for_line /tmp/many.out ready || ktap_exit_fail_msg "the sleepers did not start"
t0=$(cut -d' ' -f1 /proc/uptime)
before=$(lattop info --pid $pid | awk 'NR == 2 { print $5, $11, $12 }')
t1=$(cut -d' ' -f1 /proc/uptime)
wait_for_line /tmp/many.out joined || ktap_exit_fail_msg "the sleepers did not finish"
# Read during the helper's 1 s hold after the join: its main thread's record
# keeps the process's sums, which outlive the exited threads' records.
after=$(lattop info --pid $pid | awk 'NR == 2 { print $5, $11, $12 }')
t2=$(cut -d' ' -f1 /proc/uptime)
drops=$(($(stat_value dropped_no_node) + $(stat_value dropped_task_cap) + $(stat_value dropped_busy)))
set -- $before 0 0 0
threads_before=$1
sleeps_before=$2
total_before=$3
set -- $after 0 0 0
sleeps=$(($2 - sleeps_before))
total_us=$(($3 - total_before))
ktap_print_msg "10,000 threads: read at ready ($before: threads sleeps total_us) took" \
	"$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s; then $sleeps sleeps, $total_us us" \
	"until joined; $drops dropped; tasks in the table $(stat_value tasks)"
# Each of the 10,000 10 s sleeps must be in that growth unless a drop
# counter accounts for it (a drop loses at most one sleep; the drops are
# the whole module's, so counting them all only lowers the bound).
# Tolerance 1 % (100 ms a sleep on average): the module's sleep runs from
# the dequeue to the wake-up, so a thread preempted between arming its
# timer and blocking (likely with 10,000 runnable at once under emulation)
# has a shorter one; a lost sleep costs 10 s, so more than 100 lost sleeps
# fail. The count must have grown by at least 10,000 - drops too. Upper
# bound: no more than each of the 10,001 threads asleep from the first read
# to the last (uptime has 10 ms steps, 1 s is added): a sum counted twice
# over fails. The drops must stay under half: a module dropping everything
# would otherwise meet a bound of nothing.
need_us=$(((10000 - drops) * 10000000 / 100 * 99))
max_us=$((10001 * ($(awk -v a="$t0" -v b="$t2" 'BEGIN { printf "%d\n", (b - a) * 1000 }') + 1000) * 1000))
ktap_print_msg "sleep total growth must be $need_us..$max_us us"
expect_cmd "each thread's 10 s sleep is in the process's sleep total, or counted as dropped" sh -c \
	"[ $threads_before = 10001 ] && [ $drops -lt 5000 ] && [ $sleeps -ge $((10000 - drops)) ] &&
	[ $total_us -ge $need_us ] && [ $total_us -le $max_us ]"
expect_cmd "/proc/lattop and /proc/allpids/info read" \
	sh -c "cat /proc/lattop >/dev/null && cat /proc/allpids/info >/dev/null"
wait $pid
i=0
while [ "$(count_kind /tmp/threads exited)" = 0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_cmd "a thread_count watcher saw 10,001 threads" grep -q '"value":10001' /tmp/threads
expect_cmd "rmmod" rmmod lattop
ktap_finished
