#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `lattop top` as a person uses it, in a real terminal: tmux runs it, sends
# it keys (send-keys) and the test reads the screen (capture-pane). Its input
# is a traces file the test rewrites between refreshes (--input), so what
# each interval shows is known: the rows' order, the interval's figures, the
# processes view, the sort and filter keys, the selected row's worst trace
# with a user frame named from a binary's symbol table (nm is the ground
# truth), an unreadable file said on the status line, and q restoring the
# terminal.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/lib/totals.sh"
crate=$repo/tools/lattop
cargo_bin=${CARGO_HOME:-$HOME/.cargo}/bin
export RUSTC=$cargo_bin/rustc CARGO_TERM_COLOR=never

work=$(mktemp -d)
socket=lattop-top-$$
tmux_() { tmux -L "$socket" "$@"; }
trap 'tmux_ kill-server 2>/dev/null; rm -rf "$work"' EXIT
number=0 pass=0 fail=0

echo "TAP version 13"
echo "1..10"

# check DESCRIPTION COMMAND...: one test point; a failure shows the screen.
check() {
	local description=$1
	shift
	number=$((number + 1))
	if "$@"; then
		pass=$((pass + 1))
		echo "ok $number $description"
	else
		fail=$((fail + 1))
		sed 's/^/#   /' "$work/screen"
		echo "not ok $number $description"
	fi
}

bail() {
	echo "Bail out! $*"
	totals_print "$pass" 1 0
	exit 1
}

"$cargo_bin/cargo" build --quiet --release --locked --manifest-path "$crate/Cargo.toml" ||
	bail "the CLI does not build"
lattop=$crate/target/release/lattop

# A binary with symbols: the named_frames helper, built here. Its
# outer_frame+0x5, as a file offset (from its program headers), is the user
# frame the canned trace holds.
gcc -O1 -g -fno-omit-frame-pointer -o "$work/named_frames" "$repo/tests/helpers/named_frames.c" ||
	bail "named_frames does not build"
vaddr=$((16#$(nm "$work/named_frames" | awk '$3 == "outer_frame" { print $1 }') + 5))
offset=
while read -r type off va _ _ memsize _; do
	[ "$type" = LOAD ] && [ "$vaddr" -ge $((va)) ] && [ "$vaddr" -lt $((va + memsize)) ] &&
		offset=$(printf 0x%x $((vaddr - va + off)))
done < <(readelf -lW "$work/named_frames")
[ -n "$offset" ] || bail "no LOAD segment holds outer_frame"

# traces ALPHA_TOTAL BETA_TOTAL: a traces file; alpha (tid 100) and two
# threads of beta (200, 201), and a kernel thread that never changes.
traces() {
	cat <<END
lattop-traces 1
file 1 $work/named_frames
task 100 100 alpha user live $(($1 / 1000)) $1 1000
trace $1 $(($1 / 1000)) 1000
k do_nanosleep+0x1/0x2
u 0x$(printf %x $vaddr) 1 $offset
task 200 200 beta user live 1 5000 5000
trace 5000 1 5000
k pipe_read+0x1/0x2
task 201 200 beta user live $(($2 / 1000)) $2 1000
trace $2 $(($2 / 1000)) 1000
k futex_wait+0x1/0x2
task 2 2 kthreadd kernel live 1 100 100
trace 100 1 100
k kthreadd+0x1/0x2
END
}
input=$work/input
write_input() { traces "$1" "$2" >"$input.new" && mv "$input.new" "$input"; }

screen() { tmux_ capture-pane -p -t top >"$work/screen"; }
# wait_for TEXT: until the screen shows TEXT (5 s at most).
wait_for() {
	for _ in $(seq 50); do
		screen
		grep -qF -- "$1" "$work/screen" && return 0
		sleep 0.1
	done
	return 1
}
# first_row: the first table row after the header.
first_row() { awk '/^ *TID|^ *PID/ { getline; print; exit }' "$work/screen"; }

write_input 1000 1000
tmux_ -f /dev/null new-session -d -s top -x 110 -y 40 \
	"stty -g >$work/stty.before; $lattop top --input $input --interval 0.5; echo \"exit \$?\" >$work/status; stty -g >$work/stty.after; sleep 30" ||
	bail "tmux cannot start"
wait_for "lattop top:" || bail "lattop top did not draw"
sleep 0.7 # one refresh: the baseline
write_input 4000 2200

sorted_by_interval() {
	wait_for "3.000" && first_row | grep -q "^ *100 .* 3.000 .*alpha" &&
		awk '/^ *TID/ { getline; getline; exit !($1 == 201 && $3 == "1.200") }' "$work/screen"
}
check "the rows sort by the last interval's off-CPU time: alpha (3 ms) above beta's thread 201 (1.2 ms)" \
	sorted_by_interval
check "the selected row's worst trace has its user frame named from the symbol table" \
	grep -q "outer_frame+0x5 (named_frames)" "$work/screen"
check "the kernel frame is as the kernel prints it" grep -q "do_nanosleep+0x1/0x2" "$work/screen"

tmux_ send-keys -t top p
processes_view() { wait_for "lattop top: processes" && grep -q "^ *200 *2 " "$work/screen"; }
check "p shows processes: beta's two threads in one row" processes_view
tmux_ send-keys -t top s
sorted_by_total() { wait_for "by total off-CPU time" && first_row | grep -q "^ *200 .*7.200 .*beta"; }
check "s sorts by total off-CPU time: beta (5 ms + 2.2 ms) first" sorted_by_total
tmux_ send-keys -t top p / b e t Enter
filtered() {
	wait_for 'comm containing "bet"' && ! grep -q alpha "$work/screen" && grep -q "^ *201 " "$work/screen"
}
check "/ filters by command name: only beta's threads" filtered

rm -f "$input"
check "an unreadable input is said on the status line, and top keeps running" \
	wait_for "lattop: $input: No such file"
write_input 4000 2200
check "it recovers when the file is back" \
	wait_for "q quit"

tmux_ send-keys -t top q
for _ in $(seq 50); do [ -s "$work/status" ] && break; sleep 0.1; done
screen
check "q quits with status 0" grep -qx "exit 0" "$work/status"
restored() { cmp -s "$work/stty.before" "$work/stty.after" && ! grep -q "lattop top:" "$work/screen"; }
check "the terminal is restored: its modes as before, the screen left" restored
totals_print "$pass" "$fail" 0
[ "$fail" -eq 0 ]
