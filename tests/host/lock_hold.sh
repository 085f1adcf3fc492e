#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The one lock a hook waits for, the slot index's (a task's first event
# claims a slot under it), is held only briefly outside the hooks: by the
# drain, unlinking each exited task's slot. At most 50 us, the hooks' own
# default wait budget (lock_budget_us), as the module measures it
# (hook_lock_hold_max_ns), under a fork storm of 5,000 processes, 300
# threads started at once, and readers draining in a loop.
#
# The guest is the debug kernel under QEMU's icount with one vCPU: its clock
# then counts instructions (1 ns each; a real CPU runs several per ns), and
# no other vCPU's, nor the host's load, lands inside a hold. Under plain TCG
# the clock is the host's, which can stall a vCPU mid-hold for milliseconds
# (seen: 360 us), so the guest suite cannot judge this.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir "$work/tests"
cat >"$work/tests/lock_hold.sh" <<'SCRIPT'
#!/bin/sh
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"
ktap_print_header
ktap_set_plan 4
lattop_insmod || ktap_exit_fail_msg "insmod failed"
fork_storm 5000 >/tmp/storm.out 2>&1 &
storm=$!
(while kill -0 $storm 2>/dev/null; do cat /proc/lattop /proc/allpids/info >/dev/null; done) &
many_sleepers 300 100 >/tmp/many.out
wait $storm
storm_status=$?
wait
# A read drains: the slots of every exited task are unlinked by now.
cat /proc/lattop >/dev/null
hold=$(stat_value hook_lock_hold_max_ns)
slots=$(stat_value slots)
ktap_print_msg "$(nproc) CPU; slot index held up to ${hold} ns outside the hooks; slots in use after the storm: $slots"
expect_eq "the fork storm ran to the end" "$storm_status" 0
expect_cmd "the exited tasks' slots were freed, under the lock (at most 50 in use)" test "${slots:-99999}" -le 50
expect_cmd "the hold was measured" test "${hold:-0}" -gt 0
expect_cmd "the slot index was held at most 50 us (50,000 instructions) at a time" test "${hold:-99999999}" -le 50000
rmmod lattop
ktap_finished
SCRIPT
chmod +x "$work/tests/lock_hold.sh"

LATTOP_RUN_DIR=$work/run LATTOP_GUEST_CPUS=1 LATTOP_QEMU_ARGS="-icount shift=0,sleep=off" \
	"$repo/scripts/run-guest.sh" check --only "$work/tests"
