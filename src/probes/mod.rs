// SPDX-License-Identifier: GPL-2.0

//! The scheduler hooks: where lattop's events come from, and what they mean.
//!
//! Two event sources deliver the same events to [`Events`], above which
//! everything is shared: the scheduler's tracepoints (`tracepoints.rs`, the
//! default) and kprobes on its enqueue and dequeue functions (`kprobes.rs`,
//! `hooks=kprobe`, the design's original mechanism). Only the tracepoints
//! see a task switched in, so run-queue delay comes from them alone.

mod counters;
mod kprobes;
mod lifecycle;
mod tracepoints;

pub(crate) use counters::HookTotals;
pub(crate) use lifecycle::State;

use crate::{
    params,
    profiler::{EndedSleep, Profiler},
    sys::{
        kprobe::{Kprobe, ProbeArgs, ProbeHandler},
        task::TaskView,
        tracepoint::SchedTracepoints,
    },
};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::{prelude::*, sync::Arc};
use lifecycle::Lifecycle;

/// What the hooks tell the rest of lattop besides what the profiler
/// records: when a process starts or exits, and when a sleep ends.
///
/// Called in scheduler context, with a runqueue lock held and interrupts
/// off: an implementation must not sleep, allocate or wake anyone up (defer
/// with irq_work).
pub(crate) trait SchedListener: Send + Sync + 'static {
    /// Process `tgid` started: its leader is runnable for the first time.
    fn process_started(&self, tgid: i32);
    /// The last thread of process `tgid` is exiting.
    fn process_exited(&self, tgid: i32);
    /// `task` ended `sleep`, and is waking (the kprobe source) or running
    /// again (the tracepoints) now.
    fn sleep_ended(&self, task: &TaskView<'_>, sleep: &EndedSleep<'_>);
}

/// The events both sources deliver, and where they go: the profiler and
/// the listener, while the lifecycle says the hooks record.
pub(crate) struct Events<L: SchedListener> {
    profiler: Arc<Profiler>,
    /// A type parameter, not a trait object: the hook that ends sleeps
    /// calls it on every one, and a static call inlines its fast path (one load
    /// while no sleep_latency threshold is armed).
    listener: Arc<L>,
    lifecycle: Lifecycle,
}

impl<L: SchedListener> Events<L> {
    /// Whether the hooks record; counts the hit if unload has begun.
    fn recording(&self) -> bool {
        if self.lifecycle.is_running() {
            return true;
        }
        self.lifecycle.note_idle_hit();
        false
    }

    /// `task` blocks at `now` (the kprobe source); `in_schedule` when it
    /// is current, in schedule() (its user stack can be read).
    fn blocked(&self, task: &TaskView<'_>, now: u64, in_schedule: bool) {
        self.profiler.on_block(task, now, in_schedule);
    }

    /// `task`, current on `cpu`, is switched out blocking (the tracepoint
    /// source); `clock` gives the time if the task's own does not.
    #[inline]
    fn switched_out_blocked(&self, task: &TaskView<'_>, cpu: usize, clock: impl FnOnce() -> u64) {
        self.profiler.on_switch_out_blocked(task, cpu, clock);
    }

    /// `task` exits at `now`: it blocks for the last time. Out of line:
    /// once per task, it would weigh on every switch (and the task by
    /// value: a reference would keep the hook's copy in memory).
    #[inline(never)]
    fn exited(&self, task: TaskView<'_>, now: u64) {
        self.profiler.on_exit(&task, now);
        if !task.group_is_live() {
            // The last thread of its process.
            self.listener.process_exited(task.tgid());
        }
    }

    /// `task` is woken at `now` (the kprobe source).
    #[inline]
    fn woke(&self, task: &TaskView<'_>, now: u64) {
        if let Some(sleep) = self.profiler.on_wake(task, now) {
            self.listener.sleep_ended(task, &sleep);
        }
    }

    /// `task` runs on `cpu` (the tracepoint source): ends its wait for a
    /// CPU, and its sleep if it had one; `clock` gives the time if the
    /// scheduler's accounting does not.
    #[inline]
    fn ran(&self, task: &TaskView<'_>, cpu: usize, clock: impl FnOnce() -> u64) {
        if let Some(sleep) = self.profiler.on_run(task, cpu, clock) {
            self.listener.sleep_ended(task, &sleep);
        }
    }

    /// `task`, new, is runnable.
    fn started(&self, task: &TaskView<'_>) {
        self.profiler.on_new(task);
        if task.tid() == task.tgid() {
            self.listener.process_started(task.tgid());
        }
    }
}

/// The handler of the `nested_symbol` probe: it only counts. Its point is
/// the kprobe's `missed`: a hit while one of lattop's handlers runs on the
/// same CPU is skipped by kprobes and counted there.
pub(crate) struct CountingHook {
    pub(crate) events: AtomicU64,
}

impl ProbeHandler for CountingHook {
    fn entered(&self, _args: &ProbeArgs<'_>) {
        self.events.fetch_add(1, Relaxed);
    }
}

/// The armed event source.
enum Source<L: SchedListener> {
    Tracepoints(Pin<KBox<SchedTracepoints<tracepoints::Hooks<L>>>>),
    Kprobes(kprobes::Probes<L>),
}

/// One hook's line of the stats file: its name, counts and misses.
pub(crate) struct HookLine<'a> {
    pub(crate) name: &'a CStr,
    pub(crate) totals: HookTotals,
    pub(crate) missed: u64,
}

/// The armed hooks; dropping them disarms them, waiting for handlers
/// still running.
pub(crate) struct ProbeSet<L: SchedListener> {
    /// Dropped first: disarming waits for the handlers, which use `events`.
    source: Option<Source<L>>,
    /// The counting probe on `nested_symbol`, when one is set.
    nested: Option<Pin<KBox<Kprobe<CountingHook>>>>,
    events: Arc<Events<L>>,
}

impl<L: SchedListener> ProbeSet<L> {
    /// Arms the hooks of the source `hooks=` names, recording into
    /// `profiler` and telling `listener`; they record nothing until
    /// [`Self::start`], so that no hook armed before its siblings records
    /// half a sleep.
    pub(crate) fn arm(profiler: &Arc<Profiler>, listener: Arc<L>) -> Result<Self> {
        let events = Arc::new(
            Events {
                profiler: profiler.clone(),
                listener,
                lifecycle: Lifecycle::new(),
            },
            GFP_KERNEL,
        )?;
        let hooks = params::HOOKS.get();
        let source = match crate::sys::compat::cstr_bytes(hooks) {
            b"tracepoint" => Source::Tracepoints(SchedTracepoints::register(
                tracepoints::Hooks::new(events.clone())?,
            )?),
            b"kprobe" => Source::Kprobes(kprobes::Probes::arm(&events)?),
            _ => {
                pr_err!("hooks={}: tracepoint or kprobe\n", hooks);
                return Err(EINVAL);
            }
        };
        let symbol = params::NESTED_SYMBOL.get();
        let nested = if symbol.is_empty() {
            None
        } else {
            let hook = CountingHook {
                events: AtomicU64::new(0),
            };
            let probe = Kprobe::register(symbol, hook).inspect_err(|e| {
                pr_err!(
                    "cannot probe {} (nested_symbol): error {}\n",
                    symbol,
                    e.to_errno()
                );
            })?;
            Some(probe)
        };
        Ok(Self {
            source: Some(source),
            nested,
            events,
        })
    }

    /// Every hook is armed: the handlers record from now on.
    pub(crate) fn start(&self) {
        self.events.lifecycle.set(State::Running);
    }

    /// Unload begins: the handlers record nothing more. Dropping the set
    /// then waits for those still running.
    pub(crate) fn stop(&self) {
        self.events.lifecycle.set(State::Stopping);
    }

    /// The lifecycle state now.
    pub(crate) fn state(&self) -> State {
        self.events.lifecycle.state()
    }

    /// Calls `line` with each hook's line, then the counting probe's.
    pub(crate) fn for_each_hook(&self, mut line: impl FnMut(HookLine<'_>) -> Result) -> Result {
        match &self.source {
            Some(Source::Tracepoints(tracepoints)) => tracepoints.handler().lines(&mut line)?,
            Some(Source::Kprobes(probes)) => probes.lines(&mut line)?,
            None => {}
        }
        if let Some(probe) = &self.nested {
            line(HookLine {
                name: params::NESTED_SYMBOL.get(),
                // Counting only: no handler time to report.
                totals: HookTotals {
                    events: probe.handler().events.load(Relaxed),
                    time_ns: 0,
                    timed: 0,
                    timer_ns: 0,
                },
                missed: probe.missed(),
            })?;
        }
        Ok(())
    }
}

impl<L: SchedListener> Drop for ProbeSet<L> {
    fn drop(&mut self) {
        // Disarms each hook, waiting for its running handlers; then the
        // count of hits that came during unload is final.
        self.source = None;
        self.nested = None;
        pr_info!(
            "probes disarmed: {} hits arrived while unloading and returned at once\n",
            self.events.lifecycle.stopping_hits()
        );
    }
}
