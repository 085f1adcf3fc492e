#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lattop-cost: 60 (seconds on the debug kernel under emulation: make check balances its guests by it)
#
# A fuzz of the notifier files' write ABI: fuzz_thresholds writes generated
# struct lattop_threshold buffers (sizes 0-128, random flags, deliveries,
# eventfds open, closed, not eventfds, -1, huge; signals 0, 1..64, 65,
# negative; windows; levels up to INT64_MIN/MAX; reserved bytes; a share of
# valid ones) to every notifier file of every scope, as root and, at the
# same time, as uid 1000, while a second thread closes and reopens the
# files (armed ones too) and the eventfds. Each write must arm or fail with
# an errno the documentation gives for that struct in that state (the
# helper's oracle: see tests/helpers/fuzz_thresholds.c); with
# max_thresholds_per_user=4, EDQUOT is reached all along. Afterwards nothing
# is armed, each user can arm its 4 again (the per-user count went back to
# 0), and the module unloads (the eventfd references were dropped; the
# runner's kmemleak scan checks the rest).
#
# The seed is LATTOP_FUZZ_SEED, else the time; it is printed first, and a
# failure prints the command that replays it. LATTOP_FUZZ_WRITES sets the
# root run's writes (the unprivileged run does 3/4 as many).
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

CAP=4
SEED=${LATTOP_FUZZ_SEED:-$(date +%s)}
ROOT_WRITES=${LATTOP_FUZZ_WRITES:-60000}
USER_WRITES=$((ROOT_WRITES * 3 / 4))

ktap_print_header
ktap_print_msg "seed $SEED"
ktap_set_plan 16

# field WORD FILE N: the Nth word of FILE's first line starting with WORD;
# 0 when there is none (a helper that died early).
field() {
	awk -v w="$1" -v n="$3" '$1 == w && !done { print $n; done = 1 } END { if (!done) print 0 }' "$2"
}

# scope_field FILE SCOPE N: the Nth word of the "arms SCOPE ..." line, or
# "none".
scope_field() {
	awk -v s="$2" -v n="$3" '$1 == "arms" && $2 == s { print $n; done = 1 } END { if (!done) print "none" }' "$1"
}

# errno_count FILE NAME: how many writes got NAME ("ok" for armed); 0 when
# not printed.
errno_count() {
	awk -v e="$2" '$1 == "errno" && $2 == e { print $3; done = 1 } END { if (!done) print 0 }' "$1"
}

replay_hint() {
	ktap_print_msg "replay: LATTOP_FUZZ_SEED=$SEED LATTOP_FUZZ_WRITES=$ROOT_WRITES tests/notifier_fuzz.sh" \
		"(in the guest: fuzz_thresholds fuzz $SEED $ROOT_WRITES $CAP as root," \
		"run_as 1000 1000 fuzz_thresholds fuzz $((SEED + 1)) $USER_WRITES $CAP <root pid> as uid 1000)"
}

# eval_period_ms=250: the fuzz is about writes, and under the debug kernel
# an evaluator pass over every process with anypid thresholds armed takes
# several ms (at the default 10 ms it took most of the guest's CPU, and the
# fuzz 2 minutes; at 100 ms, 27 ms a pass, a quarter of the time, with the
# host loaded).
lattop_insmod max_thresholds_per_user=$CAP eval_period_ms=250 || ktap_exit_fail_msg "insmod failed"

start=$(date +%s)
fuzz_thresholds fuzz "$SEED" "$ROOT_WRITES" $CAP >/tmp/fuzz.root 2>&1 &
root_pid=$!
# The user's foreign target is this shell: a root process it may not read.
run_as 1000 1000 fuzz_thresholds fuzz $((SEED + 1)) "$USER_WRITES" $CAP $$ >/tmp/fuzz.user 2>&1 &
user_pid=$!
wait $root_pid
root_status=$?
wait $user_pid
user_status=$?
elapsed=$(($(date +%s) - start))
for who in root user; do
	ktap_print_msg "$who: $(grep -v '^fail' /tmp/fuzz.$who | tr '\n' ';')"
	grep '^fail' /tmp/fuzz.$who | head -n 60 | while read -r line; do ktap_print_msg "$line"; done
done
ktap_print_msg "both runs took $elapsed s; the evaluator ran $(stat_value notifier_evaluations) times," \
	"$(($(stat_value notifier_evaluation_ns) / 1000000)) ms in all"

# 1-2: the oracle held for every write of each run (exit status 0 and its
# own verdict line: a crashed or killed helper fails too).
expect_cmd "root: every write armed or got an errno documented for it" \
	sh -c "[ $root_status = 0 ] && grep -qx 'result ok' /tmp/fuzz.root"
expect_cmd "uid 1000: every write armed or got an errno documented for it" \
	sh -c "[ $user_status = 0 ] && grep -qx 'result ok' /tmp/fuzz.user"
if [ $root_status != 0 ] || [ $user_status != 0 ]; then
	replay_hint
fi

# 3: the count is the helpers' own: the writes they made.
total=$(($(field writes /tmp/fuzz.root 2) + $(field writes /tmp/fuzz.user 2)))
rate=$(($(field rate /tmp/fuzz.root 2) + $(field rate /tmp/fuzz.user 2)))
ktap_print_msg "$total writes, about $rate per second (the two runs' rates summed)"
expect_cmd "at least 100,000 writes in all" test "$total" -ge 100000

# 4-5: what uid 1000 may not reach. anypid's 7 files and allpids' 8 refuse
# its open; a root process's files open (mode 0666) but refuse every write.
expect_cmd "uid 1000: opening each anypid and allpids file gets EACCES" sh -c \
	"grep -qx 'refused_opens /proc/anypid/notifier 7' /tmp/fuzz.user &&
	grep -qx 'refused_opens /proc/allpids/notifier 8' /tmp/fuzz.user"
expect_cmd "uid 1000: nothing armed on a root process, and EACCES seen" sh -c \
	"[ '$(scope_field /tmp/fuzz.user foreign 3)' = 0 ] && [ '$(errno_count /tmp/fuzz.user EACCES)' -gt 0 ]"

# 6-7: the fuzz reached arming everywhere it may (a module refusing valid
# structs would fail 1-2, but one refusing everything with EDQUOT while the
# helper's bound says the cap is full would not: these catch it).
root_armed_everywhere=1
for scope in self child mortal anypid allpids; do
	[ "$(scope_field /tmp/fuzz.root $scope 3)" -gt 0 ] 2>/dev/null || root_armed_everywhere=0
done
user_armed_everywhere=1
for scope in self child mortal; do
	[ "$(scope_field /tmp/fuzz.user $scope 3)" -gt 0 ] 2>/dev/null || user_armed_everywhere=0
done
expect_cmd "root armed thresholds on every scope, uid 1000 on its own processes" \
	test "$root_armed_everywhere$user_armed_everywhere" = 11
deliveries_ok=1
for who in root user; do
	for d in poll eventfd signal; do
		n=$(awk -v d=$d '$1 == "arms_delivery" && $2 == d { print $3 }' /tmp/fuzz.$who)
		[ "${n:-0}" -gt 0 ] || deliveries_ok=0
	done
done
expect_cmd "each run armed thresholds of each delivery (poll, eventfd, signal)" test $deliveries_ok = 1

# 8-11: the states the oracle distinguishes were all reached.
expect_cmd "each run hit the per-user cap (EDQUOT)" sh -c \
	"[ '$(errno_count /tmp/fuzz.root EDQUOT)' -gt 0 ] && [ '$(errno_count /tmp/fuzz.user EDQUOT)' -gt 0 ]"
expect_cmd "each run wrote to a reaped process's files (ESRCH)" sh -c \
	"[ '$(errno_count /tmp/fuzz.root ESRCH)' -gt 0 ] && [ '$(errno_count /tmp/fuzz.user ESRCH)' -gt 0 ]"
expect_cmd "each run closed files while they held a threshold" sh -c \
	"[ '$(field armed_closes /tmp/fuzz.root 2)' -gt 0 ] && [ '$(field armed_closes /tmp/fuzz.user 2)' -gt 0 ]"
least=$(awk '$1 == "arms" { print $7 }' /tmp/fuzz.root /tmp/fuzz.user | sort -n | head -n 1)
# Both runs must have printed all their scopes: root 5, uid 1000 4.
scopes=$(grep -c '^arms [a-z]* ' /tmp/fuzz.root /tmp/fuzz.user | cut -d: -f2 | tr '\n' ' ')
[ "$scopes" = "5 4 " ] || least=0
expect_cmd "every notifier file of every scope got writes (least: ${least:-none})" \
	test "${least:-0}" -gt 0

# 12: every process that opened a file has been reaped (the helpers reap
# their children, this shell the helpers), and each close removed its
# threshold: none may be left.
expect_eq "all files closed: thresholds_armed is 0" "$(stat_value thresholds_armed)" 0

# 13-14: the per-user count went back to 0. Each user arms exactly CAP
# thresholds (a leaked count refuses one with EDQUOT), the next is EDQUOT (the
# cap is still enforced), and after closing them, CAP again.
fuzz_thresholds cap $CAP >/tmp/cap.root 2>&1
expect_cmd "root can arm $CAP thresholds again, not $((CAP + 1))" grep -qx 'result ok' /tmp/cap.root
run_as 1000 1000 fuzz_thresholds cap $CAP >/tmp/cap.user 2>&1
expect_cmd "uid 1000 can arm $CAP thresholds again, not $((CAP + 1))" grep -qx 'result ok' /tmp/cap.user
for f in /tmp/cap.root /tmp/cap.user; do
	grep -v 'result ok' $f | while read -r line; do ktap_print_msg "$f: $line"; done
done
expect_eq "and nothing armed once they exited" "$(stat_value thresholds_armed)" 0

# 16: nothing holds the module: every eventfd and file reference was put.
expect_cmd "rmmod succeeds" rmmod lattop
ktap_finished
