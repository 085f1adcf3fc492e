#!/usr/bin/env bash
# Build the Rust-enabled test kernel from Debian's linux-source package of
# the kernel $KERNEL names: 6.12 (the default, Debian 12's) or 7.3 (Debian's
# trixie-backports; scripts/kernel-source.sh fetches it).
#
#   scripts/build-kernel.sh [debug|perf]        build if needed; print the tree
#   scripts/build-kernel.sh --dir [debug|perf]  only print where the tree is
#
# The config fragments are scripts/config/base.config, the flavour's, then
# kernel-$KERNEL.config and <flavour>-$KERNEL.config when there are (what
# that kernel spells differently; a later fragment's setting of an option
# wins).
#
# The tree lives outside the repo, in $LATTOP_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/lattop), in a folder named after the kernel
# package version and a hash of everything that shapes the build (the config
# fragments, rustc and bindgen), so a second run rebuilds nothing and a changed
# fragment gets a fresh tree. The last line on stdout is the tree's path: the
# KDIR out-of-tree modules build against; its bzImage is arch/x86/boot/bzImage.
set -euo pipefail

only_print=
if [ "${1:-}" = --dir ]; then
	only_print=1
	shift
fi
flavour=${1:-debug}
repo=$(cd "$(dirname "$0")/.." && pwd)
kernel=${KERNEL:-6.12}
fragments=("$repo/scripts/config/base.config" "$repo/scripts/config/$flavour.config")
[ -f "${fragments[1]}" ] || { echo "build-kernel: no flavour '$flavour' (scripts/config/)" >&2; exit 2; }
for extra in "kernel-$kernel" "$flavour-$kernel"; do
	[ ! -f "$repo/scripts/config/$extra.config" ] || fragments+=("$repo/scripts/config/$extra.config")
done

cache=${LATTOP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lattop}
RUSTC=${RUSTC:-/usr/bin/rustc}
BINDGEN=${BINDGEN:-${CARGO_HOME:-$HOME/.cargo}/bin/bindgen}
. "$repo/scripts/kernel-env.sh"

read -r tarball pkgver < <("$repo/scripts/kernel-source.sh" "$kernel") || exit 1
key=$({ echo "$pkgver"; cat "${fragments[@]}" "$0"; "$RUSTC" --version; "$BINDGEN" --version; } |
	sha256sum | cut -c1-12)
# Debian versions carry '~', which has no place in a path make handles.
version=${pkgver//\~/_}
src=$cache/src/linux-$version
out=$cache/kernel/$flavour-$version-$key
stamp=$out/.lattop-built

if [ -n "$only_print" ] || [ -f "$stamp" ]; then
	echo "$out"
	exit 0
fi

# One build at a time per cache: a second `make` waits, then finds the tree.
mkdir -p "$cache"
exec 9>"$cache/.build.lock"
flock 9
if [ -f "$stamp" ]; then
	echo "$out"
	exit 0
fi

kmake() {
	make -C "$src" O="$out" RUSTC="$RUSTC" HOSTRUSTC="$RUSTC" BINDGEN="$BINDGEN" "$@"
}

if [ ! -d "$src" ]; then
	echo "build-kernel: extracting $tarball" >&2
	mkdir -p "$cache/src"
	tmp=$(mktemp -d "$cache/src/.extract.XXXXXX")
	tar -xf "$tarball" -C "$tmp"
	mv "$tmp/linux-source-$kernel" "$src"
	rmdir "$tmp"
fi

echo "build-kernel: configuring $flavour in $out" >&2
rm -rf "$out"
# A tree built from older fragments makes a good start: Kbuild tracks each
# object's config dependencies, so only what the changed options touch rebuilds.
previous=$(ls -dt "$cache/kernel/$flavour-$kernel".*/.lattop-built 2>/dev/null | head -n 1 || true)
if [ -n "$previous" ]; then
	echo "build-kernel: starting from ${previous%/.lattop-built}" >&2
	cp -a "${previous%/.lattop-built}" "$out"
	rm -f "$out/.lattop-built"
else
	mkdir -p "$out"
fi
kmake -s tinyconfig >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${fragments[@]}" >/dev/null
kmake -s olddefconfig >&2

# merge_config only warns when Kconfig drops an option whose dependencies are
# unmet; a test kernel silently missing lockdep is worse than no kernel. Each
# option's last setting in the fragments is the one that must stick.
dropped=0
declare -A wanted=()
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) wanted[${line%%=*}]=$line ;;
	"# CONFIG_"*" is not set")
		option=${line#\# }
		wanted[${option%% *}]=$line ;;
	esac
done < <(cat "${fragments[@]}")
for option in "${!wanted[@]}"; do
	line=${wanted[$option]}
	case "$line" in
	CONFIG_*=*)
		grep -qx "$line" "$out/.config" || { echo "build-kernel: $line did not stick" >&2; dropped=1; } ;;
	*)
		! grep -q "^$option=" "$out/.config" || { echo "build-kernel: $line did not stick" >&2; dropped=1; } ;;
	esac
done
[ "$dropped" -eq 0 ] || exit 1

kmake -s rustavailable >&2
echo "build-kernel: building bzImage and modules (-j$(nproc)); about 6 minutes on 2 cores" >&2
kmake -s -j"$(nproc)" bzImage modules >&2
# The tree's UAPI headers, in usr/include: the guest's copy of the kernel's
# own getdelays (tools/accounting/) is built against them.
kmake -s headers >&2

# One tree per flavour and kernel is enough: drop trees built from older
# fragments.
for old in "$cache/kernel/$flavour-$kernel".*; do
	[ "$old" = "$out" ] || rm -rf "$old"
done
touch "$stamp"
echo "$out"
