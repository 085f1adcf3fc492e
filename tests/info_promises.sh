#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What the README promises for zombies ("The directories"): a process whose
# threads have all exited but that its parent has not reaped is in the
# /proc/allpids/info snapshot, with state Z, but has no /proc/allpids/<pid>/
# directory; a process whose leader has exited while another thread runs is
# live (a thread not yet exited): its leader's state Z, its directory kept.
# Ground truth: /proc/<pid>/stat's state and /proc/<pid>/task/, and the
# pids the helper got from fork() and gettid().
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
ktap_set_plan 8

# proc_state PID: the state letter of /proc/PID/stat.
proc_state() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1
}

# info_line PID: PID's line of `lattop info` (from /proc/allpids/info):
# PID PPID UID STATE THREADS FDS ... COMM.
info_line() {
	lattop info | awk -v pid="$1" 'NR > 1 && $1 == pid'
}

# gone_within_500ms PATH: waits up to 500 ms (the README's allowance under
# TCG for a directory to follow an exit) for PATH to be absent.
gone_within_500ms() {
	i=0
	while [ -e "$1" ]; do
		[ $i -ge 50 ] && return 1
		sleep 0.01
		i=$((i + 1))
	done
}

lattop_insmod || ktap_exit_fail_msg "insmod failed"

# A child that has exited, unreaped.
zombie_child exited >/tmp/zombie.out &
zombie_helper=$!
line=$(wait_helper_line /tmp/zombie.out parent) || ktap_exit_fail_msg "zombie_child did not start"
set -- $line
parent=$2 child=$4
i=0
while [ "$(proc_state "$child")" != Z ] && [ $i -lt 100 ]; do sleep 0.01; i=$((i + 1)); done
ktap_print_msg "child $child of $parent: /proc state '$(proc_state "$child")'"
gone_within_500ms "/proc/allpids/$child"
record=$(info_line "$child")
ktap_print_msg "lattop info: '$record'"
# /proc says Z: the premise; a module that skips exited leaders, or shows
# the state of another task, fails the columns.
expect_cmd "an unreaped child (/proc: Z) is in /proc/allpids/info with STATE Z and its PPID" sh -c \
	"[ '$(proc_state "$child")' = Z ] &&
	 [ '$(echo "$record" | awk '{ print $2, $4 }')' = '$parent Z' ]"
expect_cmd "it has no /proc/allpids/$child/ (within 500 ms of its exit)" \
	not test -e "/proc/allpids/$child"
cat "/proc/allpids/$child/info" >/dev/null 2>/tmp/zombie-info.err
ktap_print_msg "reading /proc/allpids/$child/info: '$(cat /tmp/zombie-info.err)'"
expect_cmd "so its info file cannot be opened (ENOENT)" grep -q 'No such file' /tmp/zombie-info.err
# The control: the directory scheme works at all (the parent, live, has one).
expect_cmd "its live parent has /proc/allpids/$parent/info" test -r "/proc/allpids/$parent/info"
kill "$zombie_helper"
wait "$zombie_helper" 2>/dev/null

# A process whose leader has exited while a second thread sleeps: /proc
# shows its leader Z, yet the process is live, so its directory stays, and
# its records have the live thread.
zombie_child leader >/tmp/leader.out &
leader_helper=$!
line=$(wait_helper_line /tmp/leader.out parent) || ktap_exit_fail_msg "zombie_child did not start"
set -- $line
parent=$2 child=$4 thread=$6
sleep 0.5
tasks=$(ls "/proc/$child/task" | tr '\n' ' ')
ktap_print_msg "child $child: /proc state '$(proc_state "$child")', tasks: $tasks; thread $thread '$(proc_state "$child/task/$thread")'"
record=$(info_line "$child")
ktap_print_msg "lattop info: '$record'"
expect_cmd "a process whose leader exited (/proc: Z) is listed with STATE Z" sh -c \
	"[ '$(proc_state "$child")' = Z ] && [ '$(echo "$record" | awk '{ print $2, $4 }')' = '$parent Z' ]"
expect_cmd "but, a thread being alive, it keeps /proc/allpids/$child/ (500 ms after the leader's exit)" \
	test -d "/proc/allpids/$child"
lattop info --pid "$child" --threads >/tmp/leader-info.out 2>&1
sed 's/^/#   /' /tmp/leader-info.out
# Thread lines: TID STATE ...; the live thread sleeps (S), the leader is Z.
expect_cmd "its info has the live thread $thread (state S)" sh -c \
	"[ '$(awk -v tid="$thread" 'NR > 2 && /^  / && $1 == tid { print $2 }' /tmp/leader-info.out)' = S ]"
# Its last thread killed, the process reaped (the helper's SIGTERM handler
# kills and reaps it): its directory goes too.
kill "$leader_helper"
wait "$leader_helper" 2>/dev/null
i=0
while [ -e "/proc/$child" ] && [ $i -lt 100 ]; do sleep 0.01; i=$((i + 1)); done
expect_cmd "once its last thread has exited, the directory goes (within 500 ms)" \
	gone_within_500ms "/proc/allpids/$child"

rmmod lattop
ktap_finished
