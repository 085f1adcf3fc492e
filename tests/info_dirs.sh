#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lattop-cost: 70 (seconds on the debug kernel under emulation: make check balances its guests by it)
#
# /proc/allpids/<pid>/ follows the processes: it appears soon after a process
# starts and goes soon after it exits (bound: 500 ms, for TCG; a few ms is
# usual), there is one per live process, an exited process's info never
# shows data, and rmmod takes the whole tree away, a reader holding a file
# open getting EIO. Also prints what a directory costs in slab memory.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
ktap_set_plan 7

slab_kb() {
	awk '$1 == "Slab:" { print $2 }' /proc/meminfo
}

lattop_insmod || ktap_exit_fail_msg "insmod failed"

timing=$(dir_latency 20)
ktap_print_msg "$timing"
set -- $timing
expect_cmd "a new process's directory appears within 500 ms (max $2 us)" \
	sh -c "[ ${10} -eq 0 ] && [ $2 -le 500000 ]"
expect_cmd "an exited process's directory goes within 500 ms (max $6 us)" \
	sh -c "[ ${10} -eq 0 ] && [ $6 -le 500000 ]"

race=$(exit_race 100)
ktap_print_msg "opening an exited process's info at once: $race"
set -- $race
expect_cmd "it fails with ENOENT or ESRCH, never shows data" sh -c "[ $6 -eq 0 ] && [ $8 -eq 0 ]"

many_procs 1000 >/tmp/procs.out &
procs_pid=$!
wait_for_line /tmp/procs.out ready || ktap_exit_fail_msg "many_procs did not start"
sleep 1
dirs=$(ls /proc/allpids | grep -c '^[0-9]')
live=$(ls -d /proc/[0-9]* | wc -l)
ktap_print_msg "directories $dirs, /proc entries $live"
expect_cmd "one directory per live process" within "$dirs" $((live - 3)) $((live + 3))

with_module=$(slab_kb)
rmmod lattop
without=$(slab_kb)
ktap_print_msg "slab with the module and $dirs directories: $with_module kB, after rmmod: $without kB:" \
	"about $(((with_module - without) * 1024 / dirs)) bytes per process"
expect_cmd "rmmod removes /proc/allpids" not test -e /proc/allpids
kill "$procs_pid"
wait "$procs_pid"

# A reader holding info files open across rmmod gets EIO, and nothing leaks
# (the run's kmemleak scan).
lattop_insmod || ktap_exit_fail_msg "insmod failed"
exec 3</proc/allpids/info
exec 4</proc/allpids/1/info
head -c 8 <&3 >/dev/null
expect_cmd "rmmod succeeds while readers hold info files open" rmmod lattop
cat <&3 >/tmp/all.out 2>&1
all_status=$?
cat <&4 >/tmp/one.out 2>&1
one_status=$?
exec 3<&- 4<&-
ktap_print_msg "after rmmod: all exit $all_status '$(cat /tmp/all.out)'; one exit $one_status '$(cat /tmp/one.out)'"
expect_cmd "their next reads fail with EIO" \
	sh -c "[ $all_status -ne 0 ] && [ $one_status -ne 0 ] &&
		grep -q 'Input/output error' /tmp/all.out && grep -q 'Input/output error' /tmp/one.out"
ktap_finished
