#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Folds the instruction counts of the two profile boots into functions and
prints, as "result KEY VALUE" lines for scripts/bench-report.py, what the
ping-pong with lattop loaded executed beyond the one without.

    scripts/bench-profile.py WORK_DIR SYSTEM_MAP [NAME]

WORK_DIR holds, for MODE in base and lattop, blocks-NAME-MODE.txt (the QEMU
plugin's "start instructions executions" lines, hex start) and
results-NAME-MODE.txt (the guest's output: result lines, and "kallsyms ADDR
TYPE NAME" lines naming lattop's addresses in that boot). Kernel addresses
are named from SYSTEM_MAP (the perf kernel has no KASLR). NAME is the pair
of boots (default profile: the one ping-pong; pairsN: N pairs at once), and
the prefix of the keys printed.
"""
import bisect
import importlib.util
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

TOP = int(__import__("os").environ.get("BENCH_PROFILE_TOP", "15"))
# The hook machinery, whichever the hooks: for tracepoints, the iterator over
# a tracepoint's probes and its static-call trampoline (with one probe the
# call site calls it directly, and the site's own work is inlined in the
# scheduler's functions); for kprobes, the breakpoint's trap, the optimized
# probe's detour, single-stepping the displaced instruction.
HOOK_CODE = re.compile(r"^__traceiter_|^__SCT__tp_func_|^__probestub_|^tracepoint_|"
                       r"kprobe|int3|optprobe|optimized_callback|opt_pre_handler|"
                       r"rethook|text_poke|^exc_int3|^asm_exc_int3")
# Clock reads: what the handlers' time stamps and their own timing cost.
# Waiting for a contended lock: the kernel's slow paths, which only run when
# another CPU holds it (the fast paths are inlined or run everywhere).
LOCK_CODE = re.compile(r"queued_spin_lock_slowpath|queued_(read|write)_lock_slowpath|"
                       r"rwsem_down_|__mutex_lock|rt_mutex_slowlock")
CLOCK_CODE = re.compile(r"sched_clock|local_clock|^read_tsc|rdtsc|^ktime_get|"
                        r"^kvm_clock|pvclock|clocksource")
# Code outside the kernel's text and lattop's: kprobe instruction slots and
# the optimized probes' trampolines, ftrace and BPF trampolines.
NO_SYMBOL = "(no symbol: kprobe slots, ftrace or BPF trampolines)"
GROUPS = ("lattop", "hooks", "clock", "locks", "kernel")


def demangle(names):
    """Rust's v0 names through c++filt, crate hashes left out."""
    out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True,
                         text=True, check=True).stdout.splitlines()
    return [re.sub(r"\[[0-9a-f]+\]", "", n) for n in out]


def kernel_symbols(system_map):
    symbols = []
    for line in Path(system_map).read_text().splitlines():
        addr, kind, name = line.split()[:3]
        if kind in "tTwW":
            symbols.append((int(addr, 16), name))
    symbols.sort()
    return symbols


class Namer:
    def __init__(self, kernel, results):
        self.kernel = kernel
        module = []
        for line in Path(results).read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[0] == "kallsyms" and parts[2] in "tTwW":
                module.append((int(parts[1], 16), parts[3]))
        module.sort()
        self.module = module
        self.module_names = set(n for _, n in module)
        self.kernel_addrs = [a for a, _ in kernel]
        self.module_addrs = [a for a, _ in module]
        etext = [a for a, n in kernel if n == "_etext"]
        self.etext = etext[0] if etext else None

    def name(self, addr):
        if self.module and self.module_addrs[0] <= addr < self.module_addrs[-1] + 0x10000:
            i = bisect.bisect_right(self.module_addrs, addr) - 1
            return self.module[i][1]
        if self.etext is None or addr < self.etext:
            i = bisect.bisect_right(self.kernel_addrs, addr) - 1
            if i >= 0:
                return self.kernel[i][1]
        return NO_SYMBOL


def count(blocks, namer):
    per_function = defaultdict(int)
    for line in Path(blocks).read_text().splitlines():
        if line.startswith("#"):
            continue
        start, instructions, executions = line.split()
        per_function[namer.name(int(start, 16))] += int(instructions) * int(executions)
    return per_function


def load_read_pairs():
    """bench-report.py's reader of a guest's "result" lines."""
    sys.dont_write_bytecode = True  # no __pycache__ in scripts/
    spec = importlib.util.spec_from_file_location("bench_report", Path(__file__).with_name("bench-report.py"))
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    return report.read_pairs


def main():
    work, system_map = Path(sys.argv[1]), sys.argv[2]
    boot = sys.argv[3] if len(sys.argv) > 3 else "profile"
    kernel = kernel_symbols(system_map)
    counts, module_names = {}, set()
    for mode in ("base", "lattop"):
        namer = Namer(kernel, work / f"results-{boot}-{mode}.txt")
        module_names |= namer.module_names
        counts[mode] = count(work / f"blocks-{boot}-{mode}.txt", namer)
    read_pairs = load_read_pairs()
    lattop = read_pairs(work / f"results-{boot}-lattop.txt")
    base = read_pairs(work / f"results-{boot}-base.txt")
    # Every round trip of every pair.
    rounds = int(lattop["profile_rounds"])
    print(f"result {boot}_rounds {rounds}")
    for mode, results in (("base", base), ("lattop", lattop)):
        if f"profile_pingpong_ns.{mode}" in results:
            print(f"result {boot}_pingpong_ns.{mode} {results[f'profile_pingpong_ns.{mode}']}")
    print(f"result {boot}_hooks {lattop.get('profile_hooks', 'tracepoint')}")

    added = {}
    for name in set(counts["base"]) | set(counts["lattop"]):
        added[name] = counts["lattop"].get(name, 0) - counts["base"].get(name, 0)

    def group(name):
        if name in module_names:
            return "lattop"
        if name == NO_SYMBOL or HOOK_CODE.search(name):
            return "hooks"
        if CLOCK_CODE.search(name):
            return "clock"
        if LOCK_CODE.search(name):
            return "locks"
        return "kernel"

    groups = defaultdict(int)
    for name, n in added.items():
        groups[group(name)] += n
    print(f"result {boot}_added {sum(added.values()) / rounds:.0f}")
    for g in GROUPS:
        print(f"result {boot}_group.{g} {groups[g] / rounds:.0f}")
    # Every instruction of the handlers, entry and return included, which
    # the module's own timing (its window opens inside them) leaves out.
    events = int(lattop.get("profile_hook_events", 0) or 0)
    if events:
        print(f"result {boot}_hook_events {events}")
        print(f"result {boot}_lattop_per_event {groups['lattop'] / events:.0f}")
    top = sorted(added.items(), key=lambda kv: -kv[1])[:TOP]
    readable = demangle([name for name, _ in top])
    for rank, ((function, n), shown) in enumerate(zip(top, readable), 1):
        print(f"result {boot}_fn.{rank} {n / rounds:.0f} {group(function)} {shown}")


if __name__ == "__main__":
    main()
