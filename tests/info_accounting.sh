#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lattop-cost: 40 (seconds on the debug kernel under emulation: make check balances its guests by it)
#
# The bulk records' kernel accounting (struct lattop_acct) against a client
# nobody here wrote: the kernel's own tools/accounting/getdelays, which asks
# taskstats over netlink one pid (or tgid) at a time, and /proc/<pid>/io.
# The guest boots with delay accounting on (run-guest.sh: `delayacct`) and
# has a virtio disk (/dev/vda) to do block I/O on.
#
# Processes that did their work and then wait in pause() stand still: their
# figures must be equal in both reads, to the nanosecond. Those that keep
# running (threads spinning on one CPU, a sleeper) change between the two:
# lattop's read, taken between two of getdelays', must lie between them
# (each figure only grows). What exited threads left is checked in the
# process's sums: equal to taskstats' per-tgid figures, and the I/O of the
# exited threads exactly what they read.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
ktap_set_plan 16

DELAYS_GROUP=2 # LATTOP_ACCT_DELAYS

# snap PID: acct_check's lines for a snapshot of process PID, in /tmp/acct.snap:
# the reads below that follow one snap all come from that one snapshot.
snap() {
	acct_check "/proc/allpids/$1/info" >/tmp/acct.snap
}

# lattop_words process|thread ID: the delay words (cpu COUNT NS blkio COUNT
# NS ... irq COUNT NS) of that record of the last snap.
lattop_words() {
	awk -v kind="$1" -v id="$2" '
		$1 == kind && $2 == id { s = ""; for (i = 5; i <= 28; i++) s = s " " $i; print s; exit }' /tmp/acct.snap
}

# lattop_value process|thread ID KEY [N]: the Nth (default 1st) number
# after KEY in that record of the last snap.
lattop_value() {
	awk -v kind="$1" -v id="$2" -v key="$3" -v n="${4:-1}" '
		$1 == kind && $2 == id { for (i = 1; i < NF; i++) if ($i == key) { print $(i + n); exit } }' /tmp/acct.snap
}

# io_words process|thread ID: that record's I/O words, as /proc's io names them.
io_words() {
	awk -v kind="$1" -v id="$2" '
		$1 == kind && $2 == id { for (i = 29; i <= 42; i += 2) printf "%s %s ", $i, $(i + 1); print ""; exit }' /tmp/acct.snap
}

# getdelays_words -p|-t ID: getdelays' delays, in acct_check's words.
getdelays_words() {
	getdelays -d "$1" "$2" | awk '
		$1 == "CPU" { k = "cpu"; next }
		$1 == "IO" { k = "blkio"; next }
		$1 == "SWAP" { k = "swapin"; next }
		$1 == "RECLAIM" { k = "freepages"; next }
		$1 == "THRASHING" { k = "thrashing"; next }
		$1 == "COMPACT" { k = "compact"; next }
		$1 == "WPCOPY" { k = "wpcopy"; next }
		$1 == "IRQ" { k = "irq"; next }
		k == "cpu" { s = s " cpu " $1 " " $4; k = ""; next }
		k != "" { s = s " " k " " $1 " " $2; k = ""; next }
		END { print s }'
}

# word WORDS KEY [N]: the Nth number after KEY in WORDS.
word() {
	echo "$1" | awk -v key="$2" -v n="${3:-1}" '{ for (i = 1; i < NF; i++) if ($i == key) { print $(i + n); exit } }'
}

# proc_io_words FILE: the same words from a /proc io file.
proc_io_words() {
	awk '{ sub(":", "", $1); v[$1] = $2 }
		END { for (i = 1; i <= 7; i++) { split("read_bytes write_bytes cancelled_write_bytes rchar wchar syscr syscw", k); printf "%s %s ", k[i], v[k[i]] } print "" }' "$1"
}

# start_load OUT MODE [ARG]: acct_load MODE in the background, until ready.
start_load() {
	out=$1
	shift
	acct_load "$@" >"$out" 2>&1 &
	wait_for_line "$out" "ready pid .*" || { cat "$out"; return 1; }
	awk '$1 == "ready" { print $3 }' "$out"
}

lattop_insmod || ktap_exit_fail_msg "insmod failed"

getdelays -d -p 1 >/tmp/gd1.out 2>&1
expect_cmd "getdelays reads taskstats over netlink (pid 1)" grep -q '^CPU' /tmp/gd1.out

# --- Block I/O, standing still afterwards.
blkio_pid=$(start_load /tmp/blkio.out blkio /dev/vda) || ktap_exit_fail_msg "acct_load blkio failed"
snap "$blkio_pid"
ours=$(lattop_words thread "$blkio_pid")
theirs=$(getdelays_words -p "$blkio_pid")
ktap_print_msg "blkio thread: lattop$ours"
ktap_print_msg "blkio thread: getdelays$theirs"
# Ground truth for the block I/O: some waits (a read that completes before
# its reader sleeps waits for nothing), no longer in all than the I/O took.
blkio_count=$(word "$ours" blkio)
blkio_ns=$(word "$ours" blkio 2)
io_ns=$(awk '$1 == "io_ns" { print $2 }' /tmp/blkio.out)
expect_cmd "a thread's delays are getdelays' per-pid ones, to the ns ($blkio_count block I/O waits, $blkio_ns of the $io_ns ns the I/O took)" \
	sh -c "[ '$ours' = '$theirs' ] && [ ${blkio_count:-0} -ge 1 ] && [ ${blkio_ns:-0} -gt 0 ] &&
		[ ${blkio_ns:-0} -le ${io_ns:-0} ]"
ours=$(lattop_words process "$blkio_pid")
theirs=$(getdelays_words -t "$blkio_pid")
expect_eq "a process's delays are getdelays' per-tgid ones" "$ours" "$theirs"
io_ours=$(io_words thread "$blkio_pid")
io_theirs=$(proc_io_words "/proc/$blkio_pid/task/$blkio_pid/io")
ktap_print_msg "blkio thread I/O: lattop $io_ours"
ktap_print_msg "blkio thread I/O: /proc   $io_theirs"
read_bytes=$(word "$io_ours" read_bytes)
write_bytes=$(word "$io_ours" write_bytes)
expect_cmd "a thread's I/O is /proc/<pid>/task/<tid>/io's (read_bytes $read_bytes >= 4 MiB, write_bytes $write_bytes >= 1 MiB)" \
	sh -c "[ '$io_ours' = '$io_theirs' ] && [ ${read_bytes:-0} -ge 4194304 ] && [ ${write_bytes:-0} -ge 1048576 ]"
expect_eq "a process's I/O is /proc/<pid>/io's" \
	"$(io_words process "$blkio_pid")" "$(proc_io_words "/proc/$blkio_pid/io")"

# --- Write-protect copies: 1024 pages written after a fork.
wp_pid=$(start_load /tmp/wp.out wpcopy) || ktap_exit_fail_msg "acct_load wpcopy failed"
snap "$wp_pid"
ours=$(lattop_words thread "$wp_pid")
theirs=$(getdelays_words -p "$wp_pid")
ktap_print_msg "wpcopy thread: lattop$ours"
wpcopies=$(word "$ours" wpcopy)
expect_cmd "write-protect copies: getdelays' figures, at least the 1024 pages written ($wpcopies)" \
	sh -c "[ '$ours' = '$theirs' ] && [ ${wpcopies:-0} -ge 1024 ]"

# --- Exited threads: 8 threads did 16 reads of 4 KiB each, then exited.
threads_pid=$(start_load /tmp/threads.out threads 8) || ktap_exit_fail_msg "acct_load threads failed"
exited_rchar=$(awk '$1 == "exited_rchar" { print $2 }' /tmp/threads.out)
exited_syscr=$(awk '$1 == "exited_syscr" { print $2 }' /tmp/threads.out)
snap "$threads_pid"
ours=$(lattop_words process "$threads_pid")
theirs=$(getdelays_words -t "$threads_pid")
ktap_print_msg "8 exited threads, process: lattop$ours"
ktap_print_msg "8 exited threads, process: getdelays$theirs"
expect_eq "a process's delays keep its exited threads', as taskstats' per-tgid figures do" "$ours" "$theirs"
main_cpu=$(lattop_value thread "$threads_pid" cpu)
process_cpu=$(word "$ours" cpu)
expect_cmd "and they are the main thread's plus the exited ones' (runs: $process_cpu > $main_cpu)" \
	sh -c "[ '$(lattop_words thread "$threads_pid")' = '$(getdelays_words -p "$threads_pid")' ] &&
		[ ${process_cpu:-0} -ge $((${main_cpu:-0} + 8)) ]"
rchar_sum=$(lattop_value process "$threads_pid" rchar)
rchar_main=$(lattop_value thread "$threads_pid" rchar)
syscr_sum=$(lattop_value process "$threads_pid" syscr)
syscr_main=$(lattop_value thread "$threads_pid" syscr)
ktap_print_msg "rchar: process $rchar_sum, main thread $rchar_main, exited threads read $exited_rchar; syscr $syscr_sum $syscr_main $exited_syscr"
expect_cmd "the process's I/O is its thread records' plus exactly what its exited threads read" \
	sh -c "[ $((rchar_sum - rchar_main)) -eq $exited_rchar ] && [ $((syscr_sum - syscr_main)) -eq $exited_syscr ] &&
		[ '$(io_words process "$threads_pid")' = '$(proc_io_words "/proc/$threads_pid/io")' ]"

# --- A zombie leader: its delays are in its group's already, its I/O not.
zombie_pid=$(start_load /tmp/zombie.out zombie_leader) || ktap_exit_fail_msg "acct_load zombie_leader failed"
snap "$zombie_pid"
ours=$(lattop_words process "$zombie_pid")
theirs=$(getdelays_words -t "$zombie_pid")
ktap_print_msg "zombie leader's process: lattop$ours"
ktap_print_msg "zombie leader's process: getdelays$theirs"
expect_cmd "a process whose leader is a zombie: delays as taskstats' (not counted twice), I/O as /proc's" \
	sh -c "[ '$ours' = '$theirs' ] && [ $(lattop_value process "$zombie_pid" cpu) -ge 2 ] &&
		[ '$(io_words process "$zombie_pid")' = '$(proc_io_words "/proc/$zombie_pid/io")' ]"
kill "$zombie_pid"

# --- Running: two threads spinning on CPU 0, a sleeper. lattop's read lies
# between two of getdelays'.
contend_pid=$(start_load /tmp/contend.out contend) || ktap_exit_fail_msg "acct_load contend failed"
sleeper_pid=$(start_load /tmp/sleeper.out sleeper) || ktap_exit_fail_msg "acct_load sleeper failed"
sleep 1
bad=0
for tid in $(ls "/proc/$contend_pid/task") "$sleeper_pid"; do
	pid=$contend_pid
	[ "$tid" = "$sleeper_pid" ] && pid=$sleeper_pid
	before=$(getdelays_words -p "$tid")
	snap "$pid"
	line=$(lattop_words thread "$tid")
	after=$(getdelays_words -p "$tid")
	for n in 1 2; do
		low=$(word "$before" cpu $n)
		value=$(word "$line" cpu $n)
		high=$(word "$after" cpu $n)
		ktap_print_msg "tid $tid cpu field $n: getdelays $low, lattop $value, getdelays $high"
		within "${value:-0}" "${low:-1}" "${high:--1}" || bad=$((bad + 1))
	done
done
snap "$contend_pid"
waited=$(lattop_value process "$contend_pid" cpu 2)
expect_cmd "running threads: each cpu delay count and total between getdelays' before and after (waited ${waited:-?} ns)" \
	sh -c "[ $bad -eq 0 ] && [ ${waited:-0} -ge 100000000 ]"

# lattop's own run-queue delay (since it was loaded; counted one run late)
# against the kernel's: the spinners were born after the load.
cpu_total=$waited
runq_total=$(lattop_value process "$contend_pid" run_delay 2)
ktap_print_msg "spinners: kernel cpu delay $cpu_total ns, lattop run_delay $runq_total ns"
expect_cmd "lattop's run-queue delay is the kernel's cpu delay, less at most the waits not yet counted (50 ms)" \
	sh -c "[ ${runq_total:-0} -le ${cpu_total:-0} ] && [ $((${cpu_total:-0} - ${runq_total:-0})) -le 50000000 ]"
kill "$contend_pid" "$sleeper_pid"

# --- Delay accounting off when a process is born: its record says so.
echo 0 >/proc/sys/kernel/task_delayacct
off_pid=$(start_load /tmp/off.out sleeper) || ktap_exit_fail_msg "acct_load sleeper failed"
echo 1 >/proc/sys/kernel/task_delayacct
snap "$off_pid"
off_groups=$(lattop_value thread "$off_pid" groups)
snap "$blkio_pid"
on_groups=$(lattop_value thread "$blkio_pid" groups)
ktap_print_msg "groups: born with delay accounting off $off_groups, on $on_groups"
expect_cmd "a thread born with delay accounting off has no delays group; one born with it on has" \
	sh -c "[ $((${off_groups:-2} & DELAYS_GROUP)) -eq 0 ] && [ $((${on_groups:-0} & DELAYS_GROUP)) -ne 0 ] &&
		[ $((${off_groups:-0} & 1)) -ne 0 ]"
kill "$off_pid"

# --- The CLI: --delays shows the same, '-' for what is not data; --json all.
line=$(lattop info --delays --pid "$blkio_pid" | awk -v pid="$blkio_pid" '$1 == pid')
ktap_print_msg "lattop info --delays: $line"
blkio_ns=$(lattop_value process "$blkio_pid" blkio 2)
blkio_count=$(lattop_value process "$blkio_pid" blkio)
expect_cmd "lattop info --delays: BLKIO and BLKIO_US are the record's (count, ns / 1000)" \
	sh -c "[ '$(echo "$line" | awk '{ print $4, $5 }')' = '$blkio_count $((blkio_ns / 1000))' ]"
expect_cmd "lattop info --json carries acct (wpcopy count $wpcopies)" \
	sh -c "lattop info --json --pid $wp_pid | grep -q '\"wpcopy\":{\"count\":$wpcopies,'"
kill "$blkio_pid" "$wp_pid" "$threads_pid"
wait 2>/dev/null
expect_cmd "rmmod" rmmod lattop
ktap_finished
