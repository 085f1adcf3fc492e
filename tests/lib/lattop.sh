# SPDX-License-Identifier: GPL-2.0
# Reading lattop's files in guest tests.
#
# A read of /proc/lattop frees the exited tasks it shows, so tests read it
# once into a snapshot (take_snapshot) and query that.

SNAPSHOT=/tmp/lattop.snapshot

# lattop_insmod [PARAM=VALUE...]: loads $LATTOP_KO with those parameters,
# and with hooks=$LATTOP_HOOKS when that is set (the runner sets it for the
# second run of a script that has a "# lattop-hooks: BACKEND" line).
lattop_insmod() {
	insmod "$LATTOP_KO" ${LATTOP_HOOKS:+hooks=$LATTOP_HOOKS} "$@"
}

# take_snapshot: reads /proc/lattop once, for the report_* functions.
take_snapshot() {
	cat /proc/lattop >"$SNAPSHOT"
}

# report_row TID: TID's line of the snapshot, or nothing.
report_row() {
	awk -v tid="$1" 'NR > 1 && $1 == tid { print; exit }' "$SNAPSHOT"
}

# report_field TID COLUMN: one column (SLEEPS, TOTAL_US, MAX_US...) of
# TID's row; 0 when lattop does not list it.
report_field() {
	awk -v tid="$1" -v col="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) index_of[$i] = i; next }
		$1 == tid { print $(index_of[col]); found = 1; exit }
		END { if (!found) print 0 }' "$SNAPSHOT"
}

# report_trace TID: the lines of TID's worst trace (its "trace" line and
# frames, indentation removed).
report_trace() {
	awk -v tid="$1" '
		/^[0-9]/ { in_task = ($1 == tid); next }
		in_task { sub(/^ +/, ""); print }' "$SNAPSHOT"
}

# stat_value NAME: a counter of /proc/lattop_stats ("tasks", "dropped_busy"...).
stat_value() {
	awk -v name="$1" '$1 == name { print $2; exit }' /proc/lattop_stats
}

# probe_field SYMBOL FIELD: one number of a probe's line (events, time_ns,
# missed).
probe_field() {
	awk -v sym="$1" -v field="$2" '$1 == "probe" && $2 == sym {
		for (i = 3; i < NF; i += 2) if ($i == field) { print $(i + 1); exit } }' /proc/lattop_stats
}

# probe_events SYMBOL: the events a probe has handled.
probe_events() {
	probe_field "$1" events
}

# migrate_hook: the hook that sees migrations, for probe_events: the
# sched_migrate_task tracepoint, or with LATTOP_HOOKS=kprobe the
# deactivate_task probe.
migrate_hook() {
	if [ "${LATTOP_HOOKS:-tracepoint}" = kprobe ]; then echo deactivate_task; else echo sched_migrate_task; fi
}

# within VALUE LOW HIGH: LOW <= VALUE <= HIGH, integers.
within() {
	[ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

# show_drops: the drop counters, as a KTAP comment.
show_drops() {
	ktap_print_msg "drops: no_node $(stat_value dropped_no_node)" \
		"task_cap $(stat_value dropped_task_cap) traces $(stat_value dropped_traces)" \
		"busy $(stat_value dropped_busy)"
}

# info_field PID COLUMN: one column (SLEEPS, UID, THREADS...) of PID's line
# in `lattop info`; nothing when it is not listed.
info_field() {
	lattop info | awk -v pid="$1" -v col="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) index_of[$i] = i; next }
		$1 == pid { print $(index_of[col]); exit }'
}

# wait_for_line FILE TEXT: waits (up to 60 s) until FILE has a line TEXT.
wait_for_line() {
	i=0
	while ! grep -qx "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 600 ] && return 1
		sleep 0.1
	done
}

# start_watch OUT WATCH_ARGS...: runs `lattop watch WATCH_ARGS --json` in the
# background, its events in OUT and its messages in OUT.err, and waits
# until it has armed its threshold. Sets WATCH_PID.
start_watch() {
	out=$1
	shift
	lattop watch "$@" --json >"$out" 2>"$out.err" &
	WATCH_PID=$!
	wait_for_line "$out.err" "lattop: watching .*" ||
		{ cat "$out.err"; return 1; }
}

# count_kind OUT KIND: how many events of KIND (crossed, exited) OUT has.
count_kind() {
	grep -c "\"kind\":\"$2\"" "$1"
}

# json_field OUT FIELD: FIELD of each event in OUT (- for standard input),
# one per line.
json_field() {
	if [ "$1" = - ]; then
		sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p"
	else
		sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" "$1"
	fi
}

# level_events_ok OUT above|below LEVEL MIN: OUT's crossed events are at
# least MIN, each on that side of LEVEL, and each differs from the one
# before (LEVEL fires on every change).
level_events_ok() {
	grep '"kind":"crossed"' "$1" | json_field - value | awk -v side="$2" -v level="$3" -v min="$4" '
		{ n++; if ((side == "above") != ($1 >= level)) bad++; if (n > 1 && $1 == prev) bad++; prev = $1 }
		END { exit !(n >= min && !bad) }'
}

# wait_helper_line FILE PREFIX: waits for a line of FILE starting with
# PREFIX and prints it.
wait_helper_line() {
	wait_for_line "$1" "$2.*" || return 1
	grep "^$2" "$1" | head -n 1
}
