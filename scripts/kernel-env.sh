# SPDX-License-Identifier: GPL-2.0
# Sourced by the scripts that build against a kernel: what building against
# $KERNEL needs in the environment. bindgen loads the newest libclang it
# finds, so each kernel's is named: 6.12's flags include one clang 19 no
# longer takes (-enable-trivial-auto-var-init-zero-knowing-it-will-be-...),
# and 7.3's bindgen needs libclang 17 or later (bookworm's default is 14).
case ${KERNEL:-6.12} in
6.12) export LIBCLANG_PATH=/usr/lib/llvm-14/lib ;;
7.3) export LIBCLANG_PATH=/usr/lib/llvm-19/lib ;;
esac
