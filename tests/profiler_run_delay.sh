#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lattop-cost: 43 (seconds on the debug kernel under emulation: make check balances its guests by it)
#
# Run-queue delay: a thread's waits for a CPU, from its wake-up (or a
# preemption) to running. Ground truth the module does not produce: the
# scheduler's own sched_info, /proc/<tid>/schedstat's second field (the
# debug kernel has CONFIG_SCHEDSTATS), read just before and just after
# lattop's figure; and the sleeper's own clock, which times each nanosleep
# from call to return, so its total is its sleep plus its waits for a CPU.
# - A sleeper alone on a CPU waits little, and sleeps what it asked for.
# - The process record sums its threads' run-queue delay.
# - The same sleeper sharing its CPU with two spinners, at nice 19 so that
#   it does not preempt them on waking, waits: its run-queue delay grows
#   tenfold or more, and beyond its sleep time, which stays near what it
#   asked for.
# - A spinner beside another waits only after preemptions: its run-queue
#   delay is sched_info's too; and so is the growth of one running since
#   before lattop loaded, which it first sees switched in.
# Only the tracepoint hooks see a task switched in: hooks=kprobe skips.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
[ "${LATTOP_HOOKS:-tracepoint}" = tracepoint ] || ktap_skip_all "hooks=kprobe measures no run-queue delay"
[ -r /proc/self/schedstat ] || ktap_exit_fail_msg "no /proc/<pid>/schedstat: the debug kernel lacks CONFIG_SCHEDSTATS"
[ "$(nproc)" -ge 2 ] || ktap_skip_all "needs two CPUs"
ktap_set_plan 9

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

# runq_bracket TID: sets bracket_runq to the run-queue delay lattop has for
# the single-threaded process TID (us, 0 if none), between two reads of
# sched_info's, bracket_before and bracket_after.
runq_bracket() {
	bracket_before=$(schedstat_delay_us "$1")
	bracket_runq=$(thread_field "$1" "$1" RUNQ_TOTAL_US)
	bracket_runq=${bracket_runq:-0}
	bracket_after=$(schedstat_delay_us "$1")
}
# measure NAME CPU NICE: a sleeper of sleeps of 10 ms on CPU (a taskset
# mask) at NICE; 0.8 s after it started (it is killed then), prints "schedstat_before
# lattop_runq_us lattop_sleep_us schedstat_after sleeps process_runq_us":
# the thread's figures and its process's sum.
measure() {
	NICE=$3 taskset "$2" sleeper 10 1000 >"/tmp/$1.out" &
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
	kill "$pid"
	wait "$pid" 2>/dev/null
	echo "$before ${runq:-0} ${slept:-0} $after ${sleeps:-0} ${process_runq:-0}"
}

lattop_insmod || ktap_exit_fail_msg "insmod failed"

set -- $(measure lone 2 0)
lone_runq=$2 lone_waits=$5
ktap_print_msg "lone sleeper: schedstat run_delay $1..$4 us, lattop runq $2 us, sleep $3 us over $5 sleeps"
expect_cmd "a lone sleeper's run-queue delay is sched_info's (within 10% and 2 ms)" \
	within "$2" $(($1 * 9 / 10 - 2000)) $(($4 * 11 / 10 + 2000))
# Emulated timers round a 10 ms sleep up (to 12.6 ms on average under TCG).
expect_cmd "its sleeps are its 10 ms ones: 9.9 to 20 ms each" \
	within "$3" $(($5 * 9900)) $(($5 * 20000))
expect_cmd "and lattop saw them: at least 20" test "$5" -ge 20

taskset 1 spin 30 >/dev/null &
spin1=$!
taskset 1 spin 30 >/dev/null &
spin2=$!
set -- $(measure crowded 1 19)
# A spinner never blocks: every wait of its is after a preemption by the
# other, counted when it runs again.
runq_bracket "$spin1"
kill "$spin1" "$spin2"
wait "$spin1" "$spin2" 2>/dev/null
ktap_print_msg "spinner: schedstat run_delay $bracket_before..$bracket_after us, lattop runq $bracket_runq us"
expect_cmd "a spinner's run-queue delay, all after preemptions, is sched_info's (within 10% and 2 ms)" \
	within "$bracket_runq" $((bracket_before * 9 / 10 - 2000)) $((bracket_after * 11 / 10 + 2000))
ktap_print_msg "sleeper beside two spinners: schedstat run_delay $1..$4 us, lattop runq $2 us, sleep $3 us over $5 sleeps"
expect_cmd "beside two spinners, its run-queue delay is sched_info's (within 10% and 2 ms)" \
	within "$2" $(($1 * 9 / 10 - 2000)) $(($4 * 11 / 10 + 2000))
# Per sleep: the crowded sleeper's mean wait against the lone one's.
expect_cmd "and ten times the lone sleeper's at least, per sleep" \
	test $(($2 * lone_waits)) -ge $((10 * lone_runq * $5 + 1))
# Its sleeps are no longer exact: the timer's wake-up comes late on an
# emulated CPU the spinners keep busy (seen: 21.6 ms a 10 ms sleep on a
# loaded host). But they are not what grew: the delay did, about 200 ms a
# sleep, which a module counting waits as sleep would add to each.
expect_cmd "while its sleep time did not grow so: under 30 ms a sleep, and less than its delay" \
	sh -c "[ $3 -le $(($5 * 30000)) ] && [ $3 -lt $2 ]"

expect_cmd "its process's record sums its threads' waits for a CPU" test "$6" -ge "$2"
rmmod lattop

# Two spinners already running when lattop loads never block: each is
# first seen switched in, and its waits count from there.
taskset 1 spin 30 >/dev/null &
spin1=$!
taskset 1 spin 30 >/dev/null &
spin2=$!
sleep 0.3
loaded_before=$(schedstat_delay_us "$spin1")
lattop_insmod || ktap_exit_fail_msg "insmod failed"
loaded_after=$(schedstat_delay_us "$spin1")
sleep 0.8
runq_bracket "$spin1"
kill "$spin1" "$spin2"
wait "$spin1" "$spin2" 2>/dev/null
ktap_print_msg "spinner running since before the load: schedstat run_delay grew $((bracket_before - loaded_after))..$((bracket_after - loaded_before)) us since, lattop runq $bracket_runq us"
expect_cmd "a spinner running since before the load has its waits counted from it (within 10% and 2 ms)" \
	within "$bracket_runq" $(((bracket_before - loaded_after) * 9 / 10 - 2000)) $(((bracket_after - loaded_before) * 11 / 10 + 2000))
rmmod lattop
ktap_finished
