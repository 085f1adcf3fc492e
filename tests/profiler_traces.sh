#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lattop-hooks: kprobe
#
# /proc/lattop_traces and `lattop report`, against ground truth:
# - a helper with a known call chain runs to completion and exits; then its
#   user frames are named by `lattop report`, each as the function of the
#   helper's symbol table (nm, /lattop/syms) that holds its address, at the
#   right offset; a stripped copy's frames degrade to binary+0xoffset;
# - every kept trace is listed, not only the worst: a helper's two call
#   sites each have their trace, counted as the helper counted its sleeps,
#   and the worst matches /proc/lattop's trace line;
# - --folded parses back to the traces' totals and to /proc/lattop's;
# - each filter keeps exactly the tasks it should (kernel threads checked
#   against /proc/<tid>/status's Kthread);
# - --interval prints deltas: only tasks that slept in the interval, with
#   no more sleep than the interval held.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
ktap_set_plan 16

TRACES=/tmp/traces.saved
SYMS=/lattop/syms/named_frames

# The helpers' exited tasks stay listed until a report shows them.
lattop_insmod retention_ms=120000 trace_threshold_us=30000 || ktap_exit_fail_msg "insmod failed"

named_frames 5 40 >/tmp/named.out
pid=$(awk '$1 == "pid" { print $2 }' /tmp/named.out)
named_frames_stripped 3 40 >/tmp/stripped.out
spid=$(awk '$1 == "pid" { print $2 }' /tmp/stripped.out)
# Two call sites: site_a's long sleeps (5, 100 to 140 ms), its short ones (4
# of 2 ms: under the threshold, in no trace) and site_b's (3 of 95 ms).
trace_sites sites 100 2 >/tmp/sites.out
tpid=$(awk '$1 == "pid" { print $2 }' /tmp/sites.out)
ktap_print_msg "named_frames $pid, stripped $spid, trace_sites $tpid: all exited"

# One read of each file, back to back (an exited task stays listed for a
# second after a report shows it).
cat /proc/lattop >/tmp/lattop.saved
cat /proc/lattop_traces >$TRACES
SNAPSHOT=/tmp/lattop.saved

# task_traces TID: TID's trace lines and frames in the saved traces file.
task_traces() {
	awk -v tid="$1" '$1 == "task" { in_task = ($2 == tid); next } in_task' $TRACES
}
# file_number PATH: the number the saved file gives PATH.
file_number() {
	awk -v path="$1" '$1 == "file" && $3 == path { print $2 }' $TRACES
}

# 1-3: named frames of an exited process.
expect_eq "the exited helper is listed as exited" \
	"$(awk -v tid="$pid" '$1 == "task" && $2 == tid { print $6 }' $TRACES)" exited
n=$(file_number /lattop/bin/named_frames)
# Expected: each of the helper's user frames that the module placed in its
# binary, as the symbol table names it: function+0xoffset.
task_traces "$pid" | awk -v n="$n" '$1 == "u" && $3 == n { print $2 }' | while read -r addr; do
	awk -v a="$((addr))" '$1 <= a && a < $2 { printf "%s+0x%x (named_frames)\n", $3, a - $1; exit }' $SYMS
done >/tmp/expected.names
lattop report --input $TRACES --pid "$pid" --traces 0 >/tmp/report.out
sed -n 's/^ *\(.* (named_frames)\)$/\1/p' /tmp/report.out >/tmp/actual.names
ktap_print_msg "named: $(tr '\n' ' ' </tmp/actual.names)"
expect_eq "lattop report names the exited helper's user frames as its symbol table does" \
	"$(cat /tmp/actual.names)" "$(cat /tmp/expected.names)"
expect_cmd "the known chain is there, innermost first: middle_frame, outer_frame, main" \
	sh -c "sed 's/+.*//' /tmp/actual.names | tr '\n' ' ' | grep -q 'middle_frame outer_frame main '"

# 4: a stripped binary: binary+0xoffset, the module's offsets.
sn=$(file_number /lattop/bin/named_frames_stripped)
task_traces "$spid" | awk -v n="$sn" '$1 == "u" && $3 == n { printf "named_frames_stripped+%s\n", $4 }' \
	>/tmp/expected.stripped
lattop report --input $TRACES --pid "$spid" --traces 0 >/tmp/report.stripped
grep -o 'named_frames_stripped+0x[0-9a-f]*$' /tmp/report.stripped >/tmp/actual.stripped
expect_cmd "a stripped binary's frames are binary+0xoffset, nothing lost" \
	sh -c "[ -s /tmp/actual.stripped ] && cmp -s /tmp/actual.stripped /tmp/expected.stripped"

# 5-6: every trace, not only the worst.
a_blocked=$(awk '$1 == "a_long" { print $5 }' /tmp/sites.out)
b_blocked=$(awk '$1 == "b" { print $5 }' /tmp/sites.out)
counts=$(task_traces "$tpid" | awk '$1 == "trace" { print $3 }' | sort -n | tr '\n' ' ')
expect_eq "trace_sites has both call sites' traces, counted as it counted its sleeps" \
	"$counts" "$(printf '%s\n' "$b_blocked" "$a_blocked" | sort -n | tr '\n' ' ')"
worst=$(task_traces "$tpid" | awk '$1 == "trace" { print $2, $3, $4 }' | sort -n -r | head -n 1)
expect_eq "the largest of them is /proc/lattop's trace line" \
	"$worst" "$(report_trace "$tpid" | awk '$1 == "trace" { print $2, $3, $4 }')"

# 7-8: folded stacks add up.
lattop report --input $TRACES --folded >/tmp/folded
sum_folded() { awk -v c="$1" 'index($0, c ";") == 1 { s += $NF } END { print s + 0 }' /tmp/folded; }
sum_traces() {
	awk -v c="$1" '$1 == "task" { in_c = ($4 == c) } $1 == "trace" && in_c { s += $2 } END { print s + 0 }' $TRACES
}
expect_eq "--folded: trace_sites' stacks add up to its traces' totals" \
	"$(sum_folded trace_sites)" "$(sum_traces trace_sites)"
# named_frames has one call path: its trace is /proc/lattop's trace line.
expect_eq "--folded: named_frames' stacks add up to its trace's TOTAL_US in /proc/lattop" \
	"$(sum_folded named_frames)" "$(report_trace "$pid" | awk '$1 == "trace" { print $2 }')"

# 9-13: filters, each against the saved file read independently.
tids_of() { grep -o '"tid":[0-9]*' | cut -d: -f2 | sort -n | tr '\n' ' '; }
tids_where() { awk "\$1 == \"task\" && ($1) { print \$2 }" $TRACES | sort -n | tr '\n' ' '; }
expect_eq "--comm keeps exactly the tasks of that name" \
	"$(lattop report --input $TRACES --json --comm named_frames | tids_of)" "$(tids_where '$4 == "named_frames"')"
expect_eq "--pid keeps exactly that process's tasks" \
	"$(lattop report --input $TRACES --json --pid "$tpid" | tids_of)" "$(tids_where "\$3 == $tpid")"
expect_eq "--min-us keeps exactly the tasks that slept that long in all" \
	"$(lattop report --input $TRACES --json --min-us 150000 | tids_of)" "$(tids_where '$8 >= 150000')"
lattop report --input $TRACES --json --kernel-only | tids_of >/tmp/kernel.tids
kthreads_ok=yes
for tid in $(cat /tmp/kernel.tids); do
	[ -e /proc/$tid/status ] || continue # a kworker that has exited since
	grep -q '^Kthread:[[:space:]]*1' /proc/$tid/status 2>/dev/null || kthreads_ok="no: $tid"
done
expect_cmd "--kernel-only lists kernel threads only, as /proc/<tid>/status says ($kthreads_ok)" \
	sh -c "[ -s /tmp/kernel.tids ] && [ '$kthreads_ok' = yes ]"
expect_eq "--user-only and --kernel-only split the tasks" \
	"$(lattop report --input $TRACES --json --user-only | tids_of)" "$(tids_where '$5 == "user"')"

# 14-15: --interval prints what changed: a sleeper's sleeps in each second.
sleeper 100 40 >/tmp/sleeper.out &
sleeper_pid=$!
while [ ! -s /tmp/sleeper.out ]; do sleep 0.05; done
stid=$(head -n 1 /tmp/sleeper.out | awk '{ print $1 }')
lattop report --interval 1 --count 2 --json >/tmp/intervals
kill "$sleeper_pid" 2>/dev/null
wait "$sleeper_pid" 2>/dev/null
ktap_print_msg "intervals: $(grep -o "\"tid\":$stid,[^]]*\"sleeps\":[0-9]*,\"total_us\":[0-9]*" /tmp/intervals | sed 's/,"comm.*"exited":[a-z]*//' | tr '\n' ' ')"
ok=yes
lines=0
while read -r line; do
	lines=$((lines + 1))
	figures=$(echo "$line" | grep -o "\"tid\":$stid,[^]]*\"sleeps\":[0-9]*,\"total_us\":[0-9]*" | head -n 1)
	sleeps=$(echo "$figures" | sed 's/.*"sleeps":\([0-9]*\).*/\1/')
	total=$(echo "$figures" | sed 's/.*"total_us":\([0-9]*\).*/\1/')
	# At most the interval's second and the 100 ms sleep that began before.
	{ [ -n "$sleeps" ] && [ "$sleeps" -ge 1 ] && [ "$total" -le 1300000 ]; } || ok="no: $line"
done </tmp/intervals
expect_cmd "each interval shows the sleeper's sleeps in it, no more than the interval held ($lines)" \
	sh -c "[ $lines = 2 ] && [ '$ok' = yes ]"
expect_cmd "a task that did not sleep in an interval is not in it (the exited helper)" \
	not grep -q "\"tid\":$pid," /tmp/intervals

show_drops
expect_cmd "rmmod lattop" rmmod lattop
ktap_finished
