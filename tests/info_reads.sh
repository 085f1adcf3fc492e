#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lattop-cost: 300 (seconds on the debug kernel under emulation: make check balances its guests by it)
#
# Reading the info files: one open file serves one snapshot whatever the read
# sizes (1 byte, 4096 bytes, one read, pread); writes are refused with
# EACCES; an unprivileged reader sees only what it could ptrace-read; a
# per-pid read is one well-formed record of that pid (decoded by
# tests/helpers/info_check.c and the CLI); and, with 5,000 processes, the
# snapshot holds every child the helper forked (its own list of pids), one
# child's own file is its record, and one read of /proc/allpids/info is
# timed against walking /proc/*/stat, status and fd/ (printed, not
# asserted: a benchmark).
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
ktap_set_plan 12

lattop_insmod || ktap_exit_fail_msg "insmod failed"

modes=$(read_modes /proc/allpids/info)
ktap_print_msg "/proc/allpids/info: $modes"
set -- $modes
expect_cmd "1-byte reads, 4096-byte preads and one read give identical bytes" \
	sh -c "[ $8 = yes ] && [ $2 -gt 32 ]"
expect_eq "pread past the end returns 0" "$6" 0
modes=$(read_modes /proc/allpids/1/info)
ktap_print_msg "/proc/allpids/1/info: $modes"
set -- $modes
# More than the 32-byte header: a per-pid snapshot of nothing is no read.
expect_cmd "the same for one process's info (and it is more than a header)" \
	sh -c "[ $8 = yes ] && [ $6 -eq 0 ] && [ $2 -gt 32 ]"
# Decoded apart from the module (tests/helpers/info_check.c, with the UAPI
# header): exactly one process record, its threads, checked field by field
# against /proc/1/; and the CLI's decoder shows it as pid 1.
info_check /proc/allpids/1/info >/tmp/one.out
status=$?
ktap_print_msg "info_check /proc/allpids/1/info: $(tail -n 1 /tmp/one.out)"
expect_cmd "/proc/allpids/1/info is one well-formed record of pid 1, as /proc has it" sh -c \
	"[ $status = 0 ] && grep -q '^processes 1 threads [1-9][0-9]* skipped 0 mismatches 0$' /tmp/one.out &&
	[ \"\$(lattop info --pid 1 | awk 'NR > 1 { print \$1 }')\" = 1 ]"

for file in /proc/allpids/info /proc/allpids/1/info; do
	(echo x >"$file") 2>/tmp/write.out
	status=$?
	expect_cmd "writing $file fails with EACCES" \
		sh -c "[ $status -ne 0 ] && grep -q 'Permission denied' /tmp/write.out"
done

# ptrace's read rule: uid 1000 sees its own processes, not root's.
run_as 1000 1000 sleeper 60000 1 >/tmp/user.out &
user_pid=$! # run_as execs the sleeper: same pid
sleep 60 &
root_pid=$!
while [ ! -s /tmp/user.out ]; do sleep 0.1; done

run_as 1000 1000 lattop info >/tmp/user-view.out
listed_user=$(awk -v pid="$user_pid" 'NR > 1 && $1 == pid' /tmp/user-view.out | wc -l)
listed_root=$(awk -v pid="$root_pid" 'NR > 1 && $1 == pid' /tmp/user-view.out | wc -l)
other_uids=$(awk 'NR > 1 && $3 != 1000' /tmp/user-view.out | wc -l)
ktap_print_msg "uid 1000 sees $(($(wc -l </tmp/user-view.out) - 1)) processes: its sleeper $listed_user," \
	"root's sleep $listed_root, other uids $other_uids"
expect_cmd "an unprivileged reader sees its own processes and no one else's" \
	sh -c "[ $listed_user -eq 1 ] && [ $listed_root -eq 0 ] && [ $other_uids -eq 0 ]"
run_as 1000 1000 cat "/proc/allpids/$root_pid/info" >/dev/null 2>/tmp/denied.out
status=$?
expect_cmd "and cannot open a root process's info (EACCES)" \
	sh -c "[ $status -ne 0 ] && grep -q 'Permission denied' /tmp/denied.out"
root_sees=$(lattop info | awk -v pid="$user_pid" 'NR > 1 && $1 == pid' | wc -l)
expect_eq "root sees the unprivileged process" "$root_sees" 1
kill $(jobs -p) 2>/dev/null
wait

many_procs 5000 /tmp/procs.pids >/tmp/procs.out &
procs_pid=$!
wait_for_line /tmp/procs.out ready || ktap_exit_fail_msg "many_procs did not start"
sleep 2
bench=$(proc_walk 3)
ktap_print_msg "bulk read against walking /proc (best of 3): $bench"
set -- $bench
expect_cmd "the snapshot held all 5,000 processes ($2 walked, $8 bytes)" \
	sh -c "[ $2 -ge 5000 ] && [ $8 -ge $((5000 * 176)) ]"
# Decoded (the CLI reads one snapshot): at least 5,000 process records, and
# each of the 5,000 pids fork() gave the helper among them, as a child of it
# (the ground truth is the helper's own list, not /proc's).
lattop info >/tmp/all.out
status=$?
records=$(($(wc -l </tmp/all.out) - 1))
missing=$(awk -v parent="$procs_pid" 'NR == FNR { want[$1] = 1; n++; next }
	FNR > 1 && ($1 in want) && $2 == parent { found++ }
	END { print n - found }' /tmp/procs.pids /tmp/all.out)
ktap_print_msg "lattop info: $records process records; of the $(wc -l </tmp/procs.pids) children, $missing missing"
expect_cmd "the snapshot has >= 5,000 process records, every child the helper forked among them" \
	sh -c "[ $status = 0 ] && [ $records -ge 5000 ] && [ $(wc -l </tmp/procs.pids) = 5000 ] && [ $missing = 0 ]"
# One child's own file: one process record, for that pid, a child of the
# helper, with its one thread, checked against /proc/<pid>/.
child=$(tail -n 1 /tmp/procs.pids)
info_check "/proc/allpids/$child/info" >/tmp/child.out
status=$?
line=$(lattop info --pid "$child" | awk 'NR > 1')
ktap_print_msg "child $child: info_check $(tail -n 1 /tmp/child.out); lattop info: $line"
set -- $line
expect_cmd "a child's /proc/allpids/<pid>/info is one well-formed record of that pid" sh -c \
	"[ $status = 0 ] && grep -q '^processes 1 threads 1 skipped 0 mismatches 0$' /tmp/child.out &&
	[ '$1' = $child ] && [ '$2' = $procs_pid ]"
kill "$procs_pid"
wait "$procs_pid"
# The helper kills and reaps its 5,000 children one at a time (killed at
# once, their exits queue on the kernel's uprobe mutex past the hung-task
# detector's 30 s). Their directories go in the reconcile, tens of seconds
# on the debug kernel under emulation; rmmod would stop it and remove the
# rest itself, but this test is about reads: wait for it, up to 300 s.
i=0
while [ "$(ls /proc/allpids | wc -l)" -gt 1000 ] && [ $i -lt 3000 ]; do
	sleep 0.1
	i=$((i + 1))
done
rmmod lattop
ktap_finished
