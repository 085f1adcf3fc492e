#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lattop-cost: 60 (seconds on the debug kernel under emulation: make check balances its guests by it)
#
# Each resource against a helper that moves it in known steps: sleep_latency
# (sleeps of 50, 100, 20, 200 ms, level 80 ms: 2 events, with the delay from
# wake-up to event and to the watcher printed), fd_count, thread_count, shm_usage, cpu_usage
# (a 50% duty cycle), blocked_time (a vfork parent in D for 1.5 s),
# process_count (forks: each child's pid in an event), anypid (a process
# started after arming; one there before, crossing up then down while no
# process starts or ends, which the evaluator feeds from what changed since
# its last run) and the allpids sum.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
ktap_set_plan 12

lattop_insmod || ktap_exit_fail_msg "insmod failed"

# run_helper OUT CMD...: starts CMD, waits for its "ready" line; sets HELPER.
# It takes its steps once told to go (SIGUSR1), after its watcher is armed.
run_helper() {
	out=$1
	shift
	START_ON_SIGNAL=1 "$@" >"$out" &
	HELPER=$!
	wait_helper_line "$out" ready >/dev/null || ktap_exit_fail_msg "$1 did not start"
}

# finish WATCH_OUT: starts the helper's steps, waits for it and the
# watcher's EXITED event.
finish() {
	kill -USR1 $HELPER
	wait $HELPER
	i=0
	while [ "$(count_kind "$1" exited)" = 0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	ktap_print_msg "$(basename "$1"): $(grep crossed "$1" | json_field - value | tr '\n' ' ')"
}

run_helper /tmp/sleeps.out sleep_steps 50 100 20 200
start_watch /tmp/sleep $HELPER sleep_latency --above 80000000
finish /tmp/sleep
values=$(grep crossed /tmp/sleep | json_field - value | tr '\n' ' ')
# A value is the time off the CPU, dequeue to wake-up: within the helper's
# own clock reads around its nanosleep (plus 0.1 ms for the two clocks),
# and short of the sleep asked for by at most the path from arming the
# timer to leaving the CPU (a make check saw 99.990 ms for 100; 5 ms
# allowed).
in_call() { awk -v ms="$1" '$2 == ms { print $6 - $8 + 100000 }' /tmp/sleeps.out; }
ktap_print_msg "sleep_latency: bounds from the helper's clock: $(in_call 100) $(in_call 200)"
expect_cmd "sleep_latency: 2 events, the 100 ms and 200 ms sleeps" sh -c "set -- $values; [ \$# = 2 ] &&
	[ \$1 -ge 95000000 ] && [ \$1 -le $(in_call 100) ] && [ \$2 -ge 195000000 ] && [ \$2 -le $(in_call 200) ]"
tids=$(grep crossed /tmp/sleep | json_field - tid | sort -u)
expect_cmd "sleep_latency: the events name the sleeping thread" test "$tids" = "$HELPER"
began=$(awk '$2 == 200 { print $8 }' /tmp/sleeps.out)
woke=$(awk '$2 == 200 { print $6 }' /tmp/sleeps.out)
event=$(grep crossed /tmp/sleep | json_field - time_ns | tail -n 1)
received=$(grep crossed /tmp/sleep | json_field - received_ns | tail -n 1)
# Delays are printed, not asserted: under TCG they follow the host's load.
ktap_print_msg "sleep_latency: event $(((woke - event) / 1000)) us before the helper read its clock on" \
	"waking; the watcher had it $(((received - event) / 1000)) us after the event"
expect_cmd "sleep_latency: the event is stamped at the 200 ms sleep's wake-up" \
	sh -c "[ $event -ge $((began + 200000000)) ] && [ $event -le $woke ]"

run_helper /tmp/fds.out fd_steps 4 300
base=$(ls /proc/$HELPER/fd | wc -l)
start_watch /tmp/fd $HELPER fd_count --above $((base + 3))
finish /tmp/fd
expect_cmd "fd_count: one event at baseline + 3" \
	test "$(grep crossed /tmp/fd | json_field - value)" = $((base + 3))

run_helper /tmp/threads.out thread_steps 4 300
start_watch /tmp/threads $HELPER thread_count --above 4
finish /tmp/threads
expect_cmd "thread_count: one event at 4 threads" test "$(grep crossed /tmp/threads | json_field - value)" = 4

run_helper /tmp/shm.out rss_steps --shm 4096 3 300
start_watch /tmp/shm $HELPER shm_usage --above $((10 * 1024 * 1024))
finish /tmp/shm
expect_cmd "shm_usage: one event past 10 MiB of shared memory" sh -c \
	"[ $(count_kind /tmp/shm crossed) = 1 ] && [ $(grep crossed /tmp/shm | json_field - value) -ge $((10 * 1024 * 1024)) ]"

run_helper /tmp/duty.out duty_cycle 50 100 3000
start_watch /tmp/cpu $HELPER cpu_usage --above 30 --window 500
# cpu_usage's first value, the baseline (it never fires), is the first whole
# window after arming: that window must be idle, so the helper starts two
# windows later.
sleep 1
finish /tmp/cpu
ktap_print_msg "duty_cycle: $(tail -n 1 /tmp/duty.out)"
cpu=$(grep crossed /tmp/cpu | json_field - value)
# The ground truth is the CPU the helper itself measured (getrusage): a
# guest starved by its host spins less than it asked for, and then no
# crossing is the right answer, which this case cannot judge.
got=$(sed -n 's/.* percent \([0-9]*\).*/\1/p' /tmp/duty.out | tail -n 1)
if [ "${got:-0}" -lt 35 ]; then
	ktap_test_skip "cpu_usage: the helper got ${got:-?}% of a CPU for its 50% duty cycle (host starved the guest)"
else
	expect_cmd "cpu_usage: a 50% duty cycle crosses 30% once, at 30-80%" sh -c \
		"[ $(count_kind /tmp/cpu crossed) = 1 ] && [ $cpu -ge 30 ] && [ $cpu -le 80 ]"
fi

run_helper /tmp/vfork.out vfork_block 1500
start_watch /tmp/blocked $HELPER blocked_time --above 1000000000
finish /tmp/blocked
expect_cmd "blocked_time: the vfork parent, blocked in D past 1 s" sh -c \
	"[ $(count_kind /tmp/blocked crossed) = 1 ] && [ $(grep crossed /tmp/blocked | json_field - tid) = $HELPER ] &&
	[ $(grep crossed /tmp/blocked | json_field - value) -ge 1000000000 ]"

start_watch /tmp/count allpids process_count --above min --level
watch_pid=$WATCH_PID
forker 3 200 >/tmp/forker.out
sleep 0.5
kill $watch_pid
children=$(awk '$1 == "child" { print $4 }' /tmp/forker.out)
missing=0
for child in $children; do
	json_field /tmp/count pid | grep -qx "$child" || missing=$((missing + 1))
done
ktap_print_msg "process_count events: $(json_field /tmp/count pid | tr '\n' ' ')"
expect_cmd "process_count: an event names each new child" sh -c "[ -n '$children' ] && [ $missing = 0 ]"

start_watch /tmp/anypid anypid memory_usage --above $((12 * 1024 * 1024))
any_watch=$WATCH_PID
run_helper /tmp/late.out rss_steps 4096 4 300
kill -USR1 $HELPER
wait $HELPER
sleep 0.2
kill $any_watch
ktap_print_msg "anypid events: $(grep crossed /tmp/anypid | json_field - pid | tr '\n' ' ')(helper $HELPER)"
expect_cmd "anypid: a process started after arming fires, named" \
	grep -q "\"pid\":$HELPER," /tmp/anypid

# A process there at arming, with its baseline: it crosses up at its third
# step (its VmRSS, read here, + 12 MiB against a level 10 MiB above it) and
# down at its second shrink, while the shell only waits for it.
run_helper /tmp/early.out rss_steps 4096 4 300
early_kb=$(awk '$1 == "VmRSS:" { print $2 }' /proc/"$HELPER"/status)
early_level=$(((early_kb + 10 * 1024) * 1024))
start_watch /tmp/early_up anypid memory_usage --above $early_level
early_up=$WATCH_PID
start_watch /tmp/early_down anypid memory_usage --below $early_level
early_down=$WATCH_PID
fed_before=$(stat_value notifier_fed_changes)
kill -USR1 $HELPER
wait $HELPER
sleep 0.2
fed_after=$(stat_value notifier_fed_changes)
kill $early_up $early_down
wait $early_up $early_down 2>/dev/null
up_value=$(grep crossed /tmp/early_up | grep "\"pid\":$HELPER," | json_field - value | head -n 1)
down_value=$(grep crossed /tmp/early_down | grep "\"pid\":$HELPER," | json_field - value | head -n 1)
ktap_print_msg "early helper $HELPER: up $up_value, down $down_value, level $early_level;" \
	"feedings from changes $fed_before -> $fed_after"
expect_cmd "anypid: a process there at arming fires up, then down, each once, fed from the changes" sh -c \
	"[ $(grep crossed /tmp/early_up | grep -c "\"pid\":$HELPER,") = 1 ] &&
	[ $(grep crossed /tmp/early_down | grep -c "\"pid\":$HELPER,") = 1 ] &&
	[ ${up_value:-0} -ge $early_level ] && [ ${down_value:-$early_level} -lt $early_level ] &&
	[ $fed_after -gt $fed_before ]"

run_helper /tmp/sum.out rss_steps 4096 4 300
sum_kb=$(lattop info | awk 'NR > 1 { kb += $7 } END { print kb }')
start_watch /tmp/sum allpids memory_usage --above $(((sum_kb + 10 * 1024) * 1024))
sum_watch=$WATCH_PID
kill -USR1 $HELPER
wait $HELPER
sleep 0.2
kill $sum_watch
ktap_print_msg "allpids sum: baseline $sum_kb kB; events $(json_field /tmp/sum value | tr '\n' ' ')"
expect_cmd "allpids: the sum crosses as the helper grows, pid 0" \
	grep -q '"pid":0,.*"kind":"crossed"' /tmp/sum
rmmod lattop
ktap_finished
