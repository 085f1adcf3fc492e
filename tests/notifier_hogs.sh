#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lattop-cost: 30 (seconds on the debug kernel under emulation: make check balances its guests by it)
#
# Hogs from birth, hogs at arming, and per-thread sleep_latency: anypid
# judges a process started after arming from its birth (a spinner exec'd
# hot; a child forked holding 64 MiB or 300 descriptors, which its parent
# took before arming); a process past the level when armed fires nothing,
# unless the threshold asks for the present state (--present), and then at
# once; sleep_latency compares each thread's sleep with its own previous
# one, so a short sleeper beside a long one changes nothing. The ground
# truth is the helpers' own pids, /proc/self/status and /proc/self/fd as
# each read them, and the sleeps they asked for.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
ktap_set_plan 11

lattop_insmod || ktap_exit_fail_msg "insmod failed"

# events OUT PID: how many crossed events of PID OUT has.
events() {
	grep '"kind":"crossed"' "$1" | json_field - pid | grep -cx "$2"
}

# value_of OUT PID: the value of PID's first crossed event in OUT.
value_of() {
	grep '"kind":"crossed"' "$1" | grep "\"pid\":$2," | head -n 1 | json_field - value
}

# stop_watch PID...: ends the watchers, once their events are read.
stop_watch() {
	sleep 0.3
	kill "$@"
	wait "$@" 2>/dev/null
}

# start_born_hot OUT MODE AMOUNT: a born_hot helper that has taken its
# resource and waits for SIGUSR1 to fork; sets HELPER.
start_born_hot() {
	START_ON_SIGNAL=1 born_hot "$2" "$3" 3000 >"$1" &
	HELPER=$!
	wait_helper_line "$1" ready >/dev/null || ktap_exit_fail_msg "born_hot $2 did not start"
}

# finish_born_hot OUT: lets it fork, reads the child's VmRSS (kB) and
# descriptors from its /proc/C/ while it sleeps, waits for them; sets CHILD,
# CHILD_KB and CHILD_FDS.
finish_born_hot() {
	kill -USR1 $HELPER
	CHILD=$(wait_helper_line "$1" child | awk '{ print $3 }')
	CHILD_KB=$(awk '$1 == "VmRSS:" { print $2 }' /proc/"$CHILD"/status)
	CHILD_FDS=$(ls /proc/"$CHILD"/fd | wc -l)
	wait $HELPER
}

# 1: a CPU hog from its first instruction, started after arming (the
# README's example, at a lower level). Each of its windows is past the
# level: only the first is a crossing (from its birth), so exactly one
# event. The level is 50, not the README's 90: on the 2-vCPU guest the
# evaluator itself (about 0.5 ms of every 10 ms on the debug kernel, twice
# that when the host is loaded) and the test's own processes share the
# spinner's CPU now and then; seen on CI, a spinner that never reached 90%
# of a window. The spinner's own run-queue wait (/proc/PID/schedstat, read
# while it spins) is printed to tell that case from a missed crossing.
start_watch /tmp/hog_cpu anypid cpu_usage --above 50 --window 1000
cpu_watch=$WATCH_PID
spin 3 >/tmp/spin.out &
spin_job=$!
spinner=$(wait_helper_line /tmp/spin.out "[0-9]") || ktap_exit_fail_msg "spin did not start"
sleep 2
spin_sched=$(cat /proc/"$spinner"/schedstat 2>/dev/null)
wait $spin_job
stop_watch $cpu_watch
ktap_print_msg "cpu_usage events: $(grep crossed /tmp/hog_cpu | json_field - pid | tr '\n' ' ')(spinner $spinner," \
	"at $(value_of /tmp/hog_cpu "$spinner")%; after 2 s its schedstat: ${spin_sched:-gone} (ran, waited ns, slices))"
expect_cmd "cpu_usage: a spinner started after arming fires once, with its pid" \
	test "$(events /tmp/hog_cpu "$spinner")" = 1

# 2-5: memory. The parent maps and touches 64 MiB, then the thresholds are
# armed (one plain, one --present), then it forks: the child is born with
# the 64 MiB resident.
level=$((48 * 1024 * 1024))
start_born_hot /tmp/born_rss.out rss 64
start_watch /tmp/hog_rss anypid memory_usage --above $level
rss_watch=$WATCH_PID
start_watch /tmp/hog_rss_now anypid memory_usage --above $level --present
now_watch=$WATCH_PID
# A few evaluation periods with the parent hot and nothing changing.
sleep 0.2
parent_at_arming=$(events /tmp/hog_rss_now $HELPER)
parent_value=$(value_of /tmp/hog_rss_now $HELPER)
parent=$HELPER
finish_born_hot /tmp/born_rss.out
stop_watch $rss_watch $now_watch
ktap_print_msg "born_hot: $(tr '\n' ' ' </tmp/born_rss.out)"
ktap_print_msg "memory_usage events: $(grep crossed /tmp/hog_rss | json_field - pid | tr '\n' ' ');" \
	"with --present: $(grep crossed /tmp/hog_rss_now | json_field - pid | tr '\n' ' ')"
child_kb=$CHILD_KB
parent_kb=$(awk '$1 == "took" { print $3 }' /tmp/born_rss.out)
child_value=$(value_of /tmp/hog_rss "$CHILD")
# Its value is its VmRSS (the same counters, in bytes), read from its
# /proc/C/status while it sleeps; the 2 MiB allow for pages it touched
# between the two reads.
expect_cmd "memory_usage: a child born with 64 MiB fires once, its VmRSS past the level" sh -c \
	"[ $(events /tmp/hog_rss "$CHILD") = 1 ] && [ $((child_kb * 1024)) -ge $level ] &&
	[ ${child_value:-0} -ge $(((child_kb - 2048) * 1024)) ] && [ ${child_value:-0} -le $(((child_kb + 2048) * 1024)) ]"
expect_cmd "memory_usage: its parent, past the level when armed, fires nothing" \
	test "$(events /tmp/hog_rss $parent)" = 0
expect_cmd "memory_usage --present: the parent fires at arming, with its VmRSS" sh -c \
	"[ $parent_at_arming = 1 ] && [ ${parent_value:-0} -ge $(((parent_kb - 2048) * 1024)) ] &&
	[ ${parent_value:-0} -le $(((parent_kb + 2048) * 1024)) ]"
expect_cmd "memory_usage --present: and once; the child, born later, fires too" sh -c \
	"[ $(events /tmp/hog_rss_now $parent) = 1 ] && [ $(events /tmp/hog_rss_now "$CHILD") = 1 ]"

# 6-7: descriptors, the same way.
start_born_hot /tmp/born_fds.out fds 300
start_watch /tmp/hog_fds anypid fd_count --above 250
fds_watch=$WATCH_PID
sleep 0.2
parent=$HELPER
finish_born_hot /tmp/born_fds.out
stop_watch $fds_watch
ktap_print_msg "born_hot: $(tr '\n' ' ' </tmp/born_fds.out)"
ktap_print_msg "fd_count events: $(grep crossed /tmp/hog_fds | json_field - pid | tr '\n' ' ')(child $CHILD: $CHILD_FDS in /proc/$CHILD/fd)"
child_fds=$CHILD_FDS
expect_cmd "fd_count: a child born with 300 descriptors fires once, with its count" sh -c \
	"[ $(events /tmp/hog_fds "$CHILD") = 1 ] && [ '$(value_of /tmp/hog_fds "$CHILD")' = '$child_fds' ]"
expect_cmd "fd_count: its parent, past the level when armed, fires nothing" \
	test "$(events /tmp/hog_fds $parent)" = 0

# 8: process_count --present reports the count at arming, pid 0; /proc's
# count includes the shell's own `ls` and `wc`, and the reconcile may lag a
# start or exit: 6 either way.
procs=$(ls -d /proc/[0-9]* | wc -l)
start_watch /tmp/count_now allpids process_count --above 1 --present
count_watch=$WATCH_PID
stop_watch $count_watch
count=$(grep crossed /tmp/count_now | head -n 1 | json_field - value)
ktap_print_msg "process_count at arming: ${count:-none}; /proc lists $procs"
expect_cmd "process_count --present: one event at arming, pid 0, the live count" sh -c \
	"[ $(count_kind /tmp/count_now crossed) = 1 ] && [ $(events /tmp/count_now 0) = 1 ] &&
	[ ${count:-0} -ge $((procs - 6)) ] && [ ${count:-0} -le $((procs + 6)) ]"

# 9-10: sleep_latency, per thread. The long sleeper's own stream crosses
# 50 ms upward three times (each 1 ms sleep followed by a 100 ms one); the
# short sleeper's 1 ms sleeps come between, and must not count as its
# previous sleeps. Both exist at arming: their first sleep after it (the
# wait for SIGUSR1) is their baseline.
START_ON_SIGNAL=1 sleep_steps 1 100 100 1 100 100 100 1 100 >/tmp/long.out &
long=$!
# shellcheck disable=SC2046 # 1000 arguments of 1 ms
START_ON_SIGNAL=1 sleep_steps $(seq 1000 | sed 's/.*/1/') >/tmp/short.out &
short=$!
wait_helper_line /tmp/long.out ready >/dev/null || ktap_exit_fail_msg "sleep_steps did not start"
wait_helper_line /tmp/short.out ready >/dev/null || ktap_exit_fail_msg "sleep_steps did not start"
start_watch /tmp/per_thread anypid sleep_latency --above 50000000
sleep_watch=$WATCH_PID
# The short sleeper first, so that it is already sleeping between.
kill -USR1 $short
sleep 0.1
kill -USR1 $long
wait $long $short
stop_watch $sleep_watch
long_values=$(grep '"kind":"crossed"' /tmp/per_thread | grep "\"pid\":$long," | json_field - value | tr '\n' ' ')
ktap_print_msg "sleep_latency: long sleeper $long: $long_values; short sleeper $short:" \
	"$(events /tmp/per_thread $short) events; $(grep -c slept /tmp/short.out) short sleeps"
# The short sleeper's sleeps must span the long one's, or it did not come
# between them: its first began before the long one's first 100 ms sleep,
# its last ended after the long one's last began.
short_first=$(awk '$1 == "slept" { print $8; exit }' /tmp/short.out)
short_last=$(awk '$1 == "slept" { w = $6 } END { print w }' /tmp/short.out)
long_first=$(awk '$1 == "slept" && $2 == 100 { print $8; exit }' /tmp/long.out)
long_last=$(awk '$1 == "slept" { b = $8 } END { print b }' /tmp/long.out)
expect_cmd "sleep_latency: the long sleeper's 3 own crossings, each a 100 ms sleep, the short one's between" sh -c \
	"[ ${short_first:-0} -gt 0 ] && [ ${short_first:-0} -le ${long_first:-0} ] && [ ${short_last:-0} -ge ${long_last:-1} ] &&
	set -- $long_values && [ \$# = 3 ] && for v; do [ \$v -ge 95000000 ] && [ \$v -le 150000000 ] || exit 1; done"
expect_cmd "sleep_latency: none for the short sleeper" test "$(events /tmp/per_thread $short)" = 0

# 11: a sleep has no present state.
lattop watch anypid sleep_latency --above 1 --present >/tmp/present_sleep.out 2>&1
ktap_print_msg "$(cat /tmp/present_sleep.out)"
expect_cmd "sleep_latency --present is refused: EINVAL" grep -q "cannot arm.*EINVAL" /tmp/present_sleep.out

rmmod lattop
ktap_finished
