#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turns the benchmark guests' "result KEY VALUE" lines into BENCHMARKS.md.

    scripts/bench-report.py WORK_DIR CLOCK...

WORK_DIR holds results-CLOCK.txt for each CLOCK (icount, tcg) and setup.txt
(the kernel, QEMU and the command, "KEY VALUE" lines), as scripts/bench.sh
leaves them. Every number in the output comes from those files.
"""
import sys
from pathlib import Path

CLOCK_NAMES = {
    "icount": "icount (guest ns = instructions executed; repeatable)",
    "tcg": "plain TCG (wall-clock ns on the build host; follows its load)",
}
# What a reader needs to read a table right; the numbers stay in the tables.
NOTES = {
    "3. Scale: threads sleeping and waking (period = threads x 20 us, 3 s)":
        "Every sleep here lasts at least 2 ms, so each wake-up also takes a kernel call trace "
        "(`trace_threshold_us`, 1 ms) and checks the user stack: that, not the tables, is most "
        "of the cost per event. /proc/lattop lists at most `max_rows` (1,000) rows, so its read "
        "time follows the rows printed, not the tasks tracked.",
    "5. Notifier":
        "memory_usage is sampled by the evaluator every `eval_period_ms`, so its delay is the "
        "wait for the next sample plus the delivery; sleep_latency is checked in the wake-up "
        "probe, which stamps the event, so its delay is the delivery alone.",
    "6. Memory (slab + vmalloc + per-CPU, from /proc/meminfo deltas)":
        "Per task: 10,000 threads started before the module, each sleeping once after it "
        "loaded. Per trace entry: the load with `max_traces=16384` against `max_traces=1024` "
        "(the arena is allocated at load). Per directory: the load with 1,000 more processes "
        "against without (`/proc/allpids/<pid>/`, its info file and 7 notifier files).",
}
ANCHORS = [("none", "no module"), ("lattop", "lattop"), ("latencytop", "LatencyTOP"),
           ("bpftrace", "bpftrace")]


def read_pairs(path):
    pairs = {}
    for line in Path(path).read_text(errors="replace").splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0] == "result":
            pairs[parts[1]] = parts[2].strip()
    return pairs


def read_setup(path):
    setup = {}
    for line in Path(path).read_text().splitlines():
        key, _, value = line.partition(" ")
        setup[key] = value
    return setup


def num(results, key):
    try:
        return int(results[key])
    except (KeyError, ValueError):
        return None


def show(value, unit=""):
    if value is None:
        return "n/a"
    return f"{value:,}{unit}"


def ratio(value, base):
    if value is None or not base:
        return None
    return value / base


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def context_switch(results):
    rows = []
    for mode in ("processes", "threads"):
        base = num(results, f"pingpong_{mode}_ns.none")
        row = [f"two {mode}"]
        for anchor, _ in ANCHORS:
            value = num(results, f"pingpong_{mode}_ns.{anchor}")
            r = ratio(value, base)
            row.append(show(value) + (f" ({r:.2f}x)" if r and anchor != "none" else ""))
        rows.append(row)
    return table(["ping-pong, ns per round trip"] + [name for _, name in ANCHORS], rows)


def handlers(results):
    rows = []
    for sym in ("dequeue_task", "enqueue_task"):
        rows.append([f"`{sym}`", show(num(results, f"handler_events.{sym}")),
                     show(num(results, f"handler_ns_per_event.{sym}"))])
    return table(["probe", "events (both ping-pongs)", "ns per event"], rows)


def scale(results):
    rows = []
    for n in (100, 1000, 10000):
        rows.append([f"{n:,}", show(num(results, f"tasks.{n}")), show(num(results, f"scale_sleeps.{n}")),
                     show(num(results, f"scale_events.{n}")),
                     show(num(results, f"scale_ns_per_event.{n}")),
                     show(num(results, f"lattop_read_us.{n}")),
                     show(num(results, f"lattop_read_bytes.{n}")),
                     show(num(results, f"scale_dropped.{n}"))])
    return table(["threads", "tasks tracked", "sleeps (the helper's count)", "events (blocks + wake-ups)",
                  "ns per event", "/proc/lattop read, us",
                  "bytes read", "events dropped"], rows)


def bulk(results):
    rows = []
    for n in (100, 1000, 5000):
        walk, info = num(results, f"bulk_walk_us.{n}"), num(results, f"bulk_info_us.{n}")
        r = ratio(walk, info)
        rows.append([f"{n:,}", show(num(results, f"bulk_processes.{n}")), show(walk), show(info),
                     f"{r:.1f}x" if r else "n/a", show(num(results, f"bulk_info_bytes.{n}"))])
    return table(["extra processes", "processes in all", "walking /proc, us",
                  "/proc/allpids/info, us", "speed-up", "info bytes"], rows)


def notifier(results):
    rows = []
    for kind, name in (("memory", "memory_usage crossing"), ("sleep", "sleep_latency crossing")):
        cells = [name]
        for part in ("sample", "deliver", "total"):
            cells.append(show(num(results, f"notify_{kind}_{part}_median_us")) + " / " +
                         show(num(results, f"notify_{kind}_{part}_max_us")))
        rows.append(cells)
    out = table(["20 events", "crossing to event (sampling), us, median / max",
                 "event to watcher awake, us", "crossing to watcher awake, us"], rows)
    out += "\n" + table(["evaluator, 10 anypid thresholds", "value"], [
        ["processes (/proc/allpids dirs)", show(num(results, "evaluator_processes"))],
        ["evaluation period, ms", show(num(results, "eval_period_ms"))],
        ["runs in 5 s", show(num(results, "evaluator_runs"))],
        ["us per run", show(num(results, "evaluator_us_per_run"))],
        ["CPU, per mille of one CPU", show(num(results, "evaluator_cpu_permille"))],
    ])
    return out


def memory(results):
    return table(["what", "bytes", "measured over"], [
        ["per tracked task", show(num(results, "memory_bytes_per_task")),
         show(num(results, "memory_tasks")) + " tasks"],
        ["per trace entry", show(num(results, "memory_bytes_per_trace")), "16,384 - 1,024 entries"],
        ["per /proc/allpids/<pid>/ directory", show(num(results, "memory_bytes_per_dir")),
         show(num(results, "memory_dirs")) + " directories"],
        ["module at load, kB (default parameters)", show(num(results, "memory_module_kb")), "one load"],
    ])


def targets(results, clock):
    lines = []
    for mode in ("processes", "threads"):
        base = num(results, f"pingpong_{mode}_ns.none")
        ours = ratio(num(results, f"pingpong_{mode}_ns.lattop"), base)
        for anchor, name in ANCHORS[2:]:
            theirs = ratio(num(results, f"pingpong_{mode}_ns.{anchor}"), base)
            if ours and theirs:
                verdict = "met" if ours < theirs else "NOT met"
                lines.append(f"- ping-pong ({mode}, {clock}): lattop {ours:.2f}x against {name} "
                             f"{theirs:.2f}x: {verdict}")
    for n in (100, 1000, 5000):
        r = ratio(num(results, f"bulk_walk_us.{n}"), num(results, f"bulk_info_us.{n}"))
        if r:
            lines.append(f"- bulk read, {n:,} extra processes ({clock}): {r:.1f}x faster than "
                         f"walking /proc: {'met' if r >= 10 else 'NOT met'} (target 10x)")
    period = num(results, "eval_period_ms")
    for kind in ("memory", "sleep"):
        worst = num(results, f"notify_{kind}_total_max_us")
        if period and worst is not None:
            met = "met" if worst <= period * 1000 else "NOT met"
            lines.append(f"- {kind} notification ({clock}): worst {worst:,} us against one "
                         f"evaluation period, {period * 1000:,} us: {met}")
    return "\n".join(lines) + "\n"


def profile(results):
    """Section 7, from scripts/bench-profile.py's lines."""
    rounds = num(results, "profile_rounds")
    if not rounds:
        return ""
    base = num(results, "profile_pingpong_ns.base")
    lattop = num(results, "profile_pingpong_ns.lattop")
    out = ["\n## 7. Where lattop's cost goes: kernel instructions added per round trip\n\n",
           f"Two more icount boots run the process ping-pong ({rounds:,} round trips), one "
           "without lattop and one with it, under a QEMU plugin that counts every instruction "
           "the guest kernel executes, by function (bench/plugin/insn_count.c, "
           "scripts/bench-profile.py). Both boots do the same work but for the probes (the "
           "first loads and unloads lattop before its ping-pong), so the difference of their "
           "counts is what lattop adds. Under icount an instruction is a guest ns, so the total "
           "can be set against the ping-pong's own difference, the first row: the count covers "
           "kernel code only, and what it leaves of that difference it does not explain. "
           "perf cannot show this "
           "under TCG: with no PMU its samples come from a timer interrupt, and land where "
           "interrupts come back on, never inside the scheduler or a probe handler.\n\n"]
    rows = [["ping-pong, ns per round trip: with lattop - without (section 1's measure)",
             show(lattop - base) if base is not None and lattop is not None else "n/a"],
            ["kernel instructions added per round trip", show(num(results, "profile_added"))],
            ["- in lattop's own functions", show(num(results, "profile_group.lattop"))],
            ["- in the kprobe machinery (optimized probe detour, its trampolines)",
             show(num(results, "profile_group.kprobes"))],
            ["- in other kernel functions (what the handlers call: clocks, user-stack reads; "
             "and boot-to-boot noise)", show(num(results, "profile_group.kernel"))]]
    out.append(table(["", "instructions"], rows))
    out.append("\nThe functions that added the most:\n\n")
    rows = []
    for rank in range(1, 100):
        value = results.get(f"profile_fn.{rank}")
        if value is None:
            break
        n, group, name = value.split(None, 2)
        rows.append([f"`{name}`", group, show(int(n))])
    out.append(table(["function", "part", "instructions per round trip"], rows))
    return "".join(out)


def main():
    work, clocks = Path(sys.argv[1]), sys.argv[2:]
    setup = read_setup(work / "setup.txt")
    runs = {clock: read_pairs(work / f"results-{clock}.txt") for clock in clocks}
    first = runs[clocks[0]]
    out = ["# lattop benchmarks\n\n",
           "Written by `make bench` (scripts/bench.sh); do not edit by hand: every number below "
           "comes from the guests' output in build/bench/. Benchmarks assert nothing.\n\n",
           "## Setup\n\n",
           table(["", ""], [
               ["command", f"`{setup.get('command', '')}`"],
               ["date", setup.get("date", "")],
               ["kernel", f"{setup.get('kernel_release', '')}, perf flavour: "
                          f"`{setup.get('kernel_config', '').strip()}`"],
               ["userland", f"Debian bookworm (debootstrap), bpftrace {first.get('bpftrace_version', 'n/a')}"],
               ["QEMU", setup.get("qemu", "")],
               ["QEMU options", f"`{setup.get('qemu_args', '')}`"],
               ["host CPU", setup.get("host_cpu", "")],
               ["clocks", "; ".join(CLOCK_NAMES[c] for c in clocks)],
           ]),
           "\nEach figure is given for each clock. Under icount the guest's clock advances one ns "
           "per instruction, so a figure is a count of instructions: it repeats from run to run "
           "and ignores what the host does, but it prices a cache miss like an add. Plain TCG "
           "figures are host wall-clock time through an emulator: tens of times slower than "
           "hardware, and noisy.\n\n",
           "The ping-pong runs both sides on CPU 0 (taskset), so each round trip is two context "
           "switches on one runqueue; each figure is the median of 3 runs. LatencyTOP is "
           "`sysctl kernel.latencytop=1`; bpftrace runs bench/offcpu.bt (per-task off-CPU time "
           "and stacks from sched_switch and sched_wakeup).\n"]
    sections = [
        ("1. Context-switch cost", context_switch),
        ("2. Per-event handler cost (lattop's own counters, during the ping-pongs)", handlers),
        ("3. Scale: threads sleeping and waking (period = threads x 20 us, 3 s)", scale),
        ("4. Bulk: /proc/allpids/info against walking /proc/*/stat, status and fd/ (best of 3)", bulk),
        ("5. Notifier", notifier),
        ("6. Memory (slab + vmalloc + per-CPU, from /proc/meminfo deltas)", memory),
    ]
    for title, render in sections:
        out.append(f"\n## {title}\n")
        if title in NOTES:
            out.append("\n" + NOTES[title] + "\n")
        for clock in clocks:
            out.append(f"\n{CLOCK_NAMES[clock]}:\n\n")
            out.append(render(runs[clock]))
    profile_path = Path(work) / "results-profile.txt"
    if profile_path.exists():
        out.append(profile(read_pairs(profile_path)))
    out.append("\n## Against the targets\n\n")
    for clock in clocks:
        out.append(targets(runs[clock], clock))
    print("".join(out), end="")


if __name__ == "__main__":
    main()
