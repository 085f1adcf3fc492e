#!/usr/bin/env bash
# Build lattop.ko: against $KDIR when set, else against the cached kernel of
# $FLAVOUR (debug by default), installing and building what is missing.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
RUSTC=${RUSTC:-/usr/bin/rustc}
BINDGEN=${BINDGEN:-${CARGO_HOME:-$HOME/.cargo}/bin/bindgen}

kdir=${KDIR:-}
if [ -z "$kdir" ]; then
	"$repo/scripts/install-deps.sh"
	kdir=$("$repo/scripts/build-kernel.sh" "${FLAVOUR:-debug}" | tail -n 1)
fi
make -C "$kdir" M="$repo" RUSTC="$RUSTC" BINDGEN="$BINDGEN" modules
