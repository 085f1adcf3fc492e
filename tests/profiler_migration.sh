#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lattop-hooks: kprobe
#
# A migration is never taken for a sleep: a task that never sleeps, moved
# between the two CPUs with taskset while it runs, gains no sleeps. Ground
# truth that it did move: the CPU /proc/<pid>/stat shows it on.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
ktap_set_plan 4

[ "$(nproc)" -ge 2 ] || ktap_skip_all "needs two CPUs"
lattop_insmod || ktap_exit_fail_msg "insmod failed"

spin 8 >/tmp/spin.out &
while [ ! -s /tmp/spin.out ]; do sleep 0.1; done
pid=$(head -n 1 /tmp/spin.out)
sleep 0.5
take_snapshot
before=$(report_field "$pid" SLEEPS)
migrations_before=$(probe_events "$(migrate_hook)")

# Alternate the allowed CPU; record the CPUs it was seen on (field 39).
seen=
for i in 1 2 3 4 5 6 7 8 9 10; do
	taskset -p $((i % 2 + 1)) "$pid" >/dev/null
	sleep 0.2
	cpu=$(awk '{ print $39 }' "/proc/$pid/stat")
	case " $seen " in *" $cpu "*) ;; *) seen="$seen $cpu" ;; esac
done
take_snapshot
after=$(report_field "$pid" SLEEPS)
migrations=$(($(probe_events "$(migrate_hook)") - migrations_before))
ktap_print_msg "spin ran on CPUs:$seen; $(migrate_hook) events: $migrations; SLEEPS $before -> $after"
expect_eq "the spinning task ran on both CPUs" "$(echo $seen | wc -w)" 2
expect_cmd "the migrations went through $(migrate_hook)" within "$migrations" 1 1000000
expect_eq "the migrations added no sleeps" "$after" "$before"
wait
expect_cmd "rmmod lattop" rmmod lattop
ktap_finished
