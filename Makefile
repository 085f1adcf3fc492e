# SPDX-License-Identifier: GPL-2.0
#
# lattop's entry points. Kbuild (not this file) describes the module itself;
# the work is done by scripts/, so each step can also be run on its own.
#
#   make                 build lattop.ko (installs what is missing and builds
#                        the cached debug kernel first, unless KDIR is set)
#   make check           build everything, boot the debug kernel in QEMU, run
#                        every test; TESTS=<dir> adds a directory of your own
#   make run             boot, load the module, run a small workload, show
#                        /proc/lattop
#   make shell           an interactive guest shell with the module loaded
#   make bench           boot the perf kernel on a Debian userland, measure
#                        lattop against no module, LatencyTOP and bpftrace,
#                        write BENCHMARKS.md (not part of check)
#   make kernel          only the cached kernel (FLAVOUR=debug|perf)
#
# KERNEL=6.12 (the default) or KERNEL=7.3 picks the kernel every target
# builds and boots.
#   make deps            only the packages and the pinned bindgen
#   make fmt             rustfmt the module (the kernel's .rustfmt.toml) and
#                        cargo fmt the CLI
#   make clean           remove build outputs from the work tree
#
# KDIR=/path/to/linux builds the module against your own Rust-enabled tree.

FLAVOUR ?= debug
KERNEL ?= 6.12
KDIR ?=
TESTS ?=
RUSTC ?= /usr/bin/rustc
BINDGEN ?= $(HOME)/.cargo/bin/bindgen

export FLAVOUR KERNEL KDIR RUSTC BINDGEN

.PHONY: all module deps kernel check run shell bench fmt clean

all: module

deps:
	@scripts/install-deps.sh

kernel: deps
	@scripts/build-kernel.sh $(FLAVOUR) >/dev/null

module:
	@scripts/build-module.sh

check:
	@scripts/check.sh $(TESTS)

run: module
	@scripts/run-guest.sh run

shell: module
	@scripts/run-guest.sh shell

bench:
	@scripts/bench.sh

# The module's files are reached from its crate root, as rustc reaches them.
fmt: kernel
	rustfmt --edition 2021 --config-path "$$(scripts/build-kernel.sh --dir $(FLAVOUR))/source/.rustfmt.toml" src/lattop.rs
	cd tools/lattop && cargo fmt

clean:
	@if [ -n "$(KDIR)" ]; then kdir="$(KDIR)"; else kdir=$$(scripts/build-kernel.sh --dir $(FLAVOUR) 2>/dev/null); fi; \
	if [ -f "$$kdir/Makefile" ]; then $(MAKE) -s -C "$$kdir" M=$(CURDIR) clean; fi
	rm -rf build src/sys/bindings_generated.rs src/sys/.bindings_generated.rs.cmd src/sys/.bindings_generated.rs.d \
		src/sys/layout_generated.rs src/sys/.layout_generated.rs.cmd src/layout.s src/.layout.s.cmd
