#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turns the benchmark guests' "result KEY VALUE" lines into BENCHMARKS.md.

    scripts/bench-report.py WORK_DIR CLOCK...

WORK_DIR holds results-CLOCK.txt for each CLOCK (icount, tcg) the main
boots ran, results-pairs.txt from the pairs boot, and results-profile.txt and
results-pairs-profile.txt from scripts/bench-profile.py when those ran, and setup.txt (the kernel, QEMU and
the command, "KEY VALUE" lines), as scripts/bench.sh leaves them. A section
whose file is missing is left out. Every number in the output comes from
those files.
"""
import sys
from pathlib import Path

CLOCK_NAMES = {
    "icount": "icount (guest ns = instructions executed; repeatable)",
    "tcg": "plain TCG (wall-clock ns on the build host; follows its load)",
}
# What a reader needs to read a table right; the numbers stay in the tables.
SCALE = "3. Scale: threads sleeping and waking (period = threads x 20 us, 3 s)"
HANDLERS = "2. Per-event handler cost (lattop's own counters, during the ping-pongs)"
REPORT = "9. The profiler's report: 1,000 threads with 32 traces each"
NOTES = {
    REPORT:
        "bench/helpers/many_traces: 1,000 threads, each sleeping 2 ms once at each of 32 call "
        "sites (32 user stacks), then blocked for good; lattop loaded with max_traces=40000. "
        "Each file is read whole by a fresh open (read_time: open, 64 KiB reads, close); both "
        "copy the table out under its mutex and format after it, with no interrupts turned off. "
        "Then the CLI (the static build) reports a saved copy: blazesym names the user frames "
        "from the helper's symbol table.",
    HANDLERS:
        "Every hook's `probe` line of /proc/lattop_stats, summed: the events handled over both "
        "ping-pongs (3 runs of each), and the time spent in them, which the module estimates from "
        "one event in 16 that it times (two clock reads), less the timer's own cost "
        "(`probe_timer_ns`: the gap between two back-to-back clock reads, which a timed window "
        "holds on top of the handler's work and the events not timed never pay). The window "
        "opens inside the handler, after its entry (saving registers, the lifecycle check, the "
        "event's count) and closes before its return: section 7 counts those too. With the "
        "tracepoints a round trip is "
        "two `sched_switch`, each handling both halves of a sleep (the task switched out "
        "blocks, and has the wait for a CPU that began its run counted, or is preempted, which "
        "costs nothing; the one switched in ends its sleep, or counts the wait that began its "
        "last run if that run was preempted: no hook runs at a wake-up); with kprobes, two `dequeue_task_fair` and two `enqueue_task_fair`. Per "
        "round trip is the comparison across designs: per event, it depends on how many "
        "events a design splits the same work into.",
    SCALE:
        "Every sleep here lasts at least 2 ms, so each one's end also takes a kernel call trace "
        "(`trace_threshold_us`, 1 ms) and checks the user stack: that, not the tables, is most "
        "of the cost per event. Events are every hook's (lattop's default, the tracepoints: "
        "every switch, which handles blocks and the ends of sleeps); dropped is `dropped_no_node` + `dropped_busy` + "
        "`dropped_task_cap`. /proc/lattop lists at most `max_rows` (1,000) rows, so its read "
        "time follows the rows printed, not the tasks tracked.",
    "5. Notifier":
        "memory_usage is sampled by the evaluator every `eval_period_ms`, so its delay is the "
        "wait for the next sample plus the delivery; sleep_latency is checked in the switch "
        "hook that ends the sleep, which stamps the event, so its delay is the delivery alone.",
    "6. Memory (slab + vmalloc + per-CPU, from /proc/meminfo deltas)":
        "Per task: 10,000 threads started before the module, each sleeping once after it "
        "loaded. Per trace entry: the load with `max_traces=16384` against `max_traces=1024` "
        "(the arena is allocated at load). Per directory: the load with 4,000 more processes "
        "against without (`/proc/allpids/<pid>/`, its info file, its `notifier/` directory and "
        "7 notifier files), measured two ways. The bytes of slab objects in use "
        "(/proc/slabinfo's active objects times their size) are what the directories hold: "
        "ten proc entries (`proc_dir_entry`, 256 bytes each on 6.12, 2,560 in all) and "
        "lattop's own small objects (the directory's tree node, the files' shared data), "
        "the same under either clock but for the processes that come and go between two "
        "readings (the shell's own forks and execs, whose task and mm caches move the total "
        "by some 100 kB either way, hence 4,000 directories to spread it over; each cache "
        "is shrunk before it is read, so that the free objects CPUs hold do not count). The "
        "pages the slab caches grew by (/proc/meminfo's Slab, VmallocUsed and Percpu) add "
        "what partly filled slabs hold, and the slabs that other work in the same seconds "
        "left partly filled: a few hundred bytes a directory either way from one run to the "
        "next, and from one clock to the other, which is why earlier runs over 1,000 "
        "directories read 3.8 to 4.1 kB for the same directories. The target (at most "
        "4 KiB) is judged on the objects.",
}
ANCHORS = [("none", "no module"), ("lattop", "lattop (tracepoints)"),
           ("lattop_kprobe", "lattop, hooks=kprobe"), ("latencytop", "LatencyTOP"),
           ("bpftrace", "bpftrace")]
HOOK_MODES = [("tracepoint", "tracepoints (default)"), ("kprobe", "kprobes (`hooks=kprobe`)")]
# The targets (issue's list), each a ratio within one run on the icount clock.
TARGET_CLOCK = "icount"
CS_TARGET = 1.05
HANDLER_TARGET_NS = 150
# Issue 17: the evaluator at 1,000 processes, and the bulk read at 5,000:
# against walking /proc (and taskstats) for the same data as the records
# carry; since issue 23 that is both walks of section 4.
EVALUATOR_TARGET_US = 400
BULK_TARGET = 30
PAIRS_TARGET = 1.2


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
    for mode, name in HOOK_MODES:
        ns = num(results, f"handler_ns_per_event.{mode}")
        target = "n/a"
        if mode == "tracepoint":
            target = f"<= {HANDLER_TARGET_NS} ns (on {TARGET_CLOCK})"
        events = num(results, f"handler_events.{mode}")
        trips = num(results, f"handler_round_trips.{mode}")
        per_trip = show(round(events * ns / trips)) if events and ns is not None and trips else "n/a"
        rows.append([name, show(events), show(ns), per_trip, target])
    out = table(["hooks", "events (all hooks, both ping-pongs)", "ns per event",
                 "ns per round trip", "target (per event)"], rows)
    rows = []
    for mode, name in HOOK_MODES:
        prefix = f"handler_events.{mode}."
        for key in results:
            if key.startswith(prefix):
                hook = key[len(prefix):]
                rows.append([f"`{hook}`", name, show(num(results, key)),
                             show(num(results, f"handler_ns_per_event.{mode}.{hook}"))])
    if rows:
        out += "\nBy hook:\n\n" + table(["hook", "hooks", "events", "ns per event"], rows)
    return out


def scale(results):
    rows = []
    for n in (100, 1000, 10000):
        rows.append([f"{n:,}", show(num(results, f"tasks.{n}")), show(num(results, f"scale_sleeps.{n}")),
                     show(num(results, f"scale_events.{n}")),
                     show(num(results, f"scale_ns_per_event.{n}")),
                     show(num(results, f"lattop_read_us.{n}")),
                     show(num(results, f"lattop_read_bytes.{n}")),
                     show(num(results, f"scale_dropped.{n}"))])
    return table(["threads", "tasks tracked", "sleeps (the helper's count)", "events (all hooks)",
                  "ns per event", "/proc/lattop read, us",
                  "bytes read", "events dropped"], rows)


def bulk(results):
    rows = []
    for n in (100, 1000, 5000):
        walk, info = num(results, f"bulk_walk_us.{n}"), num(results, f"bulk_info_us.{n}")
        acct = num(results, f"bulk_acct_walk_us.{n}")
        r = ratio(walk, info)
        r_acct = ratio(acct, info) if acct is not None and acct >= 0 else None
        r_both = ratio(walk + acct, info) if r and r_acct else None
        rows.append([f"{n:,}", show(num(results, f"bulk_processes.{n}")), show(walk), show(info),
                     f"{r:.1f}x" if r else "n/a", show(num(results, f"bulk_info_bytes.{n}")),
                     show(acct) if r_acct else "n/a", f"{r_acct:.1f}x" if r_acct else "n/a",
                     f"{r_both:.1f}x" if r_both else "n/a"])
    return table(["extra processes", "processes in all", "walking /proc (stat, status, fd/), us",
                  "/proc/allpids/info, us", "speed-up", "info bytes",
                  "walking for the accounting (io, schedstat, taskstats), us",
                  "speed-up", "speed-up against both walks (the same data)"], rows)


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
    rows = []
    for n in (1000, 5000, 10000):
        one, ten, same = (num(results, f"evaluator_us_per_run.{n}.{t}") for t in (1, 10, "10same"))
        r, r_same = ratio(ten, one), ratio(same, one)
        rows.append([f"{n:,}", show(num(results, f"evaluator_processes.{n}.10")), show(one), show(same),
                     f"{r_same:.2f}x" if r_same else "n/a", show(ten), f"{r:.2f}x" if r else "n/a",
                     show(num(results, f"evaluator_cpu_permille.{n}.10"))])
    out += "\n" + table(["extra processes", "processes (/proc/allpids dirs)",
                         "us per run, 1 anypid threshold (memory_usage)", "10 on memory_usage",
                         "against 1", "10 on the six resources", "against 1",
                         "CPU with 10 on six, per mille of one CPU"], rows)
    out += (f"\nThe evaluator runs every {show(num(results, 'eval_period_ms'))} ms (`eval_period_ms`). "
            "Ten on one resource read what one does, once, and feed ten thresholds' streams: their "
            "cost against one's is the thresholds'. Ten on the six resources take them in turn "
            "(memory, shm, fds, threads, cpu, blocked): each process is read once for all six, which "
            "costs more than reading one.\n")
    return out


def memory(results):
    return table(["what", "bytes", "measured over"], [
        ["per tracked task", show(num(results, "memory_bytes_per_task")),
         show(num(results, "memory_tasks")) + " tasks"],
        ["per trace entry", show(num(results, "memory_bytes_per_trace")), "16,384 - 1,024 entries"],
        ["per /proc/allpids/<pid>/ directory: slab objects in use (/proc/slabinfo)",
         show(num(results, "memory_object_bytes_per_dir")),
         show(num(results, "memory_dirs")) + " directories"],
        ["per /proc/allpids/<pid>/ directory: pages (/proc/meminfo)",
         show(num(results, "memory_bytes_per_dir")),
         show(num(results, "memory_dirs")) + " directories"],
        ["module at load, kB (default parameters)", show(num(results, "memory_module_kb")), "one load"],
    ])


def report(results):
    lattop_us, traces_us = num(results, "report_lattop_us"), num(results, "report_traces_us")
    r = ratio(traces_us, lattop_us)
    return table(["what", "figure"], [
        ["tasks / trace entries held", show(num(results, "report_tasks")) + " / " +
         show(num(results, "report_traces"))],
        ["read /proc/lattop whole (worst trace a task), us (median of 5)",
         show(lattop_us) + ", " + show(num(results, "report_lattop_bytes")) + " bytes"],
        ["read /proc/lattop_traces whole (every trace), us (median of 5)",
         show(traces_us) + ", " + show(num(results, "report_traces_bytes")) + " bytes" +
         (f" ({r:.1f}x /proc/lattop)" if r else "")],
        ["`lattop report --traces 0` of a saved copy (every trace, user frames named), us",
         show(num(results, "report_cli_table_us")) + ", " +
         show(num(results, "report_cli_table_lines")) + " lines, " +
         show(num(results, "report_named_frames")) + " frames named"],
        ["`lattop report --folded` of the same copy, us",
         show(num(results, "report_cli_folded_us")) + ", " +
         show(num(results, "report_cli_folded_lines")) + " stacks"],
    ])


def verdict(met, clock, target):
    """A target's verdict: judged on the icount clock, for reference on the others."""
    word = "met" if met else "NOT met"
    if clock != TARGET_CLOCK:
        return f"{word} (target: {target}; judged on {TARGET_CLOCK}, for reference here)"
    return f"{word} (target: {target})"


def targets(results, clock):
    lines = []
    for mode in ("processes", "threads"):
        base = num(results, f"pingpong_{mode}_ns.none")
        ours = ratio(num(results, f"pingpong_{mode}_ns.lattop"), base)
        if ours:
            lines.append(f"- ping-pong ({mode}, {clock}): lattop (tracepoints, default parameters, "
                         f"traces on) {ours:.2f}x no module: "
                         f"{verdict(ours <= CS_TARGET, clock, f'<= {CS_TARGET:.2f}x')}")
        for anchor, name in ANCHORS[3:]:
            theirs = ratio(num(results, f"pingpong_{mode}_ns.{anchor}"), base)
            if ours and theirs:
                lines.append(f"- ping-pong ({mode}, {clock}): lattop {ours:.2f}x against {name} "
                             f"{theirs:.2f}x: {verdict(ours < theirs, clock, f'below {name}')}")
        kprobe = ratio(num(results, f"pingpong_{mode}_ns.lattop_kprobe"), base)
        if kprobe:
            lines.append(f"- ping-pong ({mode}, {clock}): lattop with hooks=kprobe {kprobe:.2f}x "
                         "no module (reported, no target)")
    ns = num(results, "handler_ns_per_event.tracepoint")
    if ns is not None and num(results, "handler_events.tracepoint"):
        lines.append(f"- handler cost ({clock}): {ns:,} ns per event with the tracepoints: "
                     f"{verdict(ns <= HANDLER_TARGET_NS, clock, f'<= {HANDLER_TARGET_NS} ns')}")
    ns = num(results, "handler_ns_per_event.kprobe")
    if ns is not None and num(results, "handler_events.kprobe"):
        lines.append(f"- handler cost ({clock}): {ns:,} ns per event with kprobes "
                     "(reported, no target)")
    for n in (100, 1000, 5000):
        walk, info = num(results, f"bulk_walk_us.{n}"), num(results, f"bulk_info_us.{n}")
        acct = num(results, f"bulk_acct_walk_us.{n}")
        r = ratio(walk, info)
        if not r:
            continue
        target = BULK_TARGET if n == 5000 else 10
        if acct is not None and acct >= 0:
            both = ratio(walk + acct, info)
            lines.append(f"- bulk read, {n:,} extra processes ({clock}): {both:.1f}x faster than "
                         f"walking /proc and taskstats for the same data ({r:.1f}x against "
                         f"stat, status and fd/ alone): "
                         f"{verdict(both >= target, clock, f'{target}x')}")
        else:
            lines.append(f"- bulk read, {n:,} extra processes ({clock}): {r:.1f}x faster than "
                         f"walking /proc: {verdict(r >= target, clock, f'{target}x')}")
    one = num(results, "evaluator_us_per_run.1000.1")
    for key, name in (("10same", "10 anypid thresholds on memory_usage"),
                      ("10", "10 anypid thresholds on the six sampled resources")):
        us = num(results, f"evaluator_us_per_run.1000.{key}")
        r = ratio(us, one)
        if us is None or not r:
            continue
        lines.append(f"- evaluator, 1,000 extra processes, {name} ({clock}): {us:,} us per run: "
                     f"{verdict(us <= EVALUATOR_TARGET_US, clock, f'<= {EVALUATOR_TARGET_US} us')}; "
                     f"{r:.2f}x one threshold: {verdict(r <= 1.5, clock, '<= 1.5x')}")
    per_dir = num(results, "memory_object_bytes_per_dir")
    if per_dir is not None:
        lines.append(f"- memory per /proc/allpids/<pid>/ directory ({clock}): {per_dir:,} bytes "
                     f"of slab objects: {verdict(per_dir <= 4096, clock, '<= 4,096 bytes')}")
    period = num(results, "eval_period_ms")
    for kind in ("memory", "sleep"):
        worst = num(results, f"notify_{kind}_total_max_us")
        if period and worst is not None:
            met = "met" if worst <= period * 1000 else "NOT met"
            lines.append(f"- {kind} notification ({clock}): worst {worst:,} us against one "
                         f"evaluation period, {period * 1000:,} us: {met}")
    return "".join(line + "\n" for line in lines)


def pairs_figures(results):
    """The pair counts run, and for each its means over the pairs (None where
    a figure is missing): no module, lattop, lattop - no module as measured,
    and that per CPU (divided by the count: icount's clock counts every
    vCPU's instructions)."""
    counts = [int(n) for n in results.get("pairs_counts", "").split() if n.isdigit()]
    figures = {}
    for n in counts:
        none = [num(results, f"pairs_ns.none.{n}.{i}") for i in range(n)]
        ours = [num(results, f"pairs_ns.lattop.{n}.{i}") for i in range(n)]
        if None in none or None in ours:
            figures[n] = None
            continue
        added = sum(o - b for o, b in zip(ours, none)) / n
        figures[n] = {"none": sum(none) / n, "lattop": sum(ours) / n, "added": added,
                      "per_cpu": added / n}
    return counts, figures


def pairs_ratio(counts, figures):
    """added per CPU with the most pairs / with one pair, or None."""
    if not counts or max(counts) < 2:
        return None, None
    n = max(counts)
    one, most = figures.get(1), figures.get(n)
    if not one or not most or one["per_cpu"] <= 0:
        return n, None
    return n, most["per_cpu"] / one["per_cpu"]


def fshow(value, unit=""):
    return "n/a" if value is None else f"{value:,.0f}{unit}"


def pairs_instructions(counted):
    """The pair counts of the instruction-counting pairs boots, and for each
    the kernel instructions lattop added per round trip (all, and by part)."""
    counts = sorted({int(key[len("pairs"):].split("_")[0]) for key in counted
                     if key.startswith("pairs") and key.endswith("_added")})
    figures = {}
    for n in counts:
        parts = {g: num(counted, f"pairs{n}_group.{g}") for g in
                 ("lattop", "hooks", "clock", "locks", "kernel")}
        parts["added"] = num(counted, f"pairs{n}_added")
        hooks = [parts[g] for g in JUDGED_PARTS]
        parts["judged"] = None if None in hooks else sum(hooks)
        figures[n] = parts
    return counts, figures


# What the pairs' count is judged on: lattop's code, the hook machinery, the
# clock, and the kernel's lock slow paths (a contended lock spins there).
# The rest of the kernel is left out: its difference between two boots of 4
# vCPUs, 3 of them idle with one pair, is noise of hundreds per round trip.
JUDGED_PARTS = ("lattop", "hooks", "clock", "locks")


def pairs_instructions_ratio(counted):
    counts, added = pairs_instructions(counted)
    if len(counts) < 2 or counts[0] != 1 or not added[1]["judged"]:
        return None, None
    n = counts[-1]
    if added[n]["judged"] is None:
        return n, None
    return n, added[n]["judged"] / added[1]["judged"]


def pairs(results, counted):
    """Section 8, from the pairs guest's lines and the instruction counts of
    the pairs boots (scripts/bench-profile.py's pairsN lines)."""
    counts, figures = pairs_figures(results)
    if not counts:
        return ""
    cpus = num(results, "pairs_cpus")
    out = ["\n## 8. Parallel pairs: lattop's added cost with one ping-pong per CPU\n\n",
           f"A guest of its own, under icount with {show(cpus)} vCPUs, runs N process ping-pongs at "
           f"once ({show(num(results, 'pairs_rounds'))} round trips each), pair i's two processes "
           "pinned to CPU i (taskset) and all N started together, with no module and with lattop "
           "(default parameters); each pair's figure is the median of 3 runs. A lock or other "
           "serialisation every hook went through would make lattop's added cost grow with N. "
           "Under icount one host thread runs the vCPUs in turn and the guest's clock counts the "
           "instructions of all of them, so with N CPUs busy a pair's round trip reads N times "
           "its own instructions: the per-CPU columns divide by N. Spinning on a lock is "
           "instructions and shows there; a cache line bouncing between CPUs costs nothing under "
           "TCG, and shows only on hardware.\n\n"]
    instruction_counts, added = pairs_instructions(counted)
    if instruction_counts:
        out.append("The measure judged: two more icount boots for each N, as in section 7 "
                   "(one with no module, one with lattop, under the instruction-counting "
                   "plugin), run the N pairs once, five times as many round trips each. The "
                   "count does not depend on how the vCPUs take turns: the kernel instructions "
                   "lattop added, divided by every pair's round trips. A shared lock a hook "
                   "waited for would add spinning, in lattop's own code or in the kernel's lock "
                   "slow paths: the judged sum is those, the hook machinery and the clock. The "
                   "rest of the kernel's difference is shown apart: with 3 of the 4 vCPUs idle "
                   "in the one-pair boots, two boots differ there by hundreds of instructions "
                   "per round trip.\n\n")
        rows = [[f"{n}", show(added[n]["judged"]), show(added[n]["lattop"]),
                 show(added[n]["hooks"]), show(added[n]["clock"]), show(added[n]["locks"]),
                 show(added[n]["kernel"])]
                for n in instruction_counts]
        out.append(table(["pairs (one per CPU)", "added per round trip (judged: the next four)",
                          "in lattop", "in the hook machinery", "in clock reads",
                          "in lock slow paths", "other kernel functions (and boot-to-boot noise)"],
                         rows))
        n, r = pairs_instructions_ratio(counted)
        if n:
            out.append(f"\nAdded per round trip with {n} pairs against 1: "
                       f"{f'{r:.2f}x' if r is not None else 'n/a'} (target <= {PAIRS_TARGET}x).\n\n")
        out.append("Timed, for reference: the same pairs, 3 runs each, with no module and with "
                   "lattop, by the pairs' own clocks. Under icount the vCPUs share one "
                   "instruction clock, so a pair's time depends on how the others are "
                   "scheduled against it, which varies by thousands of ns from pair to pair "
                   "(below): too coarse for the few hundred lattop adds.\n\n")
    rows = []
    for n in counts:
        f = figures[n] or {}
        handler = num(results, f"pairs_handler_ns_per_event.{n}")
        rows.append([f"{n}", fshow(f.get("none")), fshow(f.get("lattop")), fshow(f.get("added")),
                     fshow(f.get("per_cpu")), show(num(results, f"pairs_handler_events.{n}")),
                     fshow(handler / n if handler is not None else None)])
    out.append(table(["pairs (one per CPU)", "no module, ns per round trip (mean of the pairs)",
                      "lattop", "added (mean of lattop - no module)", "added per CPU (/ N)",
                      "hook events (all pairs, 3 runs)", "ns per hook event, per CPU (/ N)"], rows))
    n, r = pairs_ratio(counts, figures)
    if n:
        judged = "reported" if instruction_counts else f"target <= {PAIRS_TARGET}x"
        out.append(f"\nAdded per CPU with {n} pairs against 1, timed: "
                   f"{f'{r:.2f}x' if r is not None else 'n/a'} ({judged}). "
                   f"Events lattop dropped over all runs: {show(num(results, 'pairs_dropped'))}.\n")
    out.append("\nEach pair:\n\n")
    rows = []
    for n in counts:
        for i in range(n):
            none = num(results, f"pairs_ns.none.{n}.{i}")
            ours = num(results, f"pairs_ns.lattop.{n}.{i}")
            rows.append([f"{n}", f"{i}", show(none), show(ours),
                         show(ours - none) if none is not None and ours is not None else "n/a"])
    out.append(table(["pairs", "pair (its CPU)", "no module, ns per round trip", "lattop",
                      "added"], rows))
    return "".join(out)


def pairs_target(results, counted):
    n, r = pairs_instructions_ratio(counted)
    if n:
        if r is None:
            return f"- parallel pairs (icount, instructions): added with {n} pairs against 1: n/a\n"
        _, added = pairs_instructions(counted)
        return (f"- parallel pairs (icount, instructions): kernel instructions lattop adds per "
                f"round trip with {n} pairs {added[n]['judged']:,} against 1 pair "
                f"{added[1]['judged']:,}, {r:.2f}x: "
                f"{verdict(r <= PAIRS_TARGET, TARGET_CLOCK, f'<= {PAIRS_TARGET}x')}\n")
    counts, figures = pairs_figures(results)
    n, r = pairs_ratio(counts, figures)
    if not n:
        return ""
    if r is None:
        return f"- parallel pairs ({TARGET_CLOCK}): added per CPU with {n} pairs against 1: n/a\n"
    return (f"- parallel pairs ({TARGET_CLOCK}): lattop's added cost per round trip per CPU with "
            f"{n} pairs {figures[n]['per_cpu']:,.0f} ns against 1 pair {figures[1]['per_cpu']:,.0f} "
            f"ns, {r:.2f}x: {verdict(r <= PAIRS_TARGET, TARGET_CLOCK, f'<= {PAIRS_TARGET}x')}\n")


def profile(results):
    """Section 7, from scripts/bench-profile.py's lines."""
    rounds = num(results, "profile_rounds")
    if not rounds:
        return ""
    base = num(results, "profile_pingpong_ns.base")
    lattop = num(results, "profile_pingpong_ns.lattop")
    hooks = results.get("profile_hooks", "tracepoint")
    out = ["\n## 7. Where lattop's cost goes: kernel instructions added per round trip\n\n",
           f"Two more icount boots run the process ping-pong ({rounds:,} round trips), one "
           f"without lattop and one with it (`hooks={hooks}`), under a QEMU plugin that counts "
           "every instruction the guest kernel executes, by function (bench/plugin/insn_count.c, "
           "scripts/bench-profile.py). Both boots do the same work but for the hooks (the "
           "first loads and unloads lattop before its ping-pong), so the difference of their "
           "counts is what lattop adds. Under icount an instruction is a guest ns, so the total "
           "can be set against the ping-pong's own difference, the first row: the count covers "
           "kernel code only, and what it leaves of that difference it does not explain. "
           "A tracepoint's call site (its static key's branch, the arguments, the static call "
           "to the one probe) is inlined in the scheduler's functions, and counts under them. "
           "perf cannot show this "
           "under TCG: with no PMU its samples come from a timer interrupt, and land where "
           "interrupts come back on, never inside the scheduler or a hook.\n\n"]
    rows = [["ping-pong, ns per round trip: with lattop - without (section 1's measure)",
             show(lattop - base) if base is not None and lattop is not None else "n/a"],
            ["kernel instructions added per round trip", show(num(results, "profile_added"))],
            ["- in lattop's own functions (its module's range)", show(num(results, "profile_group.lattop"))],
            ["- in the hook machinery (tracepoint iterators and trampolines; kprobe traps, "
             "detours and slots)", show(num(results, "profile_group.hooks"))],
            ["- in clock reads (local_clock, sched_clock, the TSC)",
             show(num(results, "profile_group.clock"))],
            ["- waiting for contended locks (the kernel's lock slow paths)",
             show(num(results, "profile_group.locks"))],
            ["- in other kernel functions (the scheduler's own, user-stack reads; and "
             "boot-to-boot noise)", show(num(results, "profile_group.kernel"))]]
    per_event = num(results, "profile_lattop_per_event")
    if per_event is not None:
        rows.append([f"lattop's own instructions per hook event ({show(num(results, 'profile_hook_events'))} "
                     "events in the ping-pong): the whole handler, entry and return included, which "
                     "section 2's window leaves out", show(per_event)])
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
    # Only the clocks whose main boot ran.
    clocks = [clock for clock in clocks if (work / f"results-{clock}.txt").exists()]
    setup = read_setup(work / "setup.txt")
    runs = {clock: read_pairs(work / f"results-{clock}.txt") for clock in clocks}
    pairs_path = work / "results-pairs.txt"
    pairs_run = read_pairs(pairs_path) if pairs_path.exists() else {}
    first = runs[clocks[0]] if clocks else pairs_run
    rows = [
        ["command", f"`{setup.get('command', '')}`"],
        ["date", setup.get("date", "")],
        ["kernel", f"{setup.get('kernel_release', '')}, perf flavour: "
                   f"`{setup.get('kernel_config', '').strip()}`"],
        ["userland", f"Debian bookworm (debootstrap), bpftrace {first.get('bpftrace_version', 'n/a')}"],
        ["QEMU", setup.get("qemu", "")],
        ["QEMU options", f"`{setup.get('qemu_args', '')}`"],
        ["host CPU", setup.get("host_cpu", "")],
        ["clocks", "; ".join(CLOCK_NAMES[c] for c in clocks) or "none (no main boot)"],
    ]
    if pairs_run:
        rows.append(["parallel pairs (section 8)",
                     f"a guest of its own: icount, {show(num(pairs_run, 'pairs_cpus'))} vCPUs"])
    out = ["# lattop benchmarks\n\n",
           "Written by `make bench` (scripts/bench.sh); do not edit by hand: every number below "
           "comes from the guests' output in build/bench/. Benchmarks assert nothing.\n\n",
           "## Setup\n\n",
           table(["", ""], rows),
           "\nEach figure is given for each clock. Under icount the guest's clock advances one ns "
           "per instruction, so a figure is a count of instructions: it repeats from run to run "
           "and ignores what the host does, but it prices a cache miss like an add. Plain TCG "
           "figures are host wall-clock time through an emulator: tens of times slower than "
           "hardware, and noisy. The targets are ratios within one run, judged on icount.\n\n",
           "The ping-pong runs both sides on CPU 0 (taskset), so each round trip is two context "
           "switches on one runqueue; each figure is the median of 3 runs. lattop is loaded with "
           "its default parameters: the scheduler's tracepoints, traces on; `hooks=kprobe` "
           "loads it on its kprobes instead (each scheduling class's enqueue_task and "
           "dequeue_task, and deactivate_task). "
           "LatencyTOP is "
           "`sysctl kernel.latencytop=1`; bpftrace runs bench/offcpu.bt (per-task off-CPU time "
           "and stacks from sched_switch and sched_wakeup).\n"]
    sections = [
        ("1. Context-switch cost", context_switch),
        (HANDLERS, handlers),
        (SCALE, scale),
        ("4. Bulk: /proc/allpids/info against walking /proc/*/stat, status and fd/, and /proc/*/io, schedstat and taskstats (best of 3)", bulk),
        ("5. Notifier", notifier),
        ("6. Memory (slab + vmalloc + per-CPU, from /proc/meminfo deltas)", memory),
    ]
    for title, render in sections if clocks else []:
        out.append(f"\n## {title}\n")
        if title in NOTES:
            out.append("\n" + NOTES[title] + "\n")
        for clock in clocks:
            out.append(f"\n{CLOCK_NAMES[clock]}:\n\n")
            out.append(render(runs[clock]))
    profile_path = work / "results-profile.txt"
    if profile_path.exists():
        out.append(profile(read_pairs(profile_path)))
    counted_path = work / "results-pairs-profile.txt"
    counted = read_pairs(counted_path) if counted_path.exists() else {}
    if pairs_run:
        out.append(pairs(pairs_run, counted))
    if any("report_tasks" in runs[clock] for clock in clocks):
        out.append(f"\n## {REPORT}\n\n{NOTES[REPORT]}\n")
        for clock in clocks:
            out.append(f"\n{CLOCK_NAMES[clock]}:\n\n")
            out.append(report(runs[clock]))
    out.append("\n## Against the targets\n\n")
    for clock in clocks:
        out.append(targets(runs[clock], clock))
    per_event = num(read_pairs(profile_path), "profile_lattop_per_event") if profile_path.exists() else None
    if per_event is not None:
        out.append(f"- handler cost (section 7's instruction count): {per_event:,} of lattop's "
                   "instructions per hook event, the whole handler (reported; the target is "
                   "judged on the module's counters)\n")
    if pairs_run:
        out.append(pairs_target(pairs_run, counted))
    print("".join(out), end="")


if __name__ == "__main__":
    main()
