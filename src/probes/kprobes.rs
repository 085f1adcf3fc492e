// SPDX-License-Identifier: GPL-2.0

//! The kprobe event source (`hooks=kprobe`), in one table: which scheduler
//! functions it probes, and what each event means on 6.12.
//!
//! In 6.12 a task blocks through __schedule() → try_to_block_task() →
//! block_task() → dequeue_task(DEQUEUE_SLEEP): deactivate_task() is only
//! used to migrate. It wakes through ttwu_do_activate() → activate_task() →
//! enqueue_task(ENQUEUE_WAKEUP), or, when EEVDF's delayed dequeue left it
//! queued, through ttwu_runnable() → enqueue_task(ENQUEUE_DELAYED), with no
//! activate_task() at all. So sleeps are timed at dequeue_task and
//! enqueue_task, which see every block and every wake-up once; migrations
//! (deactivate_task, then an activate_task without ENQUEUE_WAKEUP) carry
//! neither flag and are only counted, never taken for a sleep. No probe
//! sees a task switched in: this source measures no run-queue delay.

use super::{counters::HookCounters, Events, HookLine, SchedListener};
use crate::{
    params,
    sys::{
        kprobe::{
            sched_flags::{DEQUEUE_SLEEP, ENQUEUE_DELAYED, ENQUEUE_INITIAL, ENQUEUE_WAKEUP},
            Kprobe, SchedHandler, SchedProbe,
        },
        module_param::ParamStr,
        task::TaskView,
    },
};
use kernel::{prelude::*, sync::Arc};

/// What a probe's events mean.
#[derive(Clone, Copy)]
enum Meaning {
    /// A task starts to sleep.
    Block,
    /// A sleeping task becomes runnable.
    Wake,
    /// A runnable task moves between runqueues: counted only.
    Migrate,
}

/// One entry of the probe table.
struct ProbeSpec {
    /// The probed function, a module parameter (default: the symbol this
    /// table's comments name); its signature must be `(rq, task, flags)`.
    symbol: &'static ParamStr,
    meaning: Meaning,
    /// The event happens when `flags & mask` is non-zero.
    mask: u32,
}

/// The probe table.
const PROBES: [ProbeSpec; 3] = [
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

/// One armed probe: its table entry, the events, its counters.
struct Hook<L: SchedListener> {
    spec: &'static ProbeSpec,
    events: Arc<Events<L>>,
    counters: HookCounters,
}

impl<L: SchedListener> SchedHandler for Hook<L> {
    fn entered(&self, task: &TaskView<'_>, flags: u32) {
        let events = &*self.events;
        if !events.recording() {
            return;
        }
        if matches!(self.spec.meaning, Meaning::Wake)
            && flags & ENQUEUE_INITIAL != 0
            && task.tid() == task.tgid()
        {
            // A new process's first enqueue.
            events.listener.process_started();
        }
        if flags & self.spec.mask == 0 {
            return;
        }
        let timer = self.counters.begin();
        let now = timer.now();
        match self.spec.meaning {
            // A task's last dequeue, in do_task_dead().
            Meaning::Block if task.is_dead() => events.exited(task, now),
            Meaning::Block => events.blocked(task, now, task.is_current()),
            Meaning::Wake => events.woke(task, || now),
            Meaning::Migrate => {}
        }
        timer.done();
    }
}

/// The armed probes of the table.
pub(super) struct Probes<L: SchedListener> {
    probes: KVec<Pin<KBox<Kprobe<SchedProbe<Hook<L>>>>>>,
}

impl<L: SchedListener> Probes<L> {
    /// Arms every probe of the table, delivering to `events`.
    pub(super) fn arm(events: &Arc<Events<L>>) -> Result<Self> {
        let mut probes = KVec::with_capacity(PROBES.len(), GFP_KERNEL)?;
        for spec in PROBES.iter() {
            let hook = Hook {
                spec,
                events: events.clone(),
                counters: HookCounters::new()?,
            };
            let symbol = spec.symbol.get();
            let probe = SchedProbe::register(symbol, hook).inspect_err(|e| {
                pr_err!("cannot probe {}: error {}\n", symbol, e.to_errno());
            })?;
            probes.push(probe, GFP_KERNEL)?;
        }
        Ok(Self { probes })
    }

    /// Calls `line` with each probe's stats line.
    pub(super) fn lines(&self, line: &mut impl FnMut(HookLine<'_>) -> Result) -> Result {
        for probe in self.probes.iter() {
            let hook = probe.handler().handler();
            line(HookLine {
                name: hook.spec.symbol.get(),
                totals: hook.counters.totals(),
                missed: probe.missed(),
            })?;
        }
        Ok(())
    }
}
