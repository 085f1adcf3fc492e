#!/usr/bin/env bash
# Builds bench/plugin/insn_count.c, the QEMU TCG plugin that counts the guest
# kernel's executed instructions by block, against the plugin header of the
# QEMU installed here. Debian ships QEMU without that header, so it is taken
# from the upstream source tarball of the same version in Debian's archive
# (the package registry), once, into the cache. Prints the plugin's path.
#
#   scripts/build-qemu-plugin.sh OUT_DIR
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: build-qemu-plugin.sh OUT_DIR}
cache=${LATTOP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lattop}/qemu

# 1:7.2+dfsg-7+deb12u18+b3 -> 7.2+dfsg, the orig tarball's version.
version=$(dpkg-query -W -f='${Version}' qemu-system-x86)
upstream=${version#*:}
upstream=${upstream%-*}
tarball=qemu_$upstream.orig.tar.xz
header_dir=$cache/$upstream
if [ ! -f "$header_dir/qemu-plugin.h" ]; then
	mkdir -p "$header_dir"
	mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
	url=${mirror:-http://deb.debian.org/debian}/pool/main/q/qemu/$tarball
	echo "build-qemu-plugin: the plugin header from $url" >&2
	curl -sSfL -o "$cache/$tarball" "$url"
	tar -xJf "$cache/$tarball" -C "$header_dir" --wildcards --strip-components=3 \
		'*/include/qemu/qemu-plugin.h'
	rm -f "$cache/$tarball"
fi
gcc -O2 -Wall -Wno-unused-parameter -Werror -shared -fPIC -I"$header_dir" \
	-o "$out/insn_count.so" "$repo/bench/plugin/insn_count.c"
echo "$out/insn_count.so"
