#!/usr/bin/env bash
# `make check`: builds what is missing, then boots the debug kernel and runs
# every guest test (tests/*.sh, plus the directories given as arguments, from
# `make check TESTS=dir`), split over LATTOP_SHARDS guests, while the
# host-side tests (tests/host/) run beside them. Prints the TAP streams and, last, "N passed, N failed, N skipped";
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

# The guest suite runs as LATTOP_SHARDS guests side by side (default 2, each
# a share of the tests by their declared time: scripts/guest/run-tests.sh),
# beside the host tests, some of which boot small guests of their own:
# QEMU's TCG runs a guest on one host thread, so on two cores one guest
# alone leaves a core idle. The first shard's stream is shown as it runs,
# the others' and each host test's once done.
shards=${LATTOP_SHARDS:-2}
case $shards in [1-9]) ;; *) echo "check: LATTOP_SHARDS=$shards is not 1 to 9" >&2; exit 2 ;; esac
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
background=($!)
# run_shard I: the guest with the I-th of every $shards tests, its stream
# in build/guest-check-I.log and its exit status in that log's .status.
run_shard() {
	LATTOP_SHARD=$1/$shards LATTOP_RUN_DIR=build/check-$1 \
		scripts/run-guest.sh check "${extra[@]}" >"build/guest-check-$1.log" 2>&1
	echo $? >"build/guest-check-$1.log.status"
}
for ((i = 2; i <= shards; i++)); do
	run_shard "$i" </dev/null &
	background+=($!)
done

echo "# guest: $FLAVOUR kernel, shard 1/$shards"
set +e
LATTOP_SHARD=1/$shards LATTOP_RUN_DIR=build/check-1 \
	scripts/run-guest.sh check "${extra[@]}" | tee build/guest-check-1.log
echo "${PIPESTATUS[0]}" >build/guest-check-1.log.status
wait "${background[@]}"
set -e

for ((i = 2; i <= shards; i++)); do
	echo "# guest: $FLAVOUR kernel, shard $i/$shards"
	cat "build/guest-check-$i.log"
done
for t in "${host_tests[@]}"; do
	log=build/host-$(basename "$t" .sh).log
	echo "# host: $t"
	cat "$log"
	add_totals "$log" "$(cat "$log.status" 2>/dev/null || echo 1)" "$t"
done
for ((i = 1; i <= shards; i++)); do
	log=build/guest-check-$i.log
	add_totals "$log" "$(cat "$log.status" 2>/dev/null || echo 1)" "guest shard $i/$shards"
done
# What failed, again at the end, where a reader of a long log (or of its
# tail only) looks first: each failed case with the test it belongs to.
if [ "$fail" -ne 0 ]; then
	echo "# failures:"
	awk 'FNR == 1 { test = "" }
		/^# selftests: / { test = $4 ($5 != "" ? " " $5 : "") ": " }
		/^not ok / { print "#   " FILENAME ": " $0; next }
		/^(# )+not ok / { sub(/^(# )+/, ""); print "#   " FILENAME ": " test $0 }' \
		build/guest-check-*.log build/host-*.log
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
