#!/usr/bin/env bash
# `make check`: builds what is missing, runs the host-side tests (tests/host/),
# then boots the debug kernel and runs every guest test (tests/*.sh, plus the
# directories given as arguments, from `make check TESTS=dir`). Prints the TAP
# streams and, last, "N passed, N failed, N skipped"; exits non-zero on any
# failure.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export FLAVOUR=${FLAVOUR:-debug}

extra=()
for dir in "$@"; do
	[ -d "$dir" ] || { echo "check: TESTS=$dir is not a directory" >&2; exit 2; }
	extra+=("$(cd "$dir" && pwd)")
done

scripts/build-module.sh

pass=0 fail=0 skip=0
add_totals() { # "pass=N fail=N skip=N" or kselftest's "pass:N fail:N ... skip:N"
	local p f s
	p=$(echo "$1" | sed -n 's/.* pass[=:]\([0-9]*\).*/\1/p')
	f=$(echo "$1" | sed -n 's/.* fail[=:]\([0-9]*\).*/\1/p')
	s=$(echo "$1" | sed -n 's/.*skip[=:]\([0-9]*\).*/\1/p')
	pass=$((pass + ${p:-0})) fail=$((fail + ${f:-0})) skip=$((skip + ${s:-0}))
}

mkdir -p build
for t in tests/host/*.sh; do
	[ -x "$t" ] || continue
	echo "# host: $t"
	log=build/host-$(basename "$t" .sh).log
	set +e
	"$t" 2>&1 | tee "$log"
	status=${PIPESTATUS[0]}
	set -e
	totals=$(grep '^# Totals:' "$log" | tail -n 1 || true)
	if [ -n "$totals" ]; then
		add_totals "$totals"
	fi
	if [ "$status" -ne 0 ] && ! echo "$totals" | grep -q ' fail:[1-9]'; then
		fail=$((fail + 1))
		echo "# $t exited $status"
	fi
done

echo "# guest: $FLAVOUR kernel"
set +e
scripts/run-guest.sh check "${extra[@]}" | tee build/guest-check.log
status=${PIPESTATUS[0]}
set -e
totals=$(grep '^# lattop totals:' build/guest-check.log | tail -n 1 || true)
if [ -n "$totals" ]; then
	add_totals "$totals"
elif [ "$status" -ne 0 ]; then
	fail=$((fail + 1))
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
