#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ns_inside.sh NAME OUTSIDER: run by tests/info_namespaces.sh inside a new
# pid namespace (unshare -p -f --mount-proc sh ns_inside.sh: pid 1 is the
# shell running this), looks at lattop from there and at its own /proc, the
# ground truth, writing what it saw to /tmp/ns/NAME.* for the test to judge:
#   .pids    the pids this namespace's /proc lists
#   .check   info_check's output (every record against this /proc), "exit N"
#   .probe   access_probe: pid 1's and a sleeper's records, whether the
#            process named outsider (OUTSIDER, a pid of the initial
#            namespace) is listed, its files, the namespace-wide files, and
#            the first event of the sleeper's memory_usage and
#            sleep_latency files (found by their records)
#   .status  uid, gid and ppid of pid 1 and the sleeper, by this /proc
#   .rows    each /proc/lattop row (when readable): "row TID COMM PROC_COMM"
#   .trows   each /proc/lattop_traces task line, likewise
#   .sleeper the sleeper's output: its thread's tid first
#   .cli     the lattop CLI: `info --pid` of the sleeper (JSON), and `watch
#            anypid` (refused), with their exit statuses
name=$1 outsider=$2
out=/tmp/ns/$name

sleeper 20 1500 >"$out.sleeper" &
s=$!
i=0
while [ ! -s "$out.sleeper" ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
ls /proc | grep '^[0-9][0-9]*$' | sort -n | tr '\n' ' ' >"$out.pids"
echo >>"$out.pids"
info_check >"$out.check" 2>&1
echo "exit $?" >>"$out.check"
access_probe record 1 record "$s" comm outsider info "/proc/allpids/$outsider/info" \
	arm "/proc/allpids/$outsider/notifier/memory_usage" arm /proc/anypid/notifier/memory_usage \
	arm /proc/allpids/notifier/process_count dir "$s" >"$out.probe" 2>&1
dir=$(awk '$1 == "dir" { print $3 }' "$out.probe")
access_probe event "/proc/allpids/$dir/notifier/memory_usage" 1 \
	event "/proc/allpids/$dir/notifier/sleep_latency" 1000000 >>"$out.probe" 2>&1
{
	lattop info --pid "$s" --json
	echo "info exit $?"
	# --present: were it accepted, it would end at once, not wait.
	timeout 10 lattop watch anypid memory_usage --above 1 --present --count 1 2>&1
	echo "watch exit $?"
} >"$out.cli" 2>&1
for p in 1 "$s"; do
	awk -v p="$p" '$1 == "Uid:" { u = $2 } $1 == "Gid:" { g = $2 } $1 == "PPid:" { pp = $2 }
		END { print "status", p, "uid", u, "gid", g, "ppid", pp }' "/proc/$p/status"
done >"$out.status"
: >"$out.rows"
if cat /proc/lattop >"$out.report" 2>/dev/null; then
	awk '$1 ~ /^[0-9]+$/ { print $1, $3 }' "$out.report" | while read -r tid comm; do
		echo "row $tid $comm $(tr ' ' _ <"/proc/$tid/comm" 2>/dev/null || echo gone)"
	done >"$out.rows"
fi
: >"$out.trows"
if cat /proc/lattop_traces >"$out.traces" 2>/dev/null; then
	awk '$1 == "task" { print $2, $4 }' "$out.traces" | while read -r tid comm; do
		echo "row $tid $comm $(tr ' ' _ <"/proc/$tid/comm" 2>/dev/null || echo gone)"
	done >"$out.trows"
fi
kill "$s"
wait "$s" 2>/dev/null
echo done >"$out.done"
