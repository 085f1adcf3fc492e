#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest runner's verdicts are real: a passing guest test passes, a failing
# one fails the run, and a kernel WARNING planted in the guest (through the
# kernel's own LKDTM) fails the run although the test that planted it passed.
# A test that runs past its time limit is reported as timed out and fails,
# and the next test still runs although the first left a child holding the
# output; a test that leaves lattop loaded fails, and the next starts without
# it; a script that dies after its cases passed fails. Each case boots the
# guest with only its own test directory.
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
}

guest_test passing passing 1 'ktap_test_result "true is true" true'
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

ktap_print_header
ktap_set_plan 8

boot passing
verdict "a passing guest test passes the run" 0 \
	'^# Totals: pass:3 fail:0 xfail:0 xpass:0 skip:0 error:0$'

boot failing
verdict "a failing guest test fails the run" nonzero \
	'^# Totals: pass:2 fail:1 xfail:0 xpass:0 skip:0 error:0$'

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
	'^# Totals: pass:4 fail:1 xfail:0 xpass:0 skip:0 error:0$'

boot loaded
verdict "a test that leaves lattop loaded fails the run, named" nonzero \
	'^# extra/1/1_loads.sh left lattop loaded' \
	'^not ok 1 selftests: lattop: extra/1/1_loads.sh # left lattop loaded$' \
	'^# Totals: pass:4 fail:1 xfail:0 xpass:0 skip:0 error:0$'
verdict "the test after it starts with lattop unloaded" nonzero \
	'^ok 2 selftests: lattop: extra/1/2_next.sh$'

boot dies
verdict "a script that dies after its cases passed fails the run" nonzero \
	'^# ok 1 the one case passes$' \
	'^not ok 1 selftests: lattop: extra/1/dies.sh # exit=137$' \
	'^# Totals: pass:3 fail:1 xfail:0 xpass:0 skip:0 error:0$'

ktap_finished
