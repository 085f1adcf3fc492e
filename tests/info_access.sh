#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The access rule of the README's bulk-transfer section ("Who sees what"),
# case by case: a plain user (uid 1000, gid 1000) sees a process in
# /proc/allpids/info, opens its /proc/allpids/<pid>/info and arms its
# notifier files only if its real, effective and saved uids are 1000, its
# gids 1000, and it is dumpable. Each target states its credentials as
# /proc/self/status and prctl(PR_GET_DUMPABLE) show them (cred_target), the
# ground truth each case checks first; the observer decodes the snapshot
# itself (access_probe, with the UAPI header). Then: the rule is applied
# with the opener's credentials, at open(); and root without CAP_SYS_PTRACE
# is refused by the module itself (not by the files' mode).
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

# Per-process notifier files: every resource but process_count (README).
NOTIFIER_FILES=7

ktap_print_header
ktap_set_plan 19

lattop_insmod || ktap_exit_fail_msg "insmod failed"

# start NAME CMD...: starts a target, waits for its credentials line.
start() {
	name=$1
	shift
	"$@" >"/tmp/target.$name" 2>&1 &
	wait_helper_line "/tmp/target.$name" "pid " >/dev/null ||
		ktap_exit_fail_msg "target $name did not start: $(cat "/tmp/target.$name")"
}

# creds NAME: the target's line without its pid ("uid R E S gid R E S
# dumpable D").
creds() {
	sed -n 's/^pid [0-9]* //p' "/tmp/target.$1"
}

# target_pid NAME
target_pid() {
	awk '$1 == "pid" { print $2; exit }' "/tmp/target.$1"
}

# observe NAME: uid 1000 (gid 1000, no other groups) looks at target NAME:
# is it in a snapshot, can it read its info, and arm each notifier file.
observe() {
	pid=$(target_pid "$1")
	set -- "$1" fresh self fresh "$pid" info "/proc/allpids/$pid/info"
	for f in /proc/allpids/"$pid"/notifier/*; do
		set -- "$@" arm "$f"
	done
	name=$1
	shift
	run_as 1000 1000 access_probe "$@" >"/tmp/observe.$name" 2>&1
	sed 's/^/#   /' "/tmp/observe.$name"
}

# result NAME ACTION ARG: the word access_probe printed after "ACTION ARG".
result() {
	awk -v a="$2" -v b="$3" '$1 == a && $2 == b { print $3; exit }' "/tmp/observe.$1"
}

# arms NAME ERRNO: each notifier file of the target opened, and its write
# got ERRNO (ok: armed).
arms() {
	n=$(grep -c '^arm ' "/tmp/observe.$1")
	other=$(grep '^arm ' "/tmp/observe.$1" | grep -vc " open ok write $2\$")
	[ "$n" -eq $NOTIFIER_FILES ] && [ "$other" -eq 0 ]
}

# seen NAME listed|absent ok|EACCES: the observer saw itself (so its reads
# worked), the target was LISTED or not in its snapshot, and opening the
# target's info gave the errno.
seen() {
	pid=$(target_pid "$1")
	[ "$(result "$1" fresh self)" = listed ] && [ "$(result "$1" fresh "$pid")" = "$2" ] &&
		[ "$(result "$1" info "/proc/allpids/$pid/info")" = "$3" ]
}

# The targets. plain: the control, run_as's exec leaves it dumpable.
start plain run_as 1000 1000 cred_target plain
start other_gid run_as 1000 1001 cred_target plain
start undumpable run_as 1000 1000 cred_target undumpable
# setresuid() from root to 1000 without exec: the kernel makes it
# non-dumpable, its ids all 1000; made dumpable again, the control.
start setuid cred_target setuid 1000 1000
start setuid_dumpable cred_target setuid_dumpable 1000 1000
# Real and effective uid 1000, saved uid 0, dumpable: only the saved id.
start saved_root cred_target saved_root 1000 1000
# A setuid-root program run by uid 1000 (a copy of cred_target, mode 4755,
# on /tmp, a tmpfs mounted without nosuid): real uid 1000, effective and
# saved 0, and the exec made it non-dumpable.
cp "$LATTOP_BIN/cred_target" /tmp/suid_target
chmod 4755 /tmp/suid_target
start suid_exec run_as 1000 1000 /tmp/suid_target plain
# The per-process directories follow within about 10 ms (README).
sleep 0.5
for name in plain other_gid undumpable setuid setuid_dumpable saved_root suid_exec; do
	ktap_print_msg "$name: pid $(target_pid "$name") $(creds "$name")"
	observe "$name"
done

SAME="uid 1000 1000 1000 gid 1000 1000 1000"
# shown NAME CREDS: NAME has the credentials CREDS (the premise), is in
# uid 1000's snapshot and its info opens.
shown() {
	[ "$(creds "$1")" = "$2" ] && seen "$1" listed ok
}
# hidden NAME CREDS: NAME has CREDS, is not in uid 1000's snapshot, and
# opening its info fails with EACCES.
hidden() {
	[ "$(creds "$1")" = "$2" ] && seen "$1" absent EACCES
}
expect_cmd "control: uid 1000 sees a plain uid 1000 process and reads its info" \
	shown plain "$SAME dumpable 1"
expect_cmd "control: and arms each of its notifier files" arms plain ok

# invisible NAME CREDS WHAT: two cases, NAME (credentials CREDS) hidden
# from uid 1000, and each of its notifier writes refused.
invisible() {
	expect_cmd "$3: invisible in /proc/allpids/info, its info EACCES" hidden "$1" "$2"
	expect_cmd "$3: each notifier write EACCES (open allowed, mode 0666)" arms "$1" EACCES
}
invisible other_gid "uid 1000 1000 1000 gid 1001 1001 1001 dumpable 1" "same uid, gid 1001"
invisible undumpable "$SAME dumpable 0" "PR_SET_DUMPABLE 0"
invisible setuid "$SAME dumpable 0" "root that setresuid() to 1000 (not dumpable)"
invisible saved_root "uid 1000 1000 0 gid 1000 1000 1000 dumpable 1" "saved uid 0"
invisible suid_exec "uid 1000 0 0 gid 1000 1000 1000 dumpable 0" "a setuid-root program run by uid 1000"
shown_armable() {
	shown "$1" "$2" && arms "$1" ok
}
expect_cmd "control: the setresuid() case made dumpable again is visible and armable" \
	shown_armable setuid_dumpable "$SAME dumpable 1"

# The rule is the opener's, at open(): root opens /proc/allpids/info, drops
# to 1000 (setresuid, all three), then reads: root's processes are there
# (init, pid 1, and this shell, both uid 0 by /proc). A snapshot opened
# after the drop does not show them: the drop took effect.
plain_pid=$(target_pid plain)
access_probe open setuid 1000 1000 held 1 held $$ fresh 1 fresh $$ fresh self >/tmp/observe.drop 2>&1
sed 's/^/#   /' /tmp/observe.drop
roots=$(awk '$1 == "Uid:" { print $2, $3, $4 }' /proc/1/status /proc/$$/status | tr '\n' ' ')
expect_cmd "a snapshot opened as root, read after setresuid(1000), shows root's processes" sh -c \
	"[ '$roots' = '0 0 0 0 0 0 ' ] && [ '$(result drop held 1)' = listed ] &&
	 [ '$(result drop held $$)' = listed ]"
expect_cmd "one opened after setresuid(1000) does not (but has the reader)" sh -c \
	"[ '$(result drop fresh 1)' = absent ] && [ '$(result drop fresh $$)' = absent ] &&
	 [ '$(result drop fresh self)' = listed ]"

# Root without CAP_SYS_PTRACE: the anypid and allpids files are root's
# (0600), so open succeeds (uid 0 owns them; CAP_DAC_OVERRIDE is kept
# anyway), and the module's own check refuses the write. The control: the
# same writes by root with every capability are accepted.
ROOT_FILES="/proc/anypid/notifier/memory_usage /proc/allpids/notifier/memory_usage
	/proc/allpids/notifier/process_count"
set --
for f in $ROOT_FILES; do set -- "$@" arm "$f"; done
access_probe "$@" >/tmp/observe.root 2>&1
sed 's/^/#   /' /tmp/observe.root
expect_cmd "control: root arms anypid and allpids thresholds" sh -c \
	"[ $(grep -c '^arm .* open ok write ok$' /tmp/observe.root) -eq 3 ]"
access_probe drop-ptrace "$@" fresh 1 fresh "$plain_pid" info "/proc/allpids/$plain_pid/info" \
	arm "/proc/allpids/$plain_pid/notifier/memory_usage" >/tmp/observe.noptrace 2>&1
sed 's/^/#   /' /tmp/observe.noptrace
expect_cmd "root without CAP_SYS_PTRACE (CAP_DAC_OVERRIDE kept): opens them, each write EACCES" sh -c \
	"grep -q '^caps sys_ptrace 0 dac_override 1$' /tmp/observe.noptrace &&
	 [ $(grep -c '^arm /proc/a[a-z]*/notifier/.* open ok write EACCES$' /tmp/observe.noptrace) -eq 3 ]"
# Without the capability, root is held to the uid rule like anyone: it
# sees root's init, not the uid 1000 process.
expect_cmd "and sees only processes of uid 0: not uid 1000's (info, notifier: EACCES)" sh -c \
	"[ '$(result noptrace fresh 1)' = listed ] && [ '$(result noptrace fresh "$plain_pid")' = absent ] &&
	 [ '$(result noptrace info "/proc/allpids/$plain_pid/info")' = EACCES ] &&
	 grep -q '^arm /proc/allpids/$plain_pid/notifier/memory_usage open ok write EACCES$' /tmp/observe.noptrace"

kill $(jobs -p) 2>/dev/null
wait 2>/dev/null
rm -f /tmp/suid_target
expect_cmd "every threshold armed here was removed with its file" test "$(stat_value thresholds_armed)" = 0
rmmod lattop
ktap_finished
