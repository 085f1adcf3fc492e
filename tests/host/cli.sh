#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The lattop CLI (tools/lattop) on the host: formatted, clippy-clean, its
# tests pass, and the static build for the guest links and runs. KTAP output
# as kselftest prints it; a failing step's output follows as "#" lines.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/lib/totals.sh"
crate=$repo/tools/lattop
cargo_bin=${CARGO_HOME:-$HOME/.cargo}/bin
# The rustup toolchain, not the Makefile's RUSTC=/usr/bin/rustc (the kernel's).
export RUSTC=$cargo_bin/rustc
cargo=$cargo_bin/cargo
export CARGO_TERM_COLOR=never

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
number=0 pass=0 fail=0

# step DESCRIPTION COMMAND...: one test point, passing when COMMAND does.
step() {
	local description=$1
	shift
	number=$((number + 1))
	if (cd "$crate" && "$@") >"$work/out" 2>&1; then
		pass=$((pass + 1))
		echo "ok $number $description"
	else
		fail=$((fail + 1))
		sed 's/^/#   /' "$work/out"
		echo "not ok $number $description"
	fi
}

# The guest's binary, built as scripts/mkinitramfs.sh builds it, says the
# module is missing in one line and exits 1 when there is no allpids.
guest_binary_reports_no_module() {
	"$repo/scripts/build-cli.sh" || return 1
	local want="lattop: $work/allpids/info: No such file or directory (is the lattop module loaded?)"
	local status=0
	LATTOP_PROC=$work "$repo/build/guest-bin/lattop" info >"$work/stdout" 2>"$work/stderr" || status=$?
	[ "$status" -eq 1 ] && [ ! -s "$work/stdout" ] && [ "$(cat "$work/stderr")" = "$want" ] && return 0
	echo "exit status $status, stderr: $(cat "$work/stderr")"
	echo "wanted status 1, stderr: $want"
	return 1
}

echo "TAP version 13"
echo "1..4"
step "cargo fmt --check" "$cargo" fmt --check -- --color=never
step "cargo clippy --all-targets -- -D warnings" "$cargo" clippy --quiet --locked --all-targets -- -D warnings
step "cargo test" "$cargo" test --quiet --locked
step "the static guest build reports a missing module" guest_binary_reports_no_module
totals_print "$pass" "$fail" 0
[ "$fail" -eq 0 ]
