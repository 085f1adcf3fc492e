# SPDX-License-Identifier: GPL-2.0
# The one totals line of lattop's tests and runners, kselftest's (what the
# kernel's ktap_helpers.sh prints from ktap_finished):
#
#   # Totals: pass:N fail:N xfail:0 xpass:0 skip:N error:0
#
# Each guest test, each tests/host/*.sh, the guest runner (run-tests.sh) and
# scripts/run-guest.sh end with it, and whoever runs them reads the last one
# with totals_read. Plain sh: sourced by bash on the host (scripts/check.sh,
# scripts/run-guest.sh, tests/host/) and by busybox sh in the guest, where
# it is $LATTOP_LIB/totals.sh.

# totals_print PASS FAIL SKIP
totals_print() {
	echo "# Totals: pass:$1 fail:$2 xfail:0 xpass:0 skip:$3 error:0"
}

# totals_read FILE: FILE's last totals line into totals_pass, totals_fail
# and totals_skip, counting as kselftest does (an xfail passed; an xpass or
# an error failed). Returns 1, the three at 0, when FILE has no such line.
totals_read() {
	totals_pass=0 totals_fail=0 totals_skip=0
	set -- $(grep '^# Totals:' "$1" 2>/dev/null | tail -n 1)
	[ $# -gt 0 ] || return 1
	for totals_word in "$@"; do
		totals_n=${totals_word#*:}
		case $totals_n in '' | *[!0-9]*) continue ;; esac
		case $totals_word in
		pass:* | xfail:*) totals_pass=$((totals_pass + totals_n)) ;;
		fail:* | xpass:* | error:*) totals_fail=$((totals_fail + totals_n)) ;;
		skip:*) totals_skip=$((totals_skip + totals_n)) ;;
		esac
	done
}
