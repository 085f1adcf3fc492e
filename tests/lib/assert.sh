# SPDX-License-Identifier: GPL-2.0
# Assertions for lattop's guest tests, on top of the kernel's ktap_helpers.sh:
# each reports one KTAP case and, when it fails, what it saw.

# expect_eq DESCRIPTION ACTUAL EXPECTED
expect_eq() {
	if [ "$2" = "$3" ]; then
		ktap_test_pass "$1"
	else
		ktap_print_msg "expected '$3', got '$2'"
		ktap_test_fail "$1"
	fi
}

# expect_cmd DESCRIPTION COMMAND [ARG...]: passes when COMMAND succeeds
# (ktap_test_result word-splits its command; this does not).
expect_cmd() {
	description=$1
	shift
	if "$@"; then
		ktap_test_pass "$description"
	else
		ktap_print_msg "failed: $*"
		ktap_test_fail "$description"
	fi
}

# not COMMAND [ARG...]: succeeds when COMMAND fails, for expect_cmd.
not() {
	! "$@"
}
