#!/usr/bin/env bash
# The Debian kernel source package of a kernel lattop supports, and its
# version: prints "TARBALL VERSION" (the tarball's top directory is
# linux-source-KERNEL).
#
#   scripts/kernel-source.sh 6.12   Debian 12's linux-source-6.12, installed
#                                   by scripts/install-deps.sh
#   scripts/kernel-source.sh 7.3    linux-source-7.3 from Debian's
#                                   trixie-backports, downloaded into the
#                                   cache (the system's apt configuration
#                                   is left as it is: a sources list and
#                                   state of its own, passed with -o; the
#                                   archive keyring bookworm ships already
#                                   holds trixie's keys) and unpacked there
set -euo pipefail
kernel=${1:?usage: kernel-source.sh 6.12|7.3}
cache=${LATTOP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lattop}

case $kernel in
6.12)
	version=$(dpkg-query -W -f '${Version}' linux-source-6.12 2>/dev/null) ||
		{ echo "kernel-source: linux-source-6.12 is not installed: run scripts/install-deps.sh" >&2; exit 1; }
	echo "/usr/src/linux-source-6.12.tar.xz $version"
	;;
7.3)
	suite=trixie-backports
	dir=$cache/debs/linux-source-7.3
	if [ ! -f "$dir/.unpacked" ]; then
		mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial"
		echo "deb http://deb.debian.org/debian $suite main" >"$dir/apt/sources.list"
		apt_opts=(-q -o "Dir::Etc::SourceList=$dir/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
			-o "Dir::State::Lists=$dir/apt/lists" -o "Dir::Cache=$dir/apt/cache"
			-o APT::Sandbox::User=root)
		echo "kernel-source: fetching linux-source-7.3 from $suite" >&2
		apt-get "${apt_opts[@]}" update >&2
		rm -f "$dir"/*.deb
		(cd "$dir" && apt-get "${apt_opts[@]}" download linux-source-7.3 >&2)
		deb=$(ls "$dir"/linux-source-7.3_*.deb)
		rm -rf "$dir/root"
		dpkg-deb -x "$deb" "$dir/root"
		dpkg-deb -f "$deb" Version >"$dir/version"
		rm -f "$deb"
		touch "$dir/.unpacked"
	fi
	echo "$dir/root/usr/src/linux-source-7.3.tar.xz $(cat "$dir/version")"
	;;
*)
	echo "kernel-source: lattop supports 6.12 and 7.3, not '$kernel'" >&2
	exit 2
	;;
esac
