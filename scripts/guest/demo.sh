#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make run`: load lattop, give it something to see, show the report and
# the bulk transfer.
set -e
insmod "$LATTOP_KO"
echo "# lattop loaded; running a small workload (sleeps and a pipe)"
for i in 1 2 3 4 5; do sleep 0.1; done
yes | head -c 1000000 | wc -c >/dev/null
sleep 0.3 &
wait
echo "# cat /proc/lattop"
head -n 40 /proc/lattop
echo "# lattop info (from /proc/allpids/info)"
lattop info | head -n 15
echo "# lattop info --pid 1 --threads"
lattop info --pid 1 --threads
echo "# cat /proc/lattop_stats"
cat /proc/lattop_stats
rmmod lattop
