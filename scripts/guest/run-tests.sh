#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs lattop's test scripts in the guest and prints one KTAP stream, in the
# shape of kselftest's runner: each script's own KTAP output prefixed "# ",
# then "ok N" or "not ok N" for the script. A test is an executable *.sh at
# the top of /lattop/tests or of a directory added with TESTS=.
#
#   run-tests.sh all     lattop's tests, then the added ones
#   run-tests.sh extra   only the added ones
#
# The last line, "# lattop-guest-totals pass=N fail=N skip=N", counts the
# scripts' individual test cases; the host sums it with its own checks.

timeout_s=${LATTOP_TEST_TIMEOUT:-600}

tests=
[ "$1" = extra ] || tests=$(ls /lattop/tests/*.sh 2>/dev/null)
for dir in /lattop/extra/*; do
	[ -d "$dir" ] && tests="$tests $(ls "$dir"/*.sh 2>/dev/null)"
done
runnable=
for t in $tests; do
	[ -x "$t" ] && runnable="$runnable $t"
done
set -- $runnable

# Leaks from boot are not ours: report only what the tests leave.
[ -w /sys/kernel/debug/kmemleak ] && echo clear >/sys/kernel/debug/kmemleak

echo "TAP version 13"
echo "1..$#"
n=0 pass=0 fail=0 skip=0
for t in "$@"; do
	n=$((n + 1))
	name=${t#/lattop/}
	log=/tmp/test-$n.log
	echo "# selftests: lattop: $name"
	{ (cd "${t%/*}" && timeout "$timeout_s" "$t") 2>&1; echo "rc=$?" >/tmp/rc; } |
		tee "$log" | sed 's/^/# /'
	rc=$(sed -n 's/^rc=//p' /tmp/rc)
	totals=$(grep '^# Totals:' "$log" | tail -n 1)
	t_pass=$(echo "$totals" | sed -n 's/.* pass:\([0-9]*\).*/\1/p')
	t_fail=$(echo "$totals" | sed -n 's/.* fail:\([0-9]*\).*/\1/p')
	t_skip=$(echo "$totals" | sed -n 's/.*skip:\([0-9]*\).*/\1/p')
	: "${t_pass:=0}" "${t_fail:=0}" "${t_skip:=0}"
	case "$rc" in
	0)
		[ -n "$totals" ] || t_pass=1
		echo "ok $n selftests: lattop: $name" ;;
	4)
		[ -n "$totals" ] || t_skip=1
		echo "ok $n selftests: lattop: $name # SKIP" ;;
	*)
		# A script that dies, or times out (124), fails even if every case
		# it reported passed.
		[ "$t_fail" -gt 0 ] || t_fail=1
		[ "$rc" = 124 ] && echo "# $name: timed out after ${timeout_s}s"
		echo "not ok $n selftests: lattop: $name # exit=$rc" ;;
	esac
	pass=$((pass + t_pass)) fail=$((fail + t_fail)) skip=$((skip + t_skip))
	# A test must not leave the module loaded; unload it so the next starts clean.
	if grep -q '^lattop ' /proc/modules; then
		echo "# $name left lattop loaded"
		rmmod lattop
	fi
done

# kmemleak reports an object only once it is old enough and a scan has not
# seen a reference to it: scan twice, a few seconds apart.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak
	sed 's/^/# kmemleak: /' /sys/kernel/debug/kmemleak
fi

echo "# lattop-guest-totals pass=$pass fail=$fail skip=$skip"
