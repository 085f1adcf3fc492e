#!/usr/bin/env bash
# `make check`: builds what is missing, then boots the debug kernel and runs
# every guest test (tests/*.sh, plus the directories given as arguments, from
# `make check TESTS=dir`) while the host-side tests (tests/host/) run beside
# it. Prints the TAP streams and, last, "N passed, N failed, N skipped";
# exits non-zero on any failure.
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

# Every host test and run-guest.sh ends with the totals line of
# tests/lib/totals.sh. add_totals LOG STATUS NAME: adds LOG's totals; a run
# that exited non-zero without counting a failure counts one.
. tests/lib/totals.sh
pass=0 fail=0 skip=0
add_totals() {
	totals_read "$1" || true
	pass=$((pass + totals_pass)) fail=$((fail + totals_fail)) skip=$((skip + totals_skip))
	if [ "$2" -ne 0 ] && [ "$totals_fail" -eq 0 ]; then
		fail=$((fail + 1))
		echo "# $3 exited $2"
	fi
}

# The guest suite and the host tests run side by side: QEMU's TCG runs a
# guest on one host thread, so the suite takes one core and the host tests,
# some of which boot small guests of their own, the other. The suite's stream
# is shown as it runs, each host test's once it is done.
mkdir -p build
host_tests=()
for t in tests/host/*.sh; do
	[ -x "$t" ] && host_tests+=("$t")
done
run_host_tests() {
	local t log
	for t in "${host_tests[@]}"; do
		log=build/host-$(basename "$t" .sh).log
		"$t" >"$log" 2>&1
		echo $? >"$log.status"
	done
}
run_host_tests </dev/null &
host=$!

echo "# guest: $FLAVOUR kernel"
set +e
scripts/run-guest.sh check "${extra[@]}" | tee build/guest-check.log
status=${PIPESTATUS[0]}
wait "$host"
set -e

for t in "${host_tests[@]}"; do
	log=build/host-$(basename "$t" .sh).log
	echo "# host: $t"
	cat "$log"
	add_totals "$log" "$(cat "$log.status" 2>/dev/null || echo 1)" "$t"
done
add_totals build/guest-check.log "$status" scripts/run-guest.sh
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
