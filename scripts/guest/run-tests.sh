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
# A script fails when it exits other than 0 (pass) or 4 (skip), even after
# every case it reported passed; when it runs past its time limit
# ($LATTOP_TEST_TIMEOUT seconds, else the command line's lattop_test_timeout,
# which run-guest.sh sets from the host's LATTOP_TEST_TIMEOUT; default 900:
# the 20,000-process fork storm has taken 650 s on a loaded host), as
# "# TIMEOUT"; and when it leaves lattop loaded. Each script runs in a
# session of its own; when it ends or times out, whatever of it is still
# running is killed, so nothing it left behind holds the output and stalls
# the run, and a module it left loaded is unloaded. A script with a line
# "# lattop-hooks: BACKEND..." runs once more for each BACKEND, with
# LATTOP_HOOKS=BACKEND (lattop_insmod then loads lattop with
# hooks=BACKEND), reported as "SCRIPT hooks=BACKEND". The last line is the
# totals line of tests/lib/totals.sh: the scripts' cases, plus one failure
# for each failed run that reported none.

. "${LATTOP_LIB:-/lattop/lib}/totals.sh"

timeout_s=${LATTOP_TEST_TIMEOUT:-${lattop_test_timeout:-900}}
case $timeout_s in
'' | *[!0-9]* | 0)
	echo "# run-tests: a time limit of '$timeout_s' s makes no sense: 900 s"
	timeout_s=900 ;;
esac

tests=
[ "$1" = extra ] || tests=$(ls /lattop/tests/*.sh 2>/dev/null)
for dir in /lattop/extra/*; do
	[ -d "$dir" ] && tests="$tests $(ls "$dir"/*.sh 2>/dev/null)"
done
# The runs: each script, then the same script once for each backend its
# "# lattop-hooks:" line names (once each), as SCRIPT|BACKEND. A backend
# is a word of letters, digits, '_' and '-'; any other is reported and not
# run.
jobs=
for t in $tests; do
	[ -x "$t" ] || continue
	jobs="$jobs $t"
	for h in $(sed -n 's/^# lattop-hooks://p' "$t" | head -n 1); do
		case $h in
		*[!A-Za-z0-9_-]*) echo "# run-tests: ${t#/lattop/}: '$h' is no backend name: not run" ;;
		*) case " $jobs " in *" $t|$h "*) ;; *) jobs="$jobs $t|$h" ;; esac ;;
		esac
	done
done
# lattop_shard=I/N (from run-guest.sh's LATTOP_SHARD): this guest runs the
# I-th of N shares, which N guests side by side compute alike: longest run
# first, each to the share with the least time so far. A run's time is its
# script's "# lattop-cost: SECONDS" line (what it takes on the debug kernel
# under emulation), else 30; each backend's run is one more of that time.
shard=${lattop_shard:-1/1}
shard_i=${shard%/*} shard_n=${shard#*/}
costed=
for job in $jobs; do
	c=$(sed -n 's/^# lattop-cost: \([0-9][0-9]*\).*/\1/p' "${job%%|*}" | head -n 1)
	costed="$costed${c:-30} $job
"
done
j=1
while [ $j -le "$shard_n" ]; do eval "load_$j=0"; j=$((j + 1)); done
mine=
for t in $(printf '%s' "$costed" | sort -k1,1nr -k2 | while read -r c t; do echo "$c:$t"; done); do
	c=${t%%:*} t=${t#*:}
	least=1 j=2
	while [ $j -le "$shard_n" ]; do
		eval "[ \$load_$j -lt \$load_$least ]" && least=$j
		j=$((j + 1))
	done
	eval "load_$least=\$((load_$least + c))"
	[ "$least" = "$shard_i" ] && mine="$mine $t"
done
# In name order, as without shares, each script's backends after it.
runnable=
for job in $jobs; do
	case " $mine " in *" $job "*) runnable="$runnable $job" ;; esac
done
set -- $runnable

# run_test N SCRIPT [BACKEND]: runs SCRIPT from its directory (with
# LATTOP_HOOKS=BACKEND if given), its output and errors on
# stdout, in a new session (a non-interactive shell's background job leads
# no process group, so busybox setsid execs in place: the session's id is
# the job's pid). A watchdog, in a session of its own with its output
# elsewhere, ends the session after $timeout_s, marking
# /run/lattop-tests/test-N.timeout; the script's exit status goes to
# /run/lattop-tests/test-N.rc. Once the script is gone,
# what is left of its session is killed: then nothing holds our stdout.
run_test() {
	(cd "${2%/*}" && { [ -z "$3" ] || export LATTOP_HOOKS="$3"; } && exec setsid "$2") 2>&1 &
	pid=$!
	setsid sh -c 'sleep "$1" && echo >"$2" && kill -TERM -"$3" && sleep 5 && kill -KILL -"$3"' \
		watchdog "$timeout_s" "/run/lattop-tests/test-$1.timeout" "$pid" </dev/null >/dev/null 2>&1 &
	watchdog=$!
	wait "$pid" 2>/dev/null
	echo "$?" >"/run/lattop-tests/test-$1.rc"
	kill -KILL -"$watchdog" 2>/dev/null
	kill -KILL -"$pid" 2>/dev/null
}

# kmemleak is part of the verdict: a run it cannot scan (not built in, off
# on the command line, or disabled after an internal error) proves nothing
# about leaks, and fails. Leaks from boot are not ours: clear them first,
# so that only what the tests leave is reported.
kmemleak=/sys/kernel/debug/kmemleak
kmemleak_ready=
echo clear 2>/dev/null >"$kmemleak" && kmemleak_ready=1

mkdir -p /run/lattop-tests
echo "TAP version 13"
echo "1..$(($# + 1))"
n=0 pass=0 fail=0 skip=0
for job in "$@"; do
	n=$((n + 1))
	t=${job%%|*} hooks=
	name=${t#/lattop/}
	if [ "$t" != "$job" ]; then
		hooks=${job#*|}
		name="$name hooks=$hooks"
	fi
	log=/run/lattop-tests/test-$n.log
	# Every script starts with an empty /tmp: one that runs twice (once per
	# backend) must not find its first run's files, which a check such as
	# "until the helper's output file is non-empty" would take for the new
	# helper's. The runner's own files are in /run/lattop-tests.
	rm -rf /tmp/* /tmp/.[!.]* 2>/dev/null
	echo "# selftests: lattop: $name"
	run_test "$n" "$t" "$hooks" | tee "$log" | sed 's/^/# /'
	rc=$(cat "/run/lattop-tests/test-$n.rc")
	totals_read "$log"
	reported=$?
	why=
	if [ -e "/run/lattop-tests/test-$n.timeout" ]; then
		echo "# $name: timed out after ${timeout_s}s; its processes are killed"
		why="TIMEOUT $timeout_s seconds"
	elif [ "$rc" != 0 ] && [ "$rc" != 4 ]; then
		why="exit=$rc"
	fi
	# A test must not leave the module loaded; unload it so the next starts
	# clean (its processes have just been killed: give them a moment to go).
	if grep -q '^lattop ' /proc/modules; then
		echo "# $name left lattop loaded: unloading it"
		tries=0
		until rmmod lattop; do
			tries=$((tries + 1))
			[ "$tries" -lt 10 ] || { echo "# rmmod lattop failed: it stays loaded"; break; }
			sleep 1
		done
		why="${why:+$why; }left lattop loaded"
	fi
	if [ -n "$why" ]; then
		[ "$totals_fail" -gt 0 ] || totals_fail=1
		echo "not ok $n selftests: lattop: $name # $why"
	elif [ "$rc" = 4 ]; then
		[ "$reported" = 0 ] || totals_skip=1
		echo "ok $n selftests: lattop: $name # SKIP"
	else
		[ "$reported" = 0 ] || totals_pass=1
		echo "ok $n selftests: lattop: $name"
	fi
	pass=$((pass + totals_pass)) fail=$((fail + totals_fail)) skip=$((skip + totals_skip))
done

# kmemleak reports an object only once it is old enough and a scan has not
# seen a reference to it: scan twice, a few seconds apart. Its report also
# reaches the kernel log, which the host scans.
n=$((n + 1))
if [ -n "$kmemleak_ready" ] && echo scan 2>/dev/null >"$kmemleak" && sleep 5 &&
	echo scan 2>/dev/null >"$kmemleak"; then
	leaks=$(grep -c '^unreferenced object' "$kmemleak")
	sed 's/^/# kmemleak: /' "$kmemleak"
	if [ "$leaks" -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok $n kmemleak: the tests leaked nothing"
	else
		fail=$((fail + 1))
		echo "not ok $n kmemleak: the tests leaked nothing # $leaks unreferenced objects"
	fi
else
	fail=$((fail + 1))
	echo "not ok $n kmemleak: the tests leaked nothing # kmemleak is unavailable or its scan failed"
fi

# How much KFENCE guarded: allocations it took, and those it had no room for
# (a full pool guards nothing more).
if [ -r /sys/kernel/debug/kfence/stats ]; then
	awk -F': ' '/total allocations|skipped allocations/ { printf "%s%s %s", sep, $2, $1; sep = ", " }
		END { print "" }' /sys/kernel/debug/kfence/stats | sed 's/^/# kfence: /'
fi

totals_print "$pass" "$fail" "$skip"
