#!/usr/bin/env bash
# Builds the lattop CLI (tools/lattop) statically linked, so the guest needs
# no libc, and copies it to build/guest-bin/lattop. Quiet unless something
# fails; cargo rebuilds only when a source changed.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
crate=$repo/tools/lattop
target=x86_64-unknown-linux-gnu
cargo_bin=${CARGO_HOME:-$HOME/.cargo}/bin

# The rustup toolchain's cargo and rustc: the Makefile exports
# RUSTC=/usr/bin/rustc, Debian's older rustc kept for the kernel. --target
# keeps RUSTFLAGS off the build script and proc macros, which must stay
# dynamic host programs.
RUSTC=$cargo_bin/rustc RUSTFLAGS="-C target-feature=+crt-static" \
	"$cargo_bin/cargo" build --quiet --release --locked --target "$target" \
	--manifest-path "$crate/Cargo.toml" --target-dir "$crate/target"

exe=$crate/target/$target/release/lattop
# file(1) says "static-pie linked" for a static position-independent binary.
if ! file "$exe" | grep -Eq 'statically linked|static-pie linked'; then
	echo "build-cli: $exe is not statically linked: $(file -b "$exe")" >&2
	exit 1
fi
mkdir -p "$repo/build/guest-bin"
if ! cmp -s "$exe" "$repo/build/guest-bin/lattop"; then
	# Renamed into place: a guest being packed meanwhile takes a whole one.
	cp "$exe" "$repo/build/guest-bin/lattop.$$"
	mv -f "$repo/build/guest-bin/lattop.$$" "$repo/build/guest-bin/lattop"
fi
