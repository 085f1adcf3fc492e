#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The module crate is formatted as the kernel formats its Rust: rustfmt with
# the kernel tree's .rustfmt.toml, over every file reached from the crate
# root (the generated bindings are include!d, so not reached). `make fmt`
# fixes what this finds. KTAP; a failure lists rustfmt's diff as "#" lines.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/lib/totals.sh"
rustfmt=${CARGO_HOME:-$HOME/.cargo}/bin/rustfmt
kdir=$("$repo/scripts/build-kernel.sh" --dir "${FLAVOUR:-debug}")
config=$kdir/source/.rustfmt.toml

echo "TAP version 13"
echo "1..1"
if out=$("$rustfmt" --check --color=never --edition 2021 --config-path "$config" "$repo/src/lattop.rs" 2>&1); then
	echo "ok 1 rustfmt --check with the kernel's .rustfmt.toml"
	totals_print 1 0 0
else
	echo "$out" | sed 's/^/#   /'
	echo "not ok 1 rustfmt --check with the kernel's .rustfmt.toml"
	totals_print 0 1 0
	exit 1
fi
