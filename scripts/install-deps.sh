#!/usr/bin/env bash
# Install everything a fresh Debian 12 machine needs to build the kernel, the
# module, the CLI and the QEMU guest. Idempotent: returns quickly when all is
# already there.
set -euo pipefail

# Pinned: the bindgen release lattop is tested with (6.12 needs >= 0.65.1;
# Debian 12's own bindgen package is 0.60, too old).
BINDGEN_VERSION=0.73.2

APT_PACKAGES=(
	# kernel build
	build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils kmod python3
	# kernel Rust: rustc 1.9x as /usr/bin/rustc and the core library source
	rustc-web rust-web-src libclang-dev
	# 7.3's bindgen wants libclang 17 or later (bookworm's default is 14)
	libclang-19-dev
	# guest
	qemu-system-x86 busybox-static
	# the benchmarks' Debian userland, for bpftrace; curl fetches the QEMU
	# plugin header (scripts/build-qemu-plugin.sh)
	debootstrap curl
	# the CLI (built with the rustup toolchain): file(1) checks it is static;
	# lattop top is tested in a real terminal, tmux's
	file tmux
	# the package whose tarball is our kernel source
	linux-source-6.12
)

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: apt-get install ${missing[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

CARGO_BIN=${CARGO_HOME:-$HOME/.cargo}/bin
if ! "$CARGO_BIN/bindgen" --version 2>/dev/null | grep -qx "bindgen $BINDGEN_VERSION"; then
	echo "install-deps: cargo install bindgen-cli $BINDGEN_VERSION"
	cargo install --locked --quiet bindgen-cli --version "$BINDGEN_VERSION"
fi
