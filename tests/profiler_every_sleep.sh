#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lattop-cost: 10 (seconds on the debug kernel under emulation: make check balances its guests by it)
# lattop-hooks: kprobe
#
# Every sleep is counted, whatever the thread blocked in. block_kinds runs
# one worker thread per way of blocking (a pipe read, FUTEX_WAIT, poll() on
# a pipe, nanosleep, sigwaitinfo, an eventfd read), each blocking $COUNT
# times; a partner wakes it only once /proc shows it blocked, so each call
# blocks. The ground truth is the kernel's own count of the thread's
# voluntary context switches (voluntary_ctxt_switches in
# /proc/PID/task/TID/status): on 6.12 a block is one (__schedule() counts it
# in nvcsw once block_task() has taken the task off its runqueue), and the
# only voluntary switch without a block is one where a signal was pending
# as the task went to block (try_to_block_task() leaves it runnable, and
# another task runs), which no call here meets: the signal worker's SIGUSR2
# comes only once it is blocked.
#
# The helper starts after insmod, so lattop sees each of its sleeps. Both
# readings are taken while every worker is blocked in one sleep: at its
# start gate (before the work), then in its final hold (after). nvcsw counts
# a sleep when it begins, SLEEPS when it ends, so from one reading to the
# next nvcsw gains the work's calls and the hold, SLEEPS the gate's sleep
# and the work's calls: the same number. nvcsw is read before and after
# /proc/lattop, and SLEEPS must lie between the two.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

COUNT=50
KINDS="pipe futex poll nanosleep signal eventfd"
OUT=/tmp/block_kinds.out

# nvcsw TID: the voluntary context switches of the helper's thread TID.
nvcsw() {
	awk '$1 == "voluntary_ctxt_switches:" { print $2 }' "/proc/$helper/task/$1/status"
}

# helper_word KIND N: the N-th word of the helper's line for KIND after its
# work ("KIND tid T calls C blocked B").
helper_word() {
	awk -v kind="$1" -v n="$2" '$1 == kind && $2 == "tid" { print $n; exit }' "$OUT"
}

# describe KIND: the mechanism's name in the cases.
describe() {
	case $1 in
	pipe) echo "read() of a pipe" ;;
	futex) echo "FUTEX_WAIT" ;;
	poll) echo "poll() on a pipe" ;;
	nanosleep) echo "nanosleep" ;;
	signal) echo "sigwaitinfo()" ;;
	eventfd) echo "read() of an eventfd" ;;
	esac
}

stop_helper() {
	kill "$helper" 2>/dev/null
	wait "$helper" 2>/dev/null
}

ktap_print_header
ktap_set_plan 13

lattop_insmod || ktap_exit_fail_msg "insmod failed"

START_ON_SIGNAL=1 block_kinds $COUNT >"$OUT" 2>&1 &
helper=$!
if ! wait_for_line "$OUT" "ready pid $helper"; then
	sed 's/^/# block_kinds: /' "$OUT"
	stop_helper
	rmmod lattop
	ktap_exit_fail_msg "block_kinds did not get ready"
fi
for kind in $KINDS; do
	tid=$(awk -v kind="$kind" '$1 == "worker" && $2 == kind { print $4 }' "$OUT")
	eval "tid_$kind=\$tid"
	eval "n0_$kind=\$(nvcsw \$tid)"
done
take_snapshot
for kind in $KINDS; do
	eval "s0_$kind=\$(report_field \$tid_$kind SLEEPS)"
done

kill -USR1 "$helper"
# 300 s: the work takes seconds, but a loaded host can stall the guest.
i=0
while ! grep -qx done "$OUT" && [ $i -lt 3000 ]; do
	i=$((i + 1))
	sleep 0.1
done
if ! grep -qx done "$OUT"; then
	sed 's/^/# block_kinds: /' "$OUT"
	stop_helper
	rmmod lattop
	ktap_exit_fail_msg "block_kinds did not finish its work in 300 s"
fi

for kind in $KINDS; do
	eval "n1_$kind=\$(nvcsw \$tid_$kind)"
done
take_snapshot
for kind in $KINDS; do
	eval "s1_$kind=\$(report_field \$tid_$kind SLEEPS)"
done
for kind in $KINDS; do
	eval "n2_$kind=\$(nvcsw \$tid_$kind)"
done

for kind in $KINDS; do
	eval "tid=\$tid_$kind n0=\$n0_$kind n1=\$n1_$kind n2=\$n2_$kind s0=\$s0_$kind s1=\$s1_$kind"
	calls=$(helper_word "$kind" 5) blocked=$(helper_word "$kind" 7)
	sleeps=$((s1 - s0)) low=$((n1 - n0)) high=$((n2 - n0))
	ktap_print_msg "$kind tid $tid: $calls calls, $blocked blocked; voluntary switches" \
		"$n0 -> $n1 / $n2 (+$low / +$high); SLEEPS $s0 -> $s1 (+$sleeps)"
	what=$(describe "$kind")
	expect_cmd "$what: blocked at least $COUNT times (its own count, its voluntary switches, lattop's SLEEPS)" \
		sh -c "[ '${blocked:-0}' -ge $COUNT ] && [ $low -ge $COUNT ] && [ $sleeps -ge $COUNT ]"
	expect_cmd "$what: SLEEPS gained as many as voluntary switches (+$low <= +$sleeps <= +$high)" \
		within "$sleeps" "$low" "$high"
done

stop_helper
show_drops
expect_cmd "rmmod lattop" rmmod lattop
ktap_finished
