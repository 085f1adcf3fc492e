#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Bulk transfer against ground truth: every process and thread record of
# /proc/allpids/info agrees with /proc/<pid>/stat, status, task/ and fd/
# read right after (tests/helpers/info_check.c, which decodes the snapshot
# with the UAPI header in C and states its tolerances); a process of 50
# threads has 51 thread records (and main); the CLI shows the same; the
# per-process sleep sums keep what exited threads slept.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
ktap_set_plan 11

lattop_insmod || ktap_exit_fail_msg "insmod failed"

# 50 threads blocked for a minute, and some single-threaded sleepers.
many_sleepers 50 60000 >/tmp/threads.out &
wait_for_line /tmp/threads.out ready || ktap_exit_fail_msg "many_sleepers did not start"
threads_pid=$(head -n 1 /tmp/threads.out)
for i in 1 2 3; do sleep 60 & done
sleep 0.5

info_check >/tmp/check.out
status=$?
grep '^mismatch ' /tmp/check.out | head -n 20 | while read -r line; do ktap_print_msg "$line"; done
summary=$(tail -n 1 /tmp/check.out)
ktap_print_msg "all: $summary"
expect_eq "every record agrees with /proc (and every process has one)" "$status" 0
checked=$(echo "$summary" | awk '{ print $2 }')
expect_cmd "the whole snapshot was checked: $checked processes" within "${checked:-0}" 20 100000

info_check "/proc/allpids/$threads_pid/info" >/tmp/one.out
status=$?
summary=$(tail -n 1 /tmp/one.out)
ktap_print_msg "pid $threads_pid: $summary"
expect_eq "its own info agrees with /proc too" "$status" 0
expect_eq "a process of 50 threads has 51 thread records" \
	"$(echo "$summary" | awk '{ print $2, $4 }')" "1 51"

# The CLI decodes the same snapshot format.
lines=$(lattop info --pid "$threads_pid" --threads | awk 'NR > 2 && /^  /' | wc -l)
expect_eq "lattop info --threads lists its 51 threads" "$lines" 51
json_tids=$(lattop info --pid "$threads_pid" --json | grep -o '"tid":' | wc -l)
expect_eq "lattop info --json has 51 thread objects" "$json_tids" 51

kill "$threads_pid"
wait "$threads_pid" 2>/dev/null
i=0
while [ -e "/proc/allpids/$threads_pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
listed=$(lattop info | awk -v pid="$threads_pid" '$1 == pid' | wc -l)
expect_cmd "an exited process leaves the next snapshot and its directory" \
	sh -c "[ $listed -eq 0 ] && [ ! -e /proc/allpids/$threads_pid ]"

# Per-process sums: 20 threads sleep 300 ms each and exit; their records are
# then reported and freed (a read of /proc/lattop, and another after its 1 s
# grace), but the process's sums keep their sleeps. Ground truth: at least
# the 20 sleeps of 300 ms (10% for the clock), and at most the wall-clock
# time the helper measured around every call that can block (the barrier,
# the sleeps, the joins), plus 10% and 200 ms for what it did not time
# (thread creation can wait on the address space's lock).
many_sleepers 20 300 30000 >/tmp/sums.out &
wait_for_line /tmp/sums.out joined || ktap_exit_fail_msg "many_sleepers did not finish"
sums_pid=$(head -n 1 /tmp/sums.out)
waited_us=$(awk '$1 == "waited_us" { print $2 }' /tmp/sums.out)
cat /proc/lattop >/dev/null
sleep 1.5
cat /proc/lattop >/dev/null
rows=$(awk -v pid="$sums_pid" 'NR > 1 && $2 == pid' /proc/lattop | wc -l)
sleeps=$(info_field "$sums_pid" SLEEPS)
total_us=$(info_field "$sums_pid" SLEEP_TOTAL_US)
max_us=$(info_field "$sums_pid" SLEEP_MAX_US)
ktap_print_msg "pid $sums_pid: $rows thread(s) left in /proc/lattop; process sums: sleeps $sleeps total_us $total_us max_us $max_us; helper waited ${waited_us:-?} us"
expect_cmd "the process's sums kept its 20 exited threads' sleeps (rows left: $rows)" \
	sh -c "[ $rows -le 1 ] && [ ${sleeps:-0} -ge 21 ] &&
		[ ${total_us:-0} -ge $((20 * 300000 * 9 / 10)) ] &&
		[ ${total_us:-0} -le $((${waited_us:-0} * 11 / 10 + 200000)) ]"
expect_cmd "its longest sleep is about 300 ms" within "${max_us:-0}" 270000 $((300000 * 11 / 10 + 200000))

# A thread blocked now: its record says for how long. Ground truth: it
# printed its tid just before a 5 s nanosleep, and we waited 1 s after that.
sleeper 5000 1 >/tmp/blocked.out &
while [ ! -s /tmp/blocked.out ]; do sleep 0.01; done
blocked_tid=$(head -n 1 /tmp/blocked.out)
sleep 1
lattop info --pid $! --threads >/tmp/blocked-info.out
thread_line=$(awk -v tid="$blocked_tid" 'NR > 2 && /^  / && $1 == tid' /tmp/blocked-info.out)
blocked_ms=$(echo "$thread_line" | awk '{ print $10 }')
ktap_print_msg "sleeping thread $blocked_tid: $thread_line"
expect_cmd "a thread asleep for over 1 s shows BLOCKED_MS between 900 and 5000" \
	within "${blocked_ms:-0}" 900 4999

# A thread's own sleep figures are those of its /proc/lattop row: the main
# thread of the process above, asleep (for 30 s) after several sleeps.
take_snapshot
main_line=$(lattop info --pid "$sums_pid" --threads | awk -v tid="$sums_pid" 'NR > 2 && /^  / && $1 == tid')
ktap_print_msg "main thread: $main_line; /proc/lattop: $(report_row "$sums_pid")"
expect_cmd "a thread's SLEEPS and SLEEP_TOTAL_US are its /proc/lattop row's" sh -c \
	"[ $(echo "$main_line" | awk '{ print $11 }') -gt 0 ] &&
	 [ $(echo "$main_line" | awk '{ print $11, $12 }' | tr ' ' :) = \
	   $(report_field "$sums_pid" SLEEPS):$(report_field "$sums_pid" TOTAL_US) ]"

kill $(jobs -p) 2>/dev/null
wait
rmmod lattop
ktap_finished
