#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest runner's verdicts are real: a passing guest test passes, a failing
# one fails the run, and a kernel WARNING planted in the guest (through the
# kernel's own LKDTM) fails the run although the test that planted it passed.
# A test that runs past its time limit is reported as timed out and fails,
# and the next test still runs although the first left a child holding the
# output; a test that leaves lattop loaded fails, and the next starts without
# it; a script that dies after its cases passed fails; a script with a
# "# lattop-hooks: BACKEND" line runs a second time, under its own name,
# with LATTOP_HOOKS=BACKEND. Each case boots the guest with only its own
# test directory.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
kdir=${KDIR:-$("$repo/scripts/build-kernel.sh" --dir "${FLAVOUR:-debug}")}
srctree=$kdir
[ -e "$kdir/source" ] && srctree=$(readlink -f "$kdir/source")
. "$srctree/tools/testing/selftests/kselftest/ktap_helpers.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# guest_test DIR NAME PLAN BODY: a KTAP test script DIR/NAME.sh of PLAN cases.
guest_test() {
	mkdir -p "$work/$1"
	cat >"$work/$1/$2.sh" <<SCRIPT
#!/bin/sh
. "\$LATTOP_LIB/ktap_helpers.sh"
ktap_print_header
ktap_set_plan $3
$4
ktap_finished
SCRIPT
	chmod +x "$work/$1/$2.sh"
}

# boot DIR [VAR=VALUE...]: runs the guest with only DIR, in that environment;
# sets status, log and seconds (how long it took).
boot() {
	local dir=$1
	shift
	log=$work/$dir.log
	SECONDS=0
	env "$@" LATTOP_RUN_DIR="$work/run-$dir" "$repo/scripts/run-guest.sh" check --only "$work/$dir" >"$log" 2>&1
	status=$?
	seconds=$SECONDS
	ktap_print_msg "boot $dir: exit $status after ${seconds}s"
}

guest_test passing passing 1 'ktap_test_result "true is true" true'
# A "# lattop-hooks:" line: the script runs again with LATTOP_HOOKS, under
# its own name, and lattop_insmod passes it on as hooks= (insmod stubbed:
# the run loads nothing).
guest_test passing hooks 1 '
# lattop-hooks: kprobe
insmod() { echo "insmod $*"; }
. "$LATTOP_LIB/lattop.sh"
ktap_print_msg "LATTOP_HOOKS=${LATTOP_HOOKS-unset}: $(lattop_insmod max_rows=7)"
ktap_test_pass "ran"'
guest_test failing failing 1 'ktap_test_result "false is true" false'
guest_test warning warning 1 '
echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT
ktap_test_pass "planted a WARNING with LKDTM"'
# Killing only the script leaves its child holding the output for ten
# minutes, and the run stalls until QEMU's time limit.
guest_test timeout 1_hangs 1 '
(sleep 597; echo "the child of the timed-out test is still here") &
ktap_print_msg "sleeping, with a child holding stdout"
sleep 598'
guest_test timeout 2_next 2 '
ktap_test_pass "the test after a timed-out one runs"
left() { ps -o args | grep -q "^sleep 59[78]"; }
if left; then ktap_test_fail "no process of the timed-out test is left"; else ktap_test_pass "no process of the timed-out test is left"; fi'
guest_test loaded 1_loads 1 'ktap_test_result "insmod lattop.ko" insmod "$LATTOP_KO"'
guest_test loaded 2_next 1 '
unloaded() { ! grep -q "^lattop " /proc/modules; }
ktap_test_result "lattop is not loaded when the next test starts" unloaded'
guest_test dies dies 1 '
ktap_test_pass "the one case passes"
ktap_print_totals
kill -KILL $$'

# verdict DESCRIPTION EXIT_STATUS_WANTED [--within SECONDS] PATTERN...: the
# last boot exited as wanted (0, or "nonzero"), in at most SECONDS if given,
# and its output matches every pattern.
verdict() {
	local description=$1 wanted=$2 pattern ok=1
	shift 2
	if [ "$wanted" = 0 ]; then [ "$status" -eq 0 ] || ok=0; else [ "$status" -ne 0 ] || ok=0; fi
	if [ "${1:-}" = --within ]; then
		ktap_print_msg "the boot took ${seconds}s (at most $2s wanted)"
		[ "$seconds" -le "$2" ] || ok=0
		shift 2
	fi
	for pattern in "$@"; do
		grep -q -- "$pattern" "$log" || { ktap_print_msg "no line matches '$pattern'"; ok=0; }
	done
	if [ "$ok" = 1 ]; then
		ktap_test_pass "$description"
	else
		ktap_print_msg "exit status $status after ${seconds}s; output in full:"
		sed 's/^/#   /' "$log"
		ktap_test_fail "$description"
	fi
}

# The debug kernel's detectors, each planted in a guest by a test that
# itself passes: the run must fail, and its output name the detector. LKDTM
# plants the faults; kmemleak's own sample module the leaks.
# plant FAULT: has LKDTM plant FAULT from a process of its own session,
# with no descriptor of the test's (it may never return).
plant='plant() { setsid sh -c "echo $1 >/sys/kernel/debug/provoke-crash/DIRECT" </dev/null >/dev/null 2>&1 & }
# reported TEXT: waits up to 30 s for TEXT in the kernel log.
reported() { i=0; until dmesg | grep -q "$1"; do i=$((i + 1)); [ $i -lt 300 ] || return 1; sleep 0.1; done; }'
guest_test memory memory 4 "$plant"'
# SLUB finds the poison overwritten when the object is handed out again,
# or here, checking every object of the cache. An object KFENCE happened to
# sample is reported by KFENCE instead ("use-after-free write"): again,
# until SLUB has reported one.
i=0
until dmesg | grep -q "Poison overwritten"; do
	echo WRITE_AFTER_FREE >/sys/kernel/debug/provoke-crash/DIRECT
	echo 1 >/sys/kernel/slab/kmalloc-1k/validate 2>/dev/null
	i=$((i + 1))
	[ $i -lt 20 ] || break
done
ktap_test_pass "planted a write after free"
# LKDTM looks for a KFENCE-guarded allocation for 100 sample intervals
# only (100 ms here), which a loaded host can let pass without one: again,
# until KFENCE has reported.
i=0
until dmesg | grep -q "BUG: KFENCE: use-after-free read"; do
	echo KFENCE_READ_AFTER_FREE >/sys/kernel/debug/provoke-crash/DIRECT
	i=$((i + 1))
	[ $i -lt 50 ] || break
done
# If it never did, the pool is why: show it.
dmesg | grep -q "BUG: KFENCE: use-after-free read" ||
	sed "s/^/# kfence: /" /sys/kernel/debug/kfence/stats
ktap_test_pass "planted a read after free of a KFENCE object"
insmod ./kmemleak-test.ko && rmmod kmemleak_test
ktap_test_pass "planted leaks with kmemleak-test.ko"
echo 2 >/proc/sys/kernel/hung_task_timeout_secs
plant HUNG_TASK
reported "blocked for more than"
ktap_test_pass "planted a task that sleeps in D for ever"'
cp "$kdir/samples/kmemleak/kmemleak-test.ko" "$work/memory/"
guest_test lockup lockup 1 "$plant"'
echo 3 >/proc/sys/kernel/watchdog_thresh
plant SOFTLOCKUP
reported "soft lockup"
ktap_test_pass "planted a CPU that never schedules again"
# The lost CPU keeps the guest from rebooting: end the boot at once.
echo PANIC >/sys/kernel/debug/provoke-crash/DIRECT'
guest_test panic panic 1 '
ktap_print_msg "panicking"
echo PANIC >/sys/kernel/debug/provoke-crash/DIRECT'
guest_test no_kmemleak no_kmemleak 1 'ktap_test_pass "nothing planted"'

ktap_print_header
ktap_set_plan 16

boot passing
verdict "a passing guest test passes the run" 0 \
	'^# Totals: pass:6 fail:0 xfail:0 xpass:0 skip:0 error:0$'
verdict "a script with '# lattop-hooks: kprobe' runs twice, the second time named and loading with hooks=kprobe" 0 \
	'^# # LATTOP_HOOKS=unset: insmod /lattop/lattop.ko max_rows=7$' \
	'^ok 1 selftests: lattop: extra/1/hooks.sh$' \
	'^# # LATTOP_HOOKS=kprobe: insmod /lattop/lattop.ko hooks=kprobe max_rows=7$' \
	'^ok 2 selftests: lattop: extra/1/hooks.sh hooks=kprobe$'

boot failing
verdict "a failing guest test fails the run" nonzero \
	'^# Totals: pass:3 fail:1 xfail:0 xpass:0 skip:0 error:0$'

boot warning
verdict "a WARNING in the guest's kernel log fails the run" nonzero \
	"^not ok - the guest's kernel log" '^#   .*WARNING: CPU: .* lkdtm'

boot timeout LATTOP_TEST_TIMEOUT=5 LATTOP_QEMU_TIMEOUT=400
verdict "a test past LATTOP_TEST_TIMEOUT is reported as timed out and fails the run" nonzero \
	'^# extra/1/1_hangs.sh: timed out after 5s' \
	'^not ok 1 selftests: lattop: extra/1/1_hangs.sh # TIMEOUT 5 seconds$'
verdict "the next test runs and passes, the timed-out one's child killed, in half QEMU's limit" nonzero \
	--within 200 \
	'^# ok 2 no process of the timed-out test is left$' \
	'^ok 2 selftests: lattop: extra/1/2_next.sh$' \
	'^ok - the guest ran to the end$' \
	'^# Totals: pass:5 fail:1 xfail:0 xpass:0 skip:0 error:0$'

boot loaded
verdict "a test that leaves lattop loaded fails the run, named" nonzero \
	'^# extra/1/1_loads.sh left lattop loaded' \
	'^not ok 1 selftests: lattop: extra/1/1_loads.sh # left lattop loaded$' \
	'^# Totals: pass:5 fail:1 xfail:0 xpass:0 skip:0 error:0$'
verdict "the test after it starts with lattop unloaded" nonzero \
	'^ok 2 selftests: lattop: extra/1/2_next.sh$'

boot dies
verdict "a script that dies after its cases passed fails the run" nonzero \
	'^# ok 1 the one case passes$' \
	'^not ok 1 selftests: lattop: extra/1/dies.sh # exit=137$' \
	'^# Totals: pass:4 fail:1 xfail:0 xpass:0 skip:0 error:0$'

boot memory
verdict "a write after free fails the run, named by SLUB debugging" nonzero \
	'^#   .*Poison overwritten'
verdict "a read after free fails the run, named by KFENCE" nonzero \
	'^#   .*BUG: KFENCE: use-after-free read'
verdict "a task blocked in D fails the run, named by the hung-task detector" nonzero \
	'^#   .*blocked for more than 2 seconds'
verdict "a leak fails the run, named by kmemleak" nonzero \
	'^#   .*new suspected memory leaks' \
	'^not ok 2 kmemleak: the tests leaked nothing # [0-9]* unreferenced objects$'

boot lockup
verdict "a CPU that stops scheduling fails the run, named by the soft-lockup detector" nonzero \
	'^#   .*BUG: soft lockup - CPU#'

boot panic
verdict "a panic fails the run, which does not end" nonzero \
	'^not ok - the guest ran to the end' \
	'Kernel panic - not syncing'

boot no_kmemleak LATTOP_KERNEL_ARGS=kmemleak=off
verdict "a run kmemleak cannot scan fails" nonzero \
	'^ok 1 selftests: lattop: extra/1/no_kmemleak.sh$' \
	'^not ok 2 kmemleak: the tests leaked nothing # kmemleak is unavailable or its scan failed$'

ktap_finished
