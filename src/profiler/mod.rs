// SPDX-License-Identifier: GPL-2.0

//! The latency profiler's core: what the probes record, in scheduler
//! context, and what process context does for them (refilling pools,
//! freeing exited tasks). The task table and its parts live in the files of
//! this folder; /proc/lattop, the report, is read from it.

mod process_index;
pub(crate) mod report;
mod slot_pool;
mod task_table;
mod trace;

pub(crate) use trace::SleepStats;

use crate::{
    ids::ProcessId,
    params,
    sys::{
        clock::now_ns,
        deferred::{impl_has_deferred, Deferred},
        gfp_quiet,
        irq_spinlock::{new_irq_spinlock, IrqSpinLock},
        stack::{self, UserStackKey},
        task::TaskView,
    },
};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::{c_str, prelude::*, static_lock_class, sync::Arc};
use slot_pool::reserve_nodes;
use task_table::{NotRecorded, ReportRow, TableCounts, TaskId, TaskLatency, TaskTable, UserFrames};
use trace::{KERNEL_FRAMES, USER_FRAMES};

/// Counters of what the probes could not record.
#[derive(Default)]
pub(crate) struct DropCounters {
    /// Events lost because a node pool was empty.
    pub(crate) no_node: AtomicU64,
    /// New tasks not tracked because `max_tasks` were.
    pub(crate) task_cap: AtomicU64,
    /// Traces not kept because the trace arena was full.
    pub(crate) traces: AtomicU64,
    /// Events given up because the table stayed locked past the budget.
    pub(crate) busy: AtomicU64,
}

/// The shortest time between two walks of the table to free exited tasks.
const COLLECT_INTERVAL_NS: u64 = 100_000_000;

/// The profiler. Lives in an `Arc` shared by the probes and the report.
#[pin_data]
pub(crate) struct Profiler {
    /// First, so that it is dropped (and waited for) before the table.
    #[pin]
    housekeeping: Deferred<Profiler>,
    #[pin]
    table: IrqSpinLock<TaskTable>,
    pub(crate) dropped: DropCounters,
    trace_threshold_ns: u64,
    retention_ns: u64,
    /// How long a probe may wait for the table before it gives the event up
    /// (`lock_budget_us`): the per-invocation work budget.
    lock_budget_ns: u64,
    /// When `collect_exited` last walked the table.
    last_collect_ns: AtomicU64,
    /// The longest the table was held outside the probes, ns (a report or
    /// bulk copy, housekeeping): probes on every CPU waited up to that
    /// long, with interrupts off.
    pub(crate) longest_hold_ns: AtomicU64,
}

impl_has_deferred!(Profiler, housekeeping, Profiler::housekeep);

impl Profiler {
    /// A profiler sized by the module parameters, with full pools, not yet
    /// running.
    pub(crate) fn new() -> Result<Arc<Self>> {
        let table = TaskTable::new(
            params::MAX_TASKS.get() as usize,
            params::MAX_TRACES.get() as usize,
            params::POOL_SIZE.get() as usize,
        )?;
        let profiler = Arc::pin_init(
            pin_init!(Self {
                housekeeping <- Deferred::new(c_str!("lattop_housekeeping"), static_lock_class!()),
                table <- new_irq_spinlock!(table, "lattop_task_table"),
                dropped: DropCounters::default(),
                trace_threshold_ns: u64::from(params::TRACE_THRESHOLD_US.get()) * 1000,
                retention_ns: u64::from(params::RETENTION_MS.get()) * 1_000_000,
                lock_budget_ns: u64::from(params::LOCK_BUDGET_US.get()) * 1000,
                last_collect_ns: AtomicU64::new(0),
                longest_hold_ns: AtomicU64::new(0),
            }),
            GFP_KERNEL,
        )?;
        profiler.refill_pools();
        Ok(profiler)
    }

    fn count_drop(&self, why: NotRecorded, exited_waiting: bool) {
        let counter = match why {
            NotRecorded::NoNode => &self.dropped.no_node,
            NotRecorded::TaskCap => &self.dropped.task_cap,
        };
        counter.fetch_add(1, Relaxed);
        // Housekeeping helps when it can refill, or free exited tasks.
        if matches!(why, NotRecorded::NoNode) || exited_waiting {
            self.housekeeping.kick();
        }
    }

    fn count_busy(&self) {
        self.dropped.busy.fetch_add(1, Relaxed);
    }

    /// Probe: `task` is blocking for the last time (it exited) at `now`:
    /// its record stays until reported or retained long enough.
    pub(crate) fn on_exit(&self, task: &TaskView<'_>, now: u64) {
        match self.table.try_lock_for(self.lock_budget_ns) {
            Some(mut table) => table.mark_exited(task.tid(), task.start_time(), now),
            None => self.count_busy(),
        }
    }

    /// Probe: `task` is blocking (the scheduler dequeues it to sleep) at `now`.
    pub(crate) fn on_block(&self, task: &TaskView<'_>, now: u64) {
        let id = TaskId {
            tid: task.tid(),
            start_time: task.start_time(),
            tgid: task.tgid(),
            comm: task.comm(),
        };
        // The user stack can only be read from the sleeper's own context,
        // which this is when schedule() blocks the current task. Its key
        // costs one read; the walk, a read per frame, so the table asks for
        // one only when the key differs from the task's last.
        let in_schedule = task.is_current();
        let key = if in_schedule {
            task.user_regs()
                .map(|regs| UserStackKey::of_current(regs.ip, regs.bp))
        } else {
            None
        };
        let Some(mut table) = self.table.try_lock_for(self.lock_budget_ns) else {
            return self.count_busy();
        };
        let result = table.begin_sleep(&id, || task.leader_start_time(), now, key, in_schedule);
        let low = table.pools_low();
        let exited_waiting = table.has_exited();
        drop(table);
        match result {
            Err(why) => return self.count_drop(why, exited_waiting),
            Ok(UserFrames::Walk(key)) => self.attach_user_frames(&id, now, key),
            Ok(UserFrames::Kept) => {}
        }
        if low {
            self.housekeeping.kick();
        }
    }

    /// Walks the user stack `key` starts, unlocked (it reads user memory),
    /// and gives the frames to the sleep `task` began at `since`.
    fn attach_user_frames(&self, task: &TaskId, since: u64, key: UserStackKey) {
        let mut frames = [0usize; USER_FRAMES];
        let n = key.walk(&mut frames);
        match self.table.try_lock_for(self.lock_budget_ns) {
            Some(mut table) => table.set_user_frames(task, since, key, &frames[..n]),
            None => self.count_busy(),
        }
    }

    /// Probe: `task` is waking (the scheduler enqueues it after a sleep) at
    /// `now`. Returns how long it slept, when its sleep was seen.
    pub(crate) fn on_wake(&self, task: &TaskView<'_>, now: u64) -> Option<u64> {
        let tid = task.tid();
        let Some(mut table) = self.table.try_lock_for(self.lock_budget_ns) else {
            self.count_busy();
            return None;
        };
        let slept = table.end_sleep(tid, task.start_time(), now);
        let low = table.pools_low();
        drop(table);
        if low {
            self.housekeeping.kick();
        }
        let slept = slept?;
        if slept < self.trace_threshold_ns {
            return Some(slept);
        }
        // The sleeper has not run since it blocked, so its kernel stack still
        // shows where; walking it costs, hence only for long sleeps.
        let mut kernel = [0usize; KERNEL_FRAMES];
        let n = stack::kernel_trace(task, &mut kernel);
        let Some(mut table) = self.table.try_lock_for(self.lock_budget_ns) else {
            self.count_busy();
            return Some(slept);
        };
        if !table.record_trace(tid, &kernel[..n], slept) {
            self.dropped.traces.fetch_add(1, Relaxed);
        }
        Some(slept)
    }

    /// Process context, deferred from the probes: refills the pools, frees
    /// exited tasks.
    fn housekeep(&self) {
        self.refill_pools();
        self.collect_exited();
    }

    /// Process context: tops the node pools up. Allocates unlocked, then
    /// hands the nodes over under the lock.
    fn refill_pools(&self) {
        let (tasks, latencies, processes) = self.with_table(|table| table.pool_deficit());
        let mut task_nodes = reserve_nodes(tasks);
        let mut latency_nodes = reserve_nodes(latencies);
        let mut process_nodes = reserve_nodes(processes);
        self.with_table(|table| {
            table.refill(&mut task_nodes, &mut latency_nodes, &mut process_nodes)
        });
        // Whatever did not fit is freed here, unlocked.
    }

    /// Process context: frees the records of exited tasks that were
    /// reported or are older than the retention time. It walks the table
    /// with interrupts off while probes may wait, so it runs at most every
    /// [`COLLECT_INTERVAL_NS`], and only when exited tasks wait.
    fn collect_exited(&self) {
        let now = now_ns();
        let last = self.last_collect_ns.load(Relaxed);
        if now.saturating_sub(last) < COLLECT_INTERVAL_NS
            || self
                .last_collect_ns
                .compare_exchange(last, now, Relaxed, Relaxed)
                .is_err()
        {
            return;
        }
        self.with_table(|table| table.collect_exited(now, self.retention_ns));
    }

    /// Runs `f` on the locked table, outside probe context, and keeps the
    /// longest such hold in `longest_hold_ns`.
    fn with_table<R>(&self, f: impl FnOnce(&mut TaskTable) -> R) -> R {
        let mut table = self.table.lock();
        let start = now_ns();
        let result = f(&mut table);
        let held = now_ns().saturating_sub(start);
        drop(table);
        self.longest_hold_ns.fetch_max(held, Relaxed);
        result
    }

    /// Copies out the report's rows, worst first: at most `max_rows`.
    pub(crate) fn report_rows(&self, max_rows: usize) -> Result<KVVec<ReportRow>> {
        let mut rows = KVVec::with_capacity(max_rows, gfp_quiet())?;
        // Tasks past their retention go first, so that no report lists one.
        self.collect_exited();
        self.with_table(|table| table.report(&mut rows, max_rows, now_ns()));
        Ok(rows)
    }

    /// Copies out the latency figures of process `tgid`'s tasks and its
    /// sums (of every task and process if `None`), for the bulk transfer.
    pub(crate) fn latencies(&self, tgid: Option<i32>) -> Result<Latencies> {
        let counts = self.counts();
        let (tasks, processes) = match tgid {
            // Room for some tasks created meanwhile: later ones are left out.
            None => (counts.tasks + 64, counts.processes + 64),
            Some(_) => (counts.tasks.min(4096), 1),
        };
        let mut latencies = Latencies {
            tasks: KVVec::with_capacity(tasks, gfp_quiet())?,
            processes: KVVec::with_capacity(processes, gfp_quiet())?,
        };
        self.with_table(|table| {
            table.copy_task_latencies(tgid, &mut latencies.tasks);
            table.copy_process_sums(tgid, &mut latencies.processes);
        });
        Ok(latencies)
    }

    /// What the table holds now.
    pub(crate) fn counts(&self) -> TableCounts {
        self.with_table(|table| table.counts())
    }
}

/// Latency figures copied out of the table, by tid and by tgid ascending.
pub(crate) struct Latencies {
    tasks: KVVec<TaskLatency>,
    processes: KVVec<(ProcessId, SleepStats)>,
}

impl Latencies {
    /// The figures of the task `tid` created at `start_time`, if it was seen.
    pub(crate) fn task(&self, tid: i32, start_time: u64) -> Option<&TaskLatency> {
        let i = self.tasks.binary_search_by_key(&tid, |t| t.tid).ok()?;
        self.tasks.get(i).filter(|t| t.start_time == start_time)
    }

    /// The sums of `process`, if one of its tasks was seen.
    pub(crate) fn process(&self, process: ProcessId) -> Option<SleepStats> {
        let i = self
            .processes
            .binary_search_by_key(&process.tgid, |p| p.0.tgid)
            .ok()?;
        self.processes
            .get(i)
            .filter(|p| p.0 == process)
            .map(|p| p.1)
    }
}
