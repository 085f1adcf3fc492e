#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lattop-cost: 40 (seconds on the debug kernel under emulation: make check balances its guests by it)
#
# Run-queue delay: a thread's waits for a CPU, from its wake-up (or a
# preemption) to running. Ground truth the module does not produce: the
# scheduler's own sched_info, /proc/<tid>/schedstat's second field (the
# debug kernel has CONFIG_SCHEDSTATS), read just before and just after
# lattop's figure; and the sleeper's own clock, which times each nanosleep
# from call to return, so its total is its sleep plus its waits for a CPU.
# - A sleeper alone on a CPU waits little: under a twentieth of its sleep.
# - The process record sums its threads' run-queue delay.
# - The same sleeper sharing its CPU with two spinners, at nice 19 so that
#   it does not preempt them on waking, waits: its run-queue delay grows
#   tenfold or more, while its sleep time stays what it asked for.
# Only the tracepoint hooks see a task switched in: hooks=kprobe skips.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
[ "${LATTOP_HOOKS:-tracepoint}" = tracepoint ] || ktap_skip_all "hooks=kprobe measures no run-queue delay"
[ -r /proc/self/schedstat ] || ktap_exit_fail_msg "no /proc/<pid>/schedstat: the debug kernel lacks CONFIG_SCHEDSTATS"
[ "$(nproc)" -ge 2 ] || ktap_skip_all "needs two CPUs"
ktap_set_plan 7

# schedstat_delay_us TID: sched_info's run_delay of TID, us.
schedstat_delay_us() {
	awk '{ print int($2 / 1000) }' "/proc/$1/schedstat"
}

# thread_field PID TID COLUMN: one column of TID's thread line in
# `lattop info --pid PID --threads` (the header line names the columns).
thread_field() {
	lattop info --pid "$1" --threads | awk -v tid="$2" -v col="$3" '
		NR == 1 { for (i = 1; i <= NF; i++) index_of[$i] = i; next }
		$1 == tid { print $(index_of[col]); exit }'
}

# measure NAME CPU NICE: a sleeper of 100 sleeps of 10 ms on CPU (a
# taskset mask) at NICE; after 80 of them, prints "schedstat_before
# lattop_runq_us lattop_sleep_us schedstat_after sleeps process_runq_us":
# the thread's figures and its process's sum.
measure() {
	NICE=$3 taskset "$2" sleeper 10 100 >"/tmp/$1.out" &
	pid=$!
	i=0
	while [ ! -s "/tmp/$1.out" ]; do
		i=$((i + 1))
		[ $i -le 1000 ] || ktap_exit_fail_msg "sleeper did not start"
		sleep 0.01
	done
	tid=$(head -n 1 "/tmp/$1.out")
	sleep 0.8
	before=$(schedstat_delay_us "$tid")
	runq=$(thread_field "$pid" "$tid" RUNQ_TOTAL_US)
	# SLEEPS first: the total read after it covers as many sleeps or one more.
	sleeps=$(thread_field "$pid" "$tid" SLEEPS)
	slept=$(thread_field "$pid" "$tid" SLEEP_TOTAL_US)
	after=$(schedstat_delay_us "$tid")
	process_runq=$(info_field "$pid" RUNQ_TOTAL_US)
	wait "$pid"
	echo "$before ${runq:-0} ${slept:-0} $after ${sleeps:-0} ${process_runq:-0}"
}

lattop_insmod || ktap_exit_fail_msg "insmod failed"

set -- $(measure lone 2 0)
lone_runq=$2
ktap_print_msg "lone sleeper: schedstat run_delay $1..$4 us, lattop runq $2 us, sleep $3 us over $5 sleeps"
expect_cmd "a lone sleeper's run-queue delay is sched_info's (within 10% and 2 ms)" \
	within "$2" $(($1 * 9 / 10 - 2000)) $(($4 * 11 / 10 + 2000))
expect_cmd "and under a twentieth of its sleep time" test $((20 * $2)) -lt "$3"
expect_cmd "which is its sleeps' (10 ms each, -1% for the part of the call before it blocks, +10% and 2 ms for timer slack)" \
	within "$3" $(($5 * 9900)) $(($5 * 11000 + 2000))

taskset 1 spin 30 >/dev/null &
spin1=$!
taskset 1 spin 30 >/dev/null &
spin2=$!
set -- $(measure crowded 1 19)
kill "$spin1" "$spin2"
wait "$spin1" "$spin2" 2>/dev/null
ktap_print_msg "sleeper beside two spinners: schedstat run_delay $1..$4 us, lattop runq $2 us, sleep $3 us over $5 sleeps"
expect_cmd "beside two spinners, its run-queue delay is sched_info's (within 10% and 2 ms)" \
	within "$2" $(($1 * 9 / 10 - 2000)) $(($4 * 11 / 10 + 2000))
expect_cmd "and ten times the lone sleeper's at least" test "$2" -ge $((10 * lone_runq + 10000))
expect_cmd "while its sleep time is still its sleeps'" \
	within "$3" $(($5 * 9900)) $(($5 * 11000 + 2000))

expect_cmd "its process's record sums its threads' waits for a CPU" test "$6" -ge "$2"
rmmod lattop
ktap_finished
