#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Notifier files refuse malformed thresholds with the errno the UAPI header
# documents, and arm nothing for them; the per-user cap gives EDQUOT.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
ktap_set_plan 30

lattop_insmod || ktap_exit_fail_msg "insmod failed"

bad_thresholds /proc/allpids/$$/notifier >/tmp/bad.out
cat /tmp/bad.out | while read -r line; do ktap_print_msg "$line"; done
while read -r case expected; do
	got=$(awk -v c="$case" '$1 == c { print $2 }' /tmp/bad.out)
	expect_cmd "$case: $expected" test "$got" = "$expected"
done <<'CASES'
valid ok
short EINVAL
long EINVAL
unknown_flag EINVAL
reserved0 EINVAL
reserved EINVAL
up_and_down EINVAL
neither EINVAL
no_delivery EINVAL
unknown_delivery EINVAL
eventfd_closed EBADF
eventfd_not_one EBADF
eventfd_valid ok
signal_zero EINVAL
signal_65 EINVAL
signal_valid ok
cpu_no_window EINVAL
cpu_window ok
window_not_cpu EINVAL
present ok
present_sleep EINVAL
second_write EBUSY
read_unarmed EINVAL
CASES
got=$(awk '$1 == "exited" { print $2 }' /tmp/bad.out)
expect_cmd "a process that has exited: ESRCH" test "$got" = ESRCH
expect_cmd "closing the files removed every threshold" test "$(stat_value thresholds_armed)" = 0
runs=$(stat_value notifier_evaluations)
sleep 1
expect_cmd "the evaluator does not run while nothing is armed" test "$(stat_value notifier_evaluations)" = "$runs"

run_as 1000 1000 lattop watch 1 memory_usage --above 1 >/tmp/user.out 2>&1
ktap_print_msg "$(cat /tmp/user.out)"
expect_cmd "a user arming on another user's process: EACCES" grep -q "cannot arm.*EACCES" /tmp/user.out
run_as 1000 1000 lattop watch anypid memory_usage --above 1 >/tmp/user.out 2>&1
ktap_print_msg "$(cat /tmp/user.out)"
expect_cmd "a user opening anypid's files: EACCES" grep -q "EACCES" /tmp/user.out
run_as 1000 1000 sh -c 'lattop watch $$ memory_usage --above 1 & sleep 1; kill $!' >/tmp/user.out 2>&1
ktap_print_msg "$(cat /tmp/user.out)"
expect_cmd "a user arming on its own process: allowed" grep -q "lattop: watching" /tmp/user.out

rmmod lattop
lattop_insmod max_thresholds_per_user=3 || ktap_exit_fail_msg "insmod failed"
lattop watch $$ memory_usage --above 1 >/dev/null 2>&1 &
w1=$!
lattop watch $$ memory_usage --above 1 >/dev/null 2>&1 &
w2=$!
lattop watch $$ memory_usage --above 1 >/dev/null 2>&1 &
w3=$!
i=0
while [ "$(stat_value thresholds_armed)" != 3 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
lattop watch $$ memory_usage --above 1 >/tmp/cap.out 2>&1
ktap_print_msg "$(cat /tmp/cap.out)"
expect_cmd "the fourth threshold of a user gets EDQUOT" grep -q EDQUOT /tmp/cap.out
kill $w1 $w2 $w3
wait $w1 $w2 $w3 2>/dev/null
rmmod lattop
ktap_finished
