// SPDX-License-Identifier: GPL-2.0

//! The probe set, in one table: which scheduler functions lattop probes, and
//! what each event means on 6.12.
//!
//! In 6.12 a task blocks through __schedule() → try_to_block_task() →
//! block_task() → dequeue_task(DEQUEUE_SLEEP): deactivate_task() is only
//! used to migrate. It wakes through ttwu_do_activate() → activate_task() →
//! enqueue_task(ENQUEUE_WAKEUP), or, when EEVDF's delayed dequeue left it
//! queued, through ttwu_runnable() → enqueue_task(ENQUEUE_DELAYED), with no
//! activate_task() at all. So sleeps are timed at dequeue_task and
//! enqueue_task, which see every block and every wake-up once; migrations
//! (deactivate_task, then an activate_task without ENQUEUE_WAKEUP) carry
//! neither flag and are only counted, never taken for a sleep.

mod lifecycle;

pub(crate) use lifecycle::State;

use crate::{
    params,
    profiler::Profiler,
    sys::{
        clock::now_ns,
        kprobe::{
            sched_flags::{DEQUEUE_SLEEP, ENQUEUE_DELAYED, ENQUEUE_INITIAL, ENQUEUE_WAKEUP},
            Kprobe, ProbeArgs, ProbeHandler, SchedHandler, SchedProbe,
        },
        module_param::ParamStr,
        task::TaskView,
    },
};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::{prelude::*, sync::Arc};
use lifecycle::Lifecycle;

/// What a probe's events mean.
#[derive(Clone, Copy)]
pub(crate) enum Meaning {
    /// A task starts to sleep.
    Block,
    /// A sleeping task becomes runnable.
    Wake,
    /// A runnable task moves between runqueues: counted only.
    Migrate,
}

/// One entry of the probe table.
pub(crate) struct ProbeSpec {
    /// The probed function, a module parameter (default: the symbol this
    /// table's comments name); its signature must be `(rq, task, flags)`.
    pub(crate) symbol: &'static ParamStr,
    pub(crate) meaning: Meaning,
    /// The event happens when `flags & mask` is non-zero.
    mask: u32,
}

/// The probe table.
pub(crate) const PROBES: [ProbeSpec; 3] = [
    ProbeSpec {
        symbol: &params::BLOCK_SYMBOL,
        meaning: Meaning::Block,
        mask: DEQUEUE_SLEEP,
    },
    ProbeSpec {
        symbol: &params::WAKE_SYMBOL,
        meaning: Meaning::Wake,
        mask: ENQUEUE_WAKEUP | ENQUEUE_DELAYED,
    },
    ProbeSpec {
        symbol: &params::MIGRATE_SYMBOL,
        meaning: Meaning::Migrate,
        mask: u32::MAX,
    },
];

/// What the probes tell the rest of lattop besides what the profiler
/// records: when a process starts or exits, and when a sleep ends.
///
/// Called in scheduler context, with a runqueue lock held and interrupts
/// off: an implementation must not sleep, allocate or wake anyone up (defer
/// with irq_work).
pub(crate) trait SchedListener: Send + Sync + 'static {
    /// A process started: its leader's first enqueue.
    fn process_started(&self);
    /// The last thread of a process is exiting.
    fn process_exited(&self);
    /// `task` slept `ns` and is waking now.
    fn sleep_ended(&self, task: &TaskView<'_>, ns: u64);
}

/// One armed probe: its table entry, the profiler, its own counters.
pub(crate) struct Hook<L: SchedListener> {
    pub(crate) spec: &'static ProbeSpec,
    profiler: Arc<Profiler>,
    /// A type parameter, not a trait object: the handlers call it on every
    /// wake-up, and a static call inlines its fast path (one load while no
    /// sleep_latency threshold is armed).
    listener: Arc<L>,
    lifecycle: Arc<Lifecycle>,
    /// Events handled (the probed function called with a matching flag
    /// while running).
    pub(crate) events: AtomicU64,
    /// Time spent handling them, in ns.
    pub(crate) time_ns: AtomicU64,
}

impl<L: SchedListener> SchedHandler for Hook<L> {
    fn entered(&self, task: &TaskView<'_>, flags: u32) {
        if !self.lifecycle.is_running() {
            self.lifecycle.note_idle_hit();
            return;
        }
        if process_started(self.spec.meaning, task, flags) {
            self.listener.process_started();
        }
        if flags & self.spec.mask == 0 {
            return;
        }
        // One clock read serves as the event's time and the handler's start.
        let start = now_ns();
        match self.spec.meaning {
            // A task's last dequeue, in do_task_dead().
            Meaning::Block if task.is_dead() => {
                self.profiler.on_exit(task, start);
                if !task.group_is_live() {
                    // The last thread of its process.
                    self.listener.process_exited();
                }
            }
            Meaning::Block => self.profiler.on_block(task, start),
            Meaning::Wake => {
                if let Some(slept) = self.profiler.on_wake(task, start) {
                    self.listener.sleep_ended(task, slept);
                }
            }
            Meaning::Migrate => {}
        }
        self.events.fetch_add(1, Relaxed);
        self.time_ns
            .fetch_add(now_ns().saturating_sub(start), Relaxed);
    }
}

/// Whether this event is a new process's first enqueue: the wake-up probe
/// sees it, flagged `ENQUEUE_INITIAL`, for a task that leads its group.
fn process_started(meaning: Meaning, task: &TaskView<'_>, flags: u32) -> bool {
    matches!(meaning, Meaning::Wake) && flags & ENQUEUE_INITIAL != 0 && task.tid() == task.tgid()
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

/// The armed probes; dropping them disarms them, waiting for handlers
/// still running.
pub(crate) struct ProbeSet<L: SchedListener> {
    probes: KVec<Pin<KBox<Kprobe<SchedProbe<Hook<L>>>>>>,
    /// The counting probe on `nested_symbol`, when one is set.
    nested: Option<Pin<KBox<Kprobe<CountingHook>>>>,
    lifecycle: Arc<Lifecycle>,
}

impl<L: SchedListener> ProbeSet<L> {
    /// Arms every probe of the table, recording into `profiler` and telling
    /// `listener`; they record nothing until [`Self::start`], so that no
    /// probe armed before its siblings records half a sleep.
    pub(crate) fn arm(profiler: &Arc<Profiler>, listener: Arc<L>) -> Result<Self> {
        let lifecycle = Arc::new(Lifecycle::new(), GFP_KERNEL)?;
        let mut probes = KVec::with_capacity(PROBES.len(), GFP_KERNEL)?;
        for spec in PROBES.iter() {
            let hook = Hook {
                spec,
                profiler: profiler.clone(),
                listener: listener.clone(),
                lifecycle: lifecycle.clone(),
                events: AtomicU64::new(0),
                time_ns: AtomicU64::new(0),
            };
            let symbol = spec.symbol.get();
            let probe = SchedProbe::register(symbol, hook).inspect_err(|e| {
                pr_err!("cannot probe {}: error {}\n", symbol, e.to_errno());
            })?;
            probes.push(probe, GFP_KERNEL)?;
        }
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
            probes,
            nested,
            lifecycle,
        })
    }

    /// Every probe is armed: the handlers record from now on.
    pub(crate) fn start(&self) {
        self.lifecycle.set(State::Running);
    }

    /// Unload begins: the handlers record nothing more. Dropping the set
    /// then waits for those still running.
    pub(crate) fn stop(&self) {
        self.lifecycle.set(State::Stopping);
    }

    /// The lifecycle state now.
    pub(crate) fn state(&self) -> State {
        self.lifecycle.state()
    }

    /// Each armed probe's hook and the kernel's count of its misses.
    pub(crate) fn hooks(&self) -> impl Iterator<Item = (&Hook<L>, u64)> {
        self.probes
            .iter()
            .map(|probe| (probe.handler().handler(), probe.missed()))
    }

    /// The counting probe's symbol, events and misses, when one is armed.
    pub(crate) fn nested(&self) -> Option<(&CStr, u64, u64)> {
        self.nested.as_ref().map(|probe| {
            let events = probe.handler().events.load(Relaxed);
            (params::NESTED_SYMBOL.get(), events, probe.missed())
        })
    }
}

impl<L: SchedListener> Drop for ProbeSet<L> {
    fn drop(&mut self) {
        // Disarms each probe, waiting for its running handlers; then the
        // count of hits that came during unload is final.
        self.probes = KVec::new();
        self.nested = None;
        pr_info!(
            "probes disarmed: {} hits arrived while unloading and returned at once\n",
            self.lifecycle.stopping_hits()
        );
    }
}
