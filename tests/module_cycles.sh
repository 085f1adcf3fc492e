#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lattop-cost: 420 (seconds on the debug kernel under emulation: make check balances its guests by it)
#
# 25 insmod/rmmod cycles while a context-switch-heavy workload (a pipe
# ping-pong on each CPU) keeps the probes firing, and readers hold
# /proc/lattop, /proc/lattop_stats, /proc/allpids/info and
# /proc/allpids/1/info open, reading them in a loop: every cycle loads and
# unloads, a read of a file held open across rmmod fails with EIO (and the
# reader reopens it), and the kernel log stays clean (the runner checks it,
# and its kmemleak scan after the last test catches leaks). The reader also
# holds three notifier files with "any change" thresholds armed: init's
# memory_usage, the allpids process_count, and anypid sleep_latency, which
# the wake-up probe feeds on every sleep. Each rmmod logs how many probe
# hits came while it waited for the handlers (they return at once): under
# this load, some must.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
ktap_set_plan 4

[ "$(nproc)" -ge 2 ] || ktap_skip_all "needs two CPUs"
taskset 1 pingpong 1000000000 >/dev/null &
taskset 2 pingpong 1000000000 >/dev/null &
hold_reader /proc/lattop /proc/lattop_stats /proc/allpids/info /proc/allpids/1/info \
	/proc/allpids/1/notifier/memory_usage /proc/allpids/notifier/process_count \
	/proc/anypid/notifier/sleep_latency >/tmp/reader.out &
reader=$!

disarmed_before=$(dmesg | grep -c "hits arrived while unloading")
# 25 cycles, however long they take: a cycle takes 4 to 16 s under this
# load on the debug kernel (insmod and rmmod each wait for text patching
# and grace periods on emulated CPUs that the ping-pongs keep busy; 12 s in
# a local make check, 16 s on CI's host), and the runner's limit is 900 s a
# script. A count, not a rate: how fast the host emulates is not the module's
# behaviour (a floor of 40 cycles in 600 s failed on CI at 37).
cycles=0
failed=
start=$(date +%s)
while [ $cycles -lt 25 ]; do
	lattop_insmod || { failed="insmod at cycle $cycles"; break; }
	sleep 0.05
	rmmod lattop || { failed="rmmod at cycle $cycles"; break; }
	cycles=$((cycles + 1))
done
ktap_print_msg "$cycles cycles in $(($(date +%s) - start)) s${failed:+; failed: $failed}"
kill "$reader"
wait "$reader"
# Both processes of each ping-pong (busybox has no pkill).
for comm in /proc/[0-9]*/comm; do
	[ "$(cat "$comm" 2>/dev/null)" = pingpong ] && kill -9 "$(basename "$(dirname "$comm")")"
done
wait
ktap_print_msg "readers: $(cat /tmp/reader.out)"
expect_cmd "$cycles insmod/rmmod cycles under load with readers (25, none failed)" \
	sh -c "[ $cycles -eq 25 ] && [ -z '$failed' ]"
set -- $(cat /tmp/reader.out)
expect_cmd "files held open across rmmod failed with EIO ($6 times) and were reopened ($8)" \
	sh -c "[ ${6:-0} -ge 1 ] && [ ${8:-0} -ge $cycles ] && [ ${4:-0} -eq ${6:-0} ]"
expect_cmd "and were read in between ($2 reads)" within "${2:-0}" 100 1000000000
disarmed=$(($(dmesg | grep -c "hits arrived while unloading") - disarmed_before))
late_hits=$(dmesg | sed -n 's/.*probes disarmed: \([0-9]*\) hits arrived while unloading.*/\1/p' |
	tail -n "$cycles" | awk '{ n += $1 } END { print n + 0 }')
ktap_print_msg "probe hits during unload, over $disarmed unloads: $late_hits"
expect_cmd "each rmmod counted the hits that came while it waited" \
	sh -c "[ $disarmed = $cycles ] && [ $late_hits -gt 0 ]"
ktap_finished
