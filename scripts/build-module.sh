#!/usr/bin/env bash
# Build lattop.ko: against $KDIR when set, else against the cached kernel of
# $FLAVOUR (debug by default), installing and building what is missing.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
RUSTC=${RUSTC:-/usr/bin/rustc}
BINDGEN=${BINDGEN:-${CARGO_HOME:-$HOME/.cargo}/bin/bindgen}
. "$repo/scripts/kernel-env.sh"

kdir=${KDIR:-}
if [ -z "$kdir" ]; then
	"$repo/scripts/install-deps.sh"
	kdir=$("$repo/scripts/build-kernel.sh" "${FLAVOUR:-debug}" | tail -n 1)
fi
# Kbuild's command lines are the same for any tree built from one source, so
# it would keep objects built against another tree: clean when KDIR changes.
mkdir -p "$repo/build"
stamp=$repo/build/module-kdir
if [ "$(cat "$stamp" 2>/dev/null)" != "$kdir" ]; then
	make -s -C "$kdir" M="$repo" clean
	rm -f "$repo/src/sys/bindings_generated.rs" "$repo/src/sys/layout_generated.rs" "$repo/src/layout.s"
	echo "$kdir" >"$stamp"
fi
make -C "$kdir" M="$repo" RUSTC="$RUSTC" BINDGEN="$BINDGEN" modules
