// SPDX-License-Identifier: GPL-2.0

//! The kprobe event source (`hooks=kprobe`), in one table: which scheduler
//! functions it probes, and what each event means on 6.12.
//!
//! In 6.12 a task blocks through __schedule() → try_to_block_task() →
//! block_task() → dequeue_task(DEQUEUE_SLEEP): deactivate_task() is only
//! used to migrate. It wakes through ttwu_do_activate() → activate_task() →
//! enqueue_task(ENQUEUE_WAKEUP), or, when EEVDF's delayed dequeue left it
//! queued, through ttwu_runnable() → enqueue_task(ENQUEUE_DELAYED), with no
//! activate_task() at all. dequeue_task() and enqueue_task() hand the same
//! flags on to the task's scheduling class through `p->sched_class`, and
//! that is where the probes sit: a kernel compiled for speed inlines
//! dequeue_task() into __schedule() (and enqueue_task() into some of its
//! callers), so a probe on them misses those calls, while the class
//! functions are only ever called through the class table and always run
//! out of line. The classes a task can block in are fair, rt, dl and stop
//! (idle never blocks; sched_ext is not built on 6.12's test kernels).
//! Migrations (deactivate_task, then an activate_task without
//! ENQUEUE_WAKEUP) carry neither flag and are only counted, never taken for
//! a sleep. No probe sees a task switched in: this source measures no
//! run-queue delay.

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
use kernel::{c_str, prelude::*, str::CStr, sync::Arc};

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
    /// A module parameter that, when insmod sets it, names the one function
    /// probed instead of `functions`; its signature must be `(rq, task,
    /// flags)`.
    param: &'static ParamStr,
    /// The functions probed by default.
    functions: &'static [&'static CStr],
    meaning: Meaning,
    /// The event happens when `flags & mask` is non-zero.
    mask: u32,
}

impl ProbeSpec {
    /// Calls `probe` with each function this entry probes.
    fn for_each_function(&self, mut probe: impl FnMut(&'static CStr) -> Result) -> Result {
        let param = self.param.get();
        if !param.is_empty() {
            return probe(param);
        }
        self.functions
            .iter()
            .try_for_each(|function| probe(function))
    }
}

/// The probe table.
const PROBES: [ProbeSpec; 3] = [
    ProbeSpec {
        param: &params::BLOCK_SYMBOL,
        functions: &[
            c_str!("dequeue_task_fair"),
            c_str!("dequeue_task_rt"),
            c_str!("dequeue_task_dl"),
            c_str!("dequeue_task_stop"),
        ],
        meaning: Meaning::Block,
        mask: DEQUEUE_SLEEP,
    },
    ProbeSpec {
        param: &params::WAKE_SYMBOL,
        functions: &[
            c_str!("enqueue_task_fair"),
            c_str!("enqueue_task_rt"),
            c_str!("enqueue_task_dl"),
            c_str!("enqueue_task_stop"),
        ],
        meaning: Meaning::Wake,
        mask: ENQUEUE_WAKEUP | ENQUEUE_DELAYED,
    },
    ProbeSpec {
        param: &params::MIGRATE_SYMBOL,
        functions: &[c_str!("deactivate_task")],
        meaning: Meaning::Migrate,
        mask: u32::MAX,
    },
];

/// One armed probe: its table entry, the events, its counters.
struct Hook<L: SchedListener> {
    spec: &'static ProbeSpec,
    /// The function it is on.
    function: &'static CStr,
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
            events.listener.process_started(task.tgid());
        }
        if flags & self.spec.mask == 0 {
            return;
        }
        let timer = self.counters.begin();
        let now = timer.now();
        match self.spec.meaning {
            // A task's last dequeue, in do_task_dead().
            Meaning::Block if task.is_dead() => events.exited(*task, now),
            Meaning::Block => events.blocked(task, now, task.is_current()),
            Meaning::Wake => events.woke(task, now),
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
        let mut probes = KVec::new();
        for spec in PROBES.iter() {
            spec.for_each_function(|function| {
                let hook = Hook {
                    spec,
                    function,
                    events: events.clone(),
                    counters: HookCounters::new()?,
                };
                let probe = SchedProbe::register(function, hook).inspect_err(|e| {
                    pr_err!("cannot probe {}: error {}\n", function, e.to_errno());
                })?;
                probes.push(probe, GFP_KERNEL)?;
                Ok(())
            })?;
        }
        Ok(Self { probes })
    }

    /// Calls `line` with each probe's stats line.
    pub(super) fn lines(&self, line: &mut impl FnMut(HookLine<'_>) -> Result) -> Result {
        for probe in self.probes.iter() {
            let hook = probe.handler().handler();
            line(HookLine {
                name: hook.function,
                totals: hook.counters.totals(),
                missed: probe.missed(),
            })?;
        }
        Ok(())
    }
}
