#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest runner's verdicts are real: a passing guest test passes, a failing
# one fails the run, and a kernel WARNING planted in the guest (through the
# kernel's own LKDTM) fails the run although the test that planted it passed.
# Each case boots the guest with only its own test directory.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
kdir=${KDIR:-$("$repo/scripts/build-kernel.sh" --dir "${FLAVOUR:-debug}")}
srctree=$kdir
[ -e "$kdir/source" ] && srctree=$(readlink -f "$kdir/source")
. "$srctree/tools/testing/selftests/kselftest/ktap_helpers.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# guest_test NAME BODY: a one-case KTAP test script in its own directory.
guest_test() {
	mkdir -p "$work/$1"
	cat >"$work/$1/$1.sh" <<SCRIPT
#!/bin/sh
. "\$LATTOP_LIB/ktap_helpers.sh"
ktap_print_header
ktap_set_plan 1
$2
ktap_finished
SCRIPT
	chmod +x "$work/$1/$1.sh"
}

# boot NAME: runs the guest with only NAME's directory; sets status and log.
boot() {
	log=$work/$1.log
	LATTOP_RUN_DIR=$work/run-$1 "$repo/scripts/run-guest.sh" check --only "$work/$1" >"$log" 2>&1
	status=$?
}

guest_test passing 'ktap_test_result "true is true" true'
guest_test failing 'ktap_test_result "false is true" false'
guest_test warning '
echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT
ktap_test_pass "planted a WARNING with LKDTM"'

# verdict DESCRIPTION EXIT_STATUS_WANTED PATTERN...: the last boot exited
# as wanted (0, or "nonzero") and its output matches every pattern.
verdict() {
	local description=$1 wanted=$2 pattern ok=1
	shift 2
	if [ "$wanted" = 0 ]; then [ "$status" -eq 0 ] || ok=0; else [ "$status" -ne 0 ] || ok=0; fi
	for pattern in "$@"; do
		grep -q -- "$pattern" "$log" || { ktap_print_msg "no line matches '$pattern'"; ok=0; }
	done
	if [ "$ok" = 1 ]; then
		ktap_test_pass "$description"
	else
		ktap_print_msg "exit status $status; output in full:"
		sed 's/^/#   /' "$log"
		ktap_test_fail "$description"
	fi
}

ktap_print_header
ktap_set_plan 3

boot passing
verdict "a passing guest test passes the run" 0 '^# lattop totals: pass=3 fail=0 skip=0$'

boot failing
verdict "a failing guest test fails the run" nonzero '^# lattop totals: pass=2 fail=1 skip=0$'

boot warning
verdict "a WARNING in the guest's kernel log fails the run" nonzero \
	"^not ok - the guest's kernel log" '^#   .*WARNING: CPU: .* lkdtm'

ktap_finished
