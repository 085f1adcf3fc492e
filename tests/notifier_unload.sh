#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rmmod while watchers wait on notifier files: one blocked in read() of the
# file (epoll_hold --read), one on its eventfd (lattop watch --eventfd), one
# in poll() (lattop watch), one registered with epoll (epoll_hold, whose
# file's wait queue goes away under epoll). rmmod must not wait for them;
# each is woken (the eventfd too) and fails (EIO, or POLLERR|POLLHUP), and
# the kernel log stays clean (KFENCE, lockdep, list debugging).
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
ktap_set_plan 6

lattop_insmod || ktap_exit_fail_msg "insmod failed"
sleeper 600000 1 >/dev/null &
target=$!
sleep 0.5
start_watch /tmp/poll $target memory_usage --above 1000000000000 || ktap_exit_fail_msg "watch failed"
poll_watch=$WATCH_PID
start_watch /tmp/efd $target sleep_latency --above 1000000000000 --eventfd || ktap_exit_fail_msg "watch failed"
efd_watch=$WATCH_PID
epoll_hold /proc/allpids/notifier/memory_usage >/tmp/epoll.out &
epoll_pid=$!
wait_for_line /tmp/epoll.out armed || ktap_exit_fail_msg "epoll_hold did not arm"
epoll_hold --read /proc/allpids/notifier/fd_count >/tmp/reader.out &
reader_pid=$!
wait_for_line /tmp/reader.out armed || ktap_exit_fail_msg "the reader did not arm"
exec 5</proc/allpids/notifier/thread_count
sleep 1
ktap_print_msg "armed: $(stat_value thresholds_armed)"

start=$(date +%s)
rmmod lattop
status=$?
took=$(($(date +%s) - start))
expect_cmd "rmmod succeeds with watchers waiting (in ${took} s)" sh -c "[ $status = 0 ] && [ $took -le 10 ]"
i=0
while { kill -0 $poll_watch || kill -0 $efd_watch || kill -0 $epoll_pid || kill -0 $reader_pid; } 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
wait $poll_watch
poll_status=$?
ktap_print_msg "poll watcher: exit $poll_status: $(cat /tmp/poll.err | tail -n 1)"
expect_cmd "the poll()ing watcher is told and exits" test "$poll_status" = 1
wait $efd_watch
efd_status=$?
ktap_print_msg "eventfd watcher: exit $efd_status: $(cat /tmp/efd.err | tail -n 1)"
expect_cmd "the watcher blocked on its eventfd is woken and exits" test "$efd_status" = 1
ktap_print_msg "blocked reader: $(tr '\n' ' ' </tmp/reader.out)"
expect_cmd "the reader blocked in read() returns EIO" grep -q 'last_read EIO' /tmp/reader.out
ktap_print_msg "epoll_hold: $(tr '\n' ' ' </tmp/epoll.out)"
expect_cmd "the epoll waiter is woken with EPOLLERR/EPOLLHUP, its read fails" \
	sh -c "grep -q 'last_read EIO' /tmp/epoll.out || grep -q 'last_mask 0x1[0-9a-f]' /tmp/epoll.out"
expect_cmd "a file still open after rmmod fails with EIO" sh -c "! cat <&5 2>/tmp/fd5.err && grep -q 'Input/output' /tmp/fd5.err"
exec 5<&-
kill $target
ktap_finished
