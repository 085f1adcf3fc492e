// SPDX-License-Identifier: GPL-2.0

//! The tracepoint event source (the default): the scheduler's own
//! tracepoints, and what each tells on 6.12 (kernel/sched/core.c).
//!
//! - `sched_switch` fires in __schedule() for every switch to another task.
//!   `prev` blocked when `!preempt && prev_state != TASK_RUNNING`: a task
//!   that set a sleeping state but has a signal pending was put back to
//!   TASK_RUNNING by try_to_block_task() before the tracepoint (and
//!   `prev_state` is that value); one EEVDF's delayed dequeue keeps queued
//!   still blocked here, once, and its later full dequeue fires nothing;
//!   `prev_state` TASK_DEAD is its exit. A block is dated where `prev`'s
//!   CPU time stopped, at its dequeue, not at the
//!   tracepoint, which comes after the pick of `next` and its newidle
//!   balance (see `TaskSlot::switch_out_blocked`). Otherwise `prev` stays
//!   runnable: preempted, or yielding, it waits for a CPU again, and
//!   nothing is recorded. A run's end by a block or an exit counts the
//!   wait for a CPU that began the run (its `run_delay`'s growth since the
//!   last wait counted, by the kernel's own account); one preempted has
//!   that wait counted when it runs again. `next` runs: if it had blocked, its sleep
//!   ended when its wait for a CPU began. The tracepoint fires before
//!   context_switch() updates `next`'s sched_info, which still says when
//!   it was enqueued (`last_queued`: by its wake-up, also of a task EEVDF
//!   left queued, ENQUEUE_DELAYED) and how much of its `run_delay` grew
//!   while asleep (a migration while queued grows it): so the switch
//!   times the sleep with no clock read, and no wake-up hook runs at all
//!   (`sched_wakeup` is not armed: a wake-up costs nothing, and the
//!   waker's CPU never writes the sleeper's slot). One case is not
//!   (`sched_migrate_task`, below).
//! - `sched_wakeup_new`: a new task is runnable for the first time.
//! - `sched_migrate_task`: a task moves to another CPU. One moved while
//!   queued in a sleeping state is asleep, left queued by EEVDF's delayed
//!   dequeue: its new CPU's `sched_info` then marks it queued, and its
//!   wake-up changes nothing there, so its sleep is timed to the switch
//!   that runs it.

use super::{
    counters::{EventClock, HookCounters},
    Events, HookLine, SchedListener,
};
use crate::sys::{
    cpu::this_cpu,
    task::{TaskView, COMM_WORDS},
    tracepoint::SchedEvents,
};
use kernel::{c_str, prelude::*, sync::Arc};

/// `TASK_RUNNING`, and `TASK_DEAD` of include/linux/sched.h.
const TASK_RUNNING: u32 = 0;
const TASK_DEAD: u32 = 0x80;

/// The handlers of the three tracepoints, with a counter set each.
pub(super) struct Hooks<L: SchedListener> {
    events: Arc<Events<L>>,
    switch: HookCounters,
    wakeup_new: HookCounters,
    migrate: HookCounters,
    rename: HookCounters,
}

impl<L: SchedListener> Hooks<L> {
    pub(super) fn new(events: Arc<Events<L>>) -> Result<Self> {
        Ok(Self {
            events,
            switch: HookCounters::new()?,
            wakeup_new: HookCounters::new()?,
            migrate: HookCounters::new()?,
            rename: HookCounters::new()?,
        })
    }

    /// Calls `line` with each tracepoint's stats line (tracepoints miss
    /// nothing: a handler never nests in itself).
    pub(super) fn lines(&self, line: &mut impl FnMut(HookLine<'_>) -> Result) -> Result {
        let hooks = [
            (c_str!("sched_switch"), &self.switch),
            (c_str!("sched_wakeup_new"), &self.wakeup_new),
            (c_str!("sched_migrate_task"), &self.migrate),
            (c_str!("task_rename"), &self.rename),
        ];
        for (name, counters) in hooks {
            line(HookLine {
                name,
                totals: counters.totals(),
                missed: 0,
            })?;
        }
        Ok(())
    }
}

impl<L: SchedListener> Hooks<L> {
    /// Runs `handle` with the event's clock, counted (and now and then
    /// timed) in `counters`, while the hooks record; `cpu` is the CPU the
    /// hook runs on.
    #[inline(always)]
    fn handle(
        &self,
        counters: &HookCounters,
        cpu: usize,
        handle: impl FnOnce(&Events<L>, EventClock),
    ) {
        let events = &*self.events;
        if !events.recording() {
            return;
        }
        let timer = counters.begin_on(cpu);
        handle(events, timer.clock());
        timer.done();
    }
}

impl<L: SchedListener> SchedEvents for Hooks<L> {
    fn switched(&self, preempt: bool, prev: &TaskView<'_>, next: &TaskView<'_>, prev_state: u32) {
        // No clock is read here but where the scheduler's accounting lacks
        // a time (and for the one event in 16 that is timed).
        // `prev` runs here, on this CPU, where `next` is queued: read once,
        // the CPU serves every per-CPU look-up of the switch.
        let cpu = prev.cpu();
        self.handle(&self.switch, cpu, |events, clock| {
            // A `prev` still runnable (preempted, or yielding) has nothing
            // to record until it runs again.
            let blocked = !preempt && prev_state != TASK_RUNNING;
            if blocked && prev_state & TASK_DEAD != 0 {
                events.exited(*prev, clock.now());
            } else if blocked {
                // `prev` is current, in schedule(): its user stack is readable.
                events.switched_out_blocked(prev, cpu, move || clock.now());
            }
            events.ran(next, cpu, move || clock.now());
        });
    }

    fn woke_new(&self, task: &TaskView<'_>) {
        self.handle(&self.wakeup_new, this_cpu(), |events, _| {
            events.started(task)
        });
    }

    fn migrating(&self, task: &TaskView<'_>, _dest_cpu: i32) {
        self.handle(&self.migrate, this_cpu(), |events, _| {
            events.profiler.on_migrate(task)
        });
    }

    fn renamed(&self, task: &TaskView<'_>, comm: [u64; COMM_WORDS]) {
        self.handle(&self.rename, this_cpu(), |events, _| {
            events.profiler.on_rename(task, comm)
        });
    }
}
