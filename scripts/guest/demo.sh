#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make run`: load lattop, give it something to see, show the reports and
# the bulk transfer.
set -e
insmod "$LATTOP_KO"
echo "# lattop loaded; running a small workload (sleeps, a pipe, a known call chain)"
for i in 1 2 3 4 5; do sleep 0.1; done
named_frames 3 50 >/tmp/named.out
yes | head -c 1000000 | wc -c >/dev/null
sleep 0.3 &
wait
echo "# cat /proc/lattop_traces > /tmp/traces   (saved: a read forgets exited tasks)"
cat /proc/lattop_traces >/tmp/traces
pid=$(awk '$1 == "pid" { print $2 }' /tmp/named.out)
echo "# lattop report --input /tmp/traces --pid $pid   (named_frames exited: its frames are still named)"
lattop report --input /tmp/traces --pid "$pid"
echo "# lattop report --input /tmp/traces --folded | head   (for a flame graph)"
lattop report --input /tmp/traces --folded | head -n 8
echo "# cat /proc/lattop"
head -n 40 /proc/lattop
echo "# lattop info (from /proc/allpids/info)"
lattop info | head -n 15
echo "# lattop info --pid 1 --threads"
lattop info --pid 1 --threads
echo "# cat /proc/lattop_stats"
cat /proc/lattop_stats
rmmod lattop
