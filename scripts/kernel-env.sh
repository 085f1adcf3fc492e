# SPDX-License-Identifier: GPL-2.0
# Sourced by the scripts that build against a kernel: what building against
# $KERNEL needs in the environment. 7.3's bindgen needs libclang 17 or
# later, and bookworm's default is 14: libclang-19-dev's (install-deps.sh).
case ${KERNEL:-6.12} in
7.3) export LIBCLANG_PATH=/usr/lib/llvm-19/lib ;;
esac
