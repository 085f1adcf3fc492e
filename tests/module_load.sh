#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# lattop-hooks: kprobe
#
# lattop.ko loads with a parameter, shows /proc/lattop to root only, unloads
# without a trace, and survives 20 load/unload cycles.
. "$LATTOP_LIB/ktap_helpers.sh"
. "$LATTOP_LIB/assert.sh"
. "$LATTOP_LIB/lattop.sh"

ktap_print_header
ktap_set_plan 14

if lattop_insmod max_rows=7; then
	ktap_test_pass "insmod lattop.ko max_rows=7 succeeds"
else
	ktap_exit_fail_msg "insmod lattop.ko failed"
fi

expect_eq "the max_rows parameter reads back 7" \
	"$(cat /sys/module/lattop/parameters/max_rows)" 7

expect_eq "/proc/lattop is mode 0400, owned by root" \
	"$(stat -c '%a %u' /proc/lattop)" "400 0"

expect_eq "root reads the report header" \
	"$(head -n 1 /proc/lattop)" "PID TGID COMM SLEEPS TOTAL_US MAX_US"

# Ground truth for "unprivileged" is the failing read, not the mode bits.
run_as 65534 65534 cat /proc/lattop >/tmp/nobody.out 2>&1
ktap_print_msg "nobody: $(cat /tmp/nobody.out)"
expect_cmd "an unprivileged user cannot read /proc/lattop" \
	grep -q "Permission denied" /tmp/nobody.out

expect_cmd "rmmod lattop succeeds" rmmod lattop

gone() {
	[ ! -e /proc/lattop ] && ! grep -q '^lattop ' /proc/modules &&
		[ ! -e /sys/module/lattop ]
}
expect_cmd "after rmmod, /proc/lattop and the module are gone" gone

# A probe symbol that does not exist (the kprobe hooks'): a clear error,
# nothing left behind.
# (Counted: a test run once per backend finds the first run's lines.)
logged=$(dmesg | grep -c 'lattop: cannot probe no_such_function')
insmod "$LATTOP_KO" hooks=kprobe block_symbol=no_such_function 2>/tmp/insmod.err
status=$?
ktap_print_msg "insmod hooks=kprobe block_symbol=no_such_function: exit $status, '$(cat /tmp/insmod.err)'"
expect_cmd "insmod with an unknown probe symbol fails, leaving nothing" \
	sh -c "[ $status -ne 0 ] && [ ! -e /proc/lattop ] && ! grep -q '^lattop ' /proc/modules"
expect_cmd "the kernel log names the symbol it could not probe" \
	test "$(dmesg | grep -c 'lattop: cannot probe no_such_function')" -gt "$logged"

# An event source that does not exist: the same.
logged=$(dmesg | grep -c 'lattop: hooks=no_such_source: tracepoint or kprobe')
insmod "$LATTOP_KO" hooks=no_such_source 2>/tmp/insmod.err
status=$?
ktap_print_msg "insmod hooks=no_such_source: exit $status, '$(cat /tmp/insmod.err)'"
expect_cmd "insmod with an unknown event source fails, leaving nothing" \
	sh -c "[ $status -ne 0 ] && [ ! -e /proc/lattop ] && ! grep -q '^lattop ' /proc/modules"
expect_cmd "the kernel log names the sources there are" \
	test "$(dmesg | grep -c 'lattop: hooks=no_such_source: tracepoint or kprobe')" -gt "$logged"

# A reader holding /proc/lattop open across rmmod: the unload does not wait
# for it, its next read fails cleanly, and its snapshot is freed (the
# kmemleak scan at the end of the run would report it otherwise).
lattop_insmod || ktap_exit_fail_msg "insmod failed"
exec 3</proc/lattop
first=$(head -c 3 <&3)
expect_cmd "rmmod succeeds while a reader holds /proc/lattop open" rmmod lattop
cat <&3 >/tmp/after.out 2>&1
status=$?
exec 3<&-
ktap_print_msg "read 3 bytes '$first' before; after rmmod: exit $status, '$(cat /tmp/after.out)'"
expect_cmd "its next read fails with EIO" \
	sh -c "[ $status -ne 0 ] && grep -q 'Input/output error' /tmp/after.out"

cycles() {
	i=0
	while [ $i -lt 20 ]; do
		lattop_insmod || return 1
		head -n 1 /proc/lattop >/dev/null || return 1
		rmmod lattop || return 1
		gone || return 1
		i=$((i + 1))
	done
}
expect_cmd "20 insmod/read/rmmod cycles" cycles

ktap_finished
