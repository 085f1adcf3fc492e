#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Containers (README, "Containers"): a reader in a pid namespace sees the
# processes its own /proc shows, numbered as there; one in a user namespace
# sees ids as its /proc shows them. The ground truth is the namespace's own
# /proc, read from inside (tests/lib/ns_inside.sh): info_check compares
# every record with it, and the probes compare pid 1's and a sleeper's
# records, events and /proc/lattop rows with it.
#
# The outsider is a process of uid 1000 in the initial namespaces: the same
# uid as the reader in the user namespace cases, which the uid rule alone
# would let read it.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
ktap_set_plan 22

lattop_insmod || ktap_exit_fail_msg "insmod failed"
# Where the readers inside write what they saw: uid 1000 too.
rm -rf /tmp/ns
mkdir -m 1777 /tmp/ns

# "outsider", as comm_sleeper takes it.
run_as 1000 1000 comm_sleeper 6f75747369646572 100 900 >/tmp/ns/outsider 2>&1 &
outsider=$(wait_helper_line /tmp/ns/outsider "pid " | awk '{ print $2 }')
[ -n "$outsider" ] || ktap_exit_fail_msg "the outsider did not start: $(cat /tmp/ns/outsider)"
ktap_print_msg "outsider: pid $outsider, $(awk '$1 == "Uid:"' /proc/"$outsider"/status)"

# inside NAME COMMAND...: runs ns_inside.sh NAME under COMMAND (unshare...),
# waits for it, shows what it wrote.
inside() {
	name=$1
	shift
	rm -f /tmp/ns/"$name".*
	"$@" sh "$LATTOP_LIB/ns_inside.sh" "$name" "$outsider" >"/tmp/ns/$name.log" 2>&1
	for f in log pids check probe status rows cli; do
		sed "s/^/#   $name.$f: /" "/tmp/ns/$name.$f" 2>/dev/null | head -n 40
	done
}

# probe NAME ACTION ARG: the rest of the probe's line for ACTION ARG.
probe() {
	awk -v a="$2" -v b="$3" '$1 == a && $2 == b { $1 = $2 = ""; sub(/^  /, ""); print; exit }' \
		"/tmp/ns/$1.probe"
}
# status NAME PID: "uid U gid G ppid P" as the namespace's /proc shows PID.
status() {
	awk -v p="$2" '$1 == "status" && $2 == p { print $3, $4, $5, $6, $7, $8; exit }' \
		"/tmp/ns/$1.status"
}
# record_ids NAME PID: the record's "uid U gid G ppid P".
record_ids() {
	probe "$1" record "$2" | awk '$1 == "uid" { print $1, $2, $3, $4, $5, $6 }'
}
sleeper_pid() {
	awk '$1 == "record" && $2 != 1 { print $2; exit }' "/tmp/ns/$1.probe"
}
sleeper_tid() {
	head -n 1 "/tmp/ns/$1.sleeper" | awk '{ print $1 }'
}

# sees_own_proc NAME: info_check passed inside, nothing skipped (a record
# its /proc lacks), at least pid 1, the sleeper and the probe's shell.
sees_own_proc() {
	grep -q '^exit 0$' "/tmp/ns/$1.check" &&
		grep -Eq '^processes [1-9][0-9]* threads [0-9]+ skipped 0 mismatches 0$' "/tmp/ns/$1.check"
}
# pid1_and_sleeper NAME: both records match the namespace's /proc (uid,
# gid, ppid: pid 1's parent is outside, 0), pid 1 is sh, and the sleeper's
# thread ids are its pid and the tid its thread printed.
pid1_and_sleeper() {
	s=$(sleeper_pid "$1")
	[ -n "$s" ] && [ "$s" != 1 ] &&
		[ "$(record_ids "$1" 1)" = "$(status "$1" 1)" ] &&
		[ "$(record_ids "$1" "$s")" = "$(status "$1" "$s")" ] &&
		[ "$(status "$1" 1 | awk '{ print $6 }')" = 0 ] &&
		probe "$1" record 1 | grep -q ' comm sh$' &&
		probe "$1" record "$s" | grep -q " tids $s,$(sleeper_tid "$1") comm sleeper$"
}
# outsider_hidden NAME OPEN_ERRNO: the outsider is not in the snapshot, its
# info and notifier files are ENOENT.
outsider_hidden() {
	[ "$(probe "$1" comm outsider)" = absent ] &&
		[ "$(probe "$1" info "/proc/allpids/$outsider/info")" = ENOENT ] &&
		[ "$(probe "$1" arm "/proc/allpids/$outsider/notifier/memory_usage")" = "open ENOENT write -" ]
}
# events_numbered NAME: the sleeper's memory_usage event names its pid, its
# sleep_latency event its pid and its thread's tid, as the namespace does.
events_numbered() {
	s=$(sleeper_pid "$1")
	t=$(sleeper_tid "$1")
	d=$(probe "$1" dir "$s")
	[ -n "$d" ] && [ "$d" != none ] &&
		[ "$(probe "$1" event "/proc/allpids/$d/notifier/memory_usage")" = "pid $s tid 0 kind 1" ] &&
		[ "$(probe "$1" event "/proc/allpids/$d/notifier/sleep_latency")" = "pid $s tid $t kind 1" ]
}

# cli_works NAME: inside, `lattop info --pid` of the sleeper found its
# directory (one process, its pid), and `lattop watch anypid` was refused,
# saying why.
cli_works() {
	s=$(sleeper_pid "$1")
	grep -q '^info exit 0$' "/tmp/ns/$1.cli" &&
		grep -q "^{.*\"processes\":\[{\"pid\":$s," "/tmp/ns/$1.cli" &&
		grep -q 'cannot arm .*anypid.*initial pid namespace' "/tmp/ns/$1.cli" &&
		grep -q '^watch exit 1$' "/tmp/ns/$1.cli"
}

# 1. root in a new pid namespace (no user namespace: still root).
inside pidns unshare -p -f --mount-proc
expect_cmd "pid namespace: /proc/allpids/info holds exactly what its /proc shows, as numbered there" \
	sees_own_proc pidns
expect_cmd "pid namespace: its pid 1 and a sleeper's records match its /proc (ppid 0 for pid 1)" \
	pid1_and_sleeper pidns
expect_cmd "pid namespace: the outsider is not listed, its info and notifier files are ENOENT" \
	outsider_hidden pidns
expect_cmd "pid namespace: anypid and allpids thresholds are refused with EPERM" sh -c \
	"[ '$(probe pidns arm /proc/anypid/notifier/memory_usage)' = 'open ok write EPERM' ] &&
	 [ '$(probe pidns arm /proc/allpids/notifier/process_count)' = 'open ok write EPERM' ]"
expect_cmd "pid namespace: a sleeper's events carry its pid and tid as the namespace numbers them" \
	events_numbered pidns
expect_cmd "pid namespace: lattop info --pid finds the sleeper by its pid there; watch anypid says why not" \
	cli_works pidns
# /proc/lattop from inside: rows of its tasks only, each named as its /proc
# names that tid; the sleeper's thread among them, the outsider not.
rows_own() { # FILE
	t=$(sleeper_tid pidns)
	[ -s "$1" ] &&
		awk '$3 != $4 { bad = 1 } END { exit bad }' "$1" &&
		grep -q "^row $t sleeper sleeper$" "$1" &&
		not grep -q ' outsider ' "$1"
}
expect_cmd "pid namespace: /proc/lattop lists its tasks by its tids (each named as its /proc names it)" \
	rows_own /tmp/ns/pidns.rows
expect_cmd "pid namespace: /proc/lattop_traces likewise" rows_own /tmp/ns/pidns.trows
# The control, from the initial namespace: the outsider has a row.
cat /proc/lattop >/tmp/ns/host.report
expect_cmd "control: the initial namespace's /proc/lattop lists the outsider" \
	grep -q "^[0-9]* $outsider outsider " /tmp/ns/host.report
cat /proc/lattop_traces >/tmp/ns/host.traces
expect_cmd "control: the initial namespace's /proc/lattop_traces lists the outsider" \
	grep -q "^task [0-9]* $outsider outsider " /tmp/ns/host.traces

# 2. uid 1000 in a new user namespace (mapped to its root) and pid
# namespace: the outsider has its uid, and is still not there.
inside userns_pidns run_as 1000 1000 unshare -r -p -f --mount-proc
expect_cmd "uid 1000 in user+pid namespaces: the snapshot is what its /proc shows, uids mapped" \
	sees_own_proc userns_pidns
mapped_records() {
	[ "$(record_ids userns_pidns 1)" = "uid 0 gid 0 ppid 0" ] && pid1_and_sleeper userns_pidns
}
expect_cmd "uid 1000 in user+pid namespaces: pid 1 and a sleeper's records match its /proc (uid 0)" \
	mapped_records
expect_cmd "uid 1000 in user+pid namespaces: the outsider, uid 1000 too, is not there (ENOENT)" \
	outsider_hidden userns_pidns
expect_cmd "uid 1000 in user+pid namespaces: anypid/allpids files refused (mode 0600, host root's)" sh -c \
	"[ '$(probe userns_pidns arm /proc/anypid/notifier/memory_usage)' = 'open EACCES write -' ]"
expect_cmd "uid 1000 in user+pid namespaces: its events are numbered as it numbers them" \
	events_numbered userns_pidns

# 3. A user namespace alone (the initial pid namespace): every process is
# there as before, by the uid rule on the kernel's ids, its ids shown as the
# namespace maps them. uid 1000 mapped to root: the outsider shows uid 0.
run_as 1000 1000 unshare -r sh -c \
	"access_probe record $outsider record 1 >/tmp/ns/userns.probe 2>&1
	 awk '\$1 == \"Uid:\" { u = \$2 } \$1 == \"Gid:\" { g = \$2 } END { print u, g }' \
		/proc/$outsider/status >/tmp/ns/userns.status"
sed 's/^/#   userns: /' /tmp/ns/userns.probe /tmp/ns/userns.status
access_probe record "$outsider" record 1 >/tmp/ns/initial.probe 2>&1
sed 's/^/#   initial: /' /tmp/ns/initial.probe
expect_cmd "control: from the initial namespaces, the outsider's record says uid 1000 gid 1000" \
	grep -q "^record $outsider uid 1000 gid 1000 " /tmp/ns/initial.probe
expect_cmd "user namespace alone: the outsider (same kernel uid) shows the uid its /proc shows: 0" sh -c \
	"[ \"\$(cat /tmp/ns/userns.status)\" = '0 0' ] &&
	 grep -q '^record $outsider uid 0 gid 0 ' /tmp/ns/userns.probe"
expect_cmd "user namespace alone: root's init is not readable (no capability outside it)" \
	grep -q '^record 1 absent$' /tmp/ns/userns.probe
# Root in a user namespace of its own with no mapping: init (kernel uid 0,
# the same ids) is readable, and every id is the overflow id, as its /proc
# shows it.
unshare -U sh -c \
	"access_probe record 1 >/tmp/ns/unmapped.probe 2>&1
	 awk '\$1 == \"Uid:\" { u = \$2 } \$1 == \"Gid:\" { g = \$2 } END { print u, g }' \
		/proc/1/status >/tmp/ns/unmapped.status"
sed 's/^/#   unmapped: /' /tmp/ns/unmapped.probe /tmp/ns/unmapped.status
expect_cmd "unmapped user namespace: init's ids read as its /proc shows them (the overflow id)" sh -c \
	"read u g </tmp/ns/unmapped.status && [ \"\$u\" = 65534 ] && [ \"\$g\" = 65534 ] &&
	 grep -q \"^record 1 uid \$u gid \$g ppid 0 \" /tmp/ns/unmapped.probe"
expect_cmd "control: from the initial namespaces, init's record says uid 0 gid 0" \
	grep -q '^record 1 uid 0 gid 0 ppid 0 ' /tmp/ns/initial.probe

# 4. The initial namespace is unchanged (every other test says so too): it
# still sees every process, the containers' among them, by its numbers.
expect_cmd "initial namespace: info_check still passes over every process" info_check
kill $(jobs -p) 2>/dev/null
wait 2>/dev/null
expect_cmd "every threshold armed here was removed with its file" test "$(stat_value thresholds_armed)" = 0
rmmod lattop
ktap_finished
