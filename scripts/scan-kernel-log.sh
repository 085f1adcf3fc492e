#!/usr/bin/env bash
# Prints the lines of a guest's kernel log that report a kernel problem: a
# WARNING or BUG, a lockdep, KFENCE, SLUB, kmemleak or atomic-sleep report,
# a soft lockup, an Oops, a panic, a Rust panic, an RCU stall or a hung
# task. Exits 1 if there is one, 0 if the log is clean, 2 if it is missing.
#
#   scripts/scan-kernel-log.sh build/check/console.log
set -euo pipefail
log=${1:?usage: scan-kernel-log.sh LOG}
[ -r "$log" ] || { echo "scan-kernel-log: no log at $log" >&2; exit 2; }

patterns=(
	'WARNING:'                      # WARN(), lockdep's and RCU's reports
	'BUG:'                          # BUG(), KFENCE, atomic sleep, bad spinlock, lockdep
	'kernel BUG at'
	'Oops'
	'Kernel panic'
	'general protection fault'
	'Unable to handle'
	'scheduling while atomic'
	'possible recursive locking'
	'possible circular locking'
	'inconsistent lock state'
	'suspected memory leak'         # kmemleak
	'Poison overwritten'            # SLUB debugging: a write after free
	'Redzone overwritten'           # SLUB debugging: a write past the end
	'Object already free'           # SLUB debugging: a double free
	'Freepointer corrupt'
	'panicked at'                   # a Rust panic
	'UBSAN:'
	'self-detected stall'
	'detected stalls'
	'blocked for more than'         # hung task
	'Call Trace:'                   # any other stack dump
)
args=()
for p in "${patterns[@]}"; do
	args+=(-e "$p")
done
# Strip the serial line's carriage returns before printing.
if tr -d '\r' <"$log" | grep -F "${args[@]}"; then
	exit 1
fi
exit 0
