// SPDX-License-Identifier: GPL-2.0

//! The latency profiler's core: what the hooks record, in scheduler
//! context, and what process context does with it.
//!
//! A sleep travels like this: the block hook writes its start into the
//! task's slot (`live.rs`, found without a lock); the hook that sees the
//! task run again closes it there (the kprobe source: its wake-up), adding
//! to the slot's counts, and queues the call trace of a long sleep on its
//! CPU's ring (`trace_queue.rs`). Process context drains both
//! into the task table (`task_table.rs`: the red-black trees by pid and by
//! latency, and the per-process sums) under a mutex, before every report
//! or snapshot, and when the hooks ask for it (an exit, a full ring).

mod file_names;
mod live;
mod process_index;
pub(crate) mod report;
mod slot_pool;
mod task_table;
mod trace;
mod trace_queue;
pub(crate) mod traces_file;

pub(crate) use live::{EndedSleep, LastSleep, PrevSleep};
pub(crate) use trace::{ProcessSums, SleepStats};

use crate::{
    ids::ProcessId,
    params,
    sys::{
        clock::now_ns,
        deferred::{impl_has_deferred, Deferred},
        gfp_quiet,
        mm::MmRef,
        namespace::View,
        rcu::RcuReadGuard,
        stack::{self, UserStackKey},
        task::{TaskView, COMM_WORDS},
        work::WorkQueue,
    },
};
use core::{
    cell::Cell,
    sync::atomic::{AtomicU64, Ordering::Relaxed},
};
use kernel::{
    c_str, new_mutex,
    prelude::*,
    static_lock_class,
    sync::{
        lock::{mutex::MutexBackend, Guard},
        Arc, Mutex,
    },
};
use live::{Changed, LiveTasks, NoSlot, TaskSlot};
use slot_pool::reserve_nodes;
use task_table::{NotRecorded, ReportRow, TableCounts, TaskLatency, TaskTable};
pub(crate) use task_table::{TracesCopy, TracesRow};
pub(crate) use trace::TraceEntry;
use trace::{KERNEL_FRAMES, USER_FRAMES};
use trace_queue::TraceQueue;

/// Counters of what the hooks and the drain could not record.
#[derive(Default)]
pub(crate) struct DropCounters {
    /// Task figures the drain could not keep: no tree node could be allocated.
    pub(crate) no_node: AtomicU64,
    /// New tasks not tracked because `max_tasks` were.
    pub(crate) task_cap: AtomicU64,
    /// Traces not kept because a CPU's ring or the trace arena was full.
    pub(crate) traces: AtomicU64,
    /// A new task's first event given up because the slot index stayed
    /// locked past the budget.
    pub(crate) busy: AtomicU64,
}

/// The shortest time between two walks of the table to free exited tasks.
const COLLECT_INTERVAL_NS: u64 = 100_000_000;

/// The profiler. Lives in an `Arc` shared by the hooks and the report.
#[pin_data]
pub(crate) struct Profiler {
    /// First, so that it is dropped (and waited for) before the rest.
    #[pin]
    housekeeping: Deferred<Profiler>,
    #[pin]
    live: LiveTasks,
    traces: TraceQueue,
    #[pin]
    table: Mutex<TaskTable>,
    pub(crate) dropped: DropCounters,
    trace_threshold_ns: u64,
    retention_ns: u64,
    /// How long a new task's first event may wait for the slot index
    /// before it gives up (`lock_budget_us`).
    lock_budget_ns: u64,
    /// When `collect_exited` last walked the table.
    last_collect_ns: AtomicU64,
    /// The longest the table's mutex was held, ns (process context only:
    /// the hooks never wait for it).
    pub(crate) longest_hold_ns: AtomicU64,
}

impl_has_deferred!(Profiler, housekeeping, Profiler::housekeep);

impl Profiler {
    /// A profiler sized by the module parameters, with full pools, not yet
    /// running; its housekeeping runs on `queue`.
    pub(crate) fn new(queue: Arc<WorkQueue>) -> Result<Arc<Self>> {
        let max_tasks = params::MAX_TASKS.get() as usize;
        let table = TaskTable::new(
            max_tasks,
            params::MAX_TRACES.get() as usize,
            params::POOL_SIZE.get() as usize,
        )?;
        let profiler = Arc::pin_init(
            try_pin_init!(Self {
                housekeeping <- Deferred::new(
                    c_str!("lattop_housekeeping"),
                    crate::sys::compat::lock_class(static_lock_class!()),
                    queue
                ),
                live <- LiveTasks::new(max_tasks)?,
                traces: TraceQueue::new()?,
                table <- new_mutex!(table, "lattop_task_table"),
                dropped: DropCounters::default(),
                trace_threshold_ns: u64::from(params::TRACE_THRESHOLD_US.get()) * 1000,
                retention_ns: u64::from(params::RETENTION_MS.get()) * 1_000_000,
                lock_budget_ns: u64::from(params::LOCK_BUDGET_US.get()) * 1000,
                last_collect_ns: AtomicU64::new(0),
                longest_hold_ns: AtomicU64::new(0),
            }? Error),
            GFP_KERNEL,
        )?;
        Self::refill_pools(&mut profiler.table.lock());
        Ok(profiler)
    }

    /// Hook: the slot of `task`, claimed if it has none; a task that gets
    /// none is counted.
    #[inline]
    fn slot_of(&self, task: &TaskView<'_>) -> Option<&TaskSlot> {
        self.live.find(task).or_else(|| self.claim_slot(*task))
    }

    /// Hook (the tracepoint source): the slot of `task`, which the last
    /// switch on its CPU `cpu` ran and this one switches out, claimed if it
    /// has none (see [`LiveTasks::find_switched_out`]).
    #[inline(always)]
    fn slot_of_switched_out(&self, task: &TaskView<'_>, cpu: usize) -> Option<&TaskSlot> {
        self.live
            .find_switched_out(task, cpu)
            .or_else(|| self.claim_slot(*task))
    }

    /// Hook: the slot of `task`, which has none yet. Out of line: once per
    /// task, and its lock and counts would weigh on every lookup (and the
    /// task by value: a reference would keep the hook's copy in memory).
    #[inline(never)]
    fn claim_slot(&self, task: TaskView<'_>) -> Option<&TaskSlot> {
        self.claimed(self.live.claim(&task, self.lock_budget_ns))
    }

    /// Hook (the tracepoint source): the slot of `task`, which has none yet
    /// and is switched in on `cpu` (see [`LiveTasks::claim_switched_in`]).
    /// Out of line, as [`Self::claim_slot`].
    #[inline(never)]
    fn claim_switched_in(&self, task: TaskView<'_>, cpu: usize) -> Option<&TaskSlot> {
        self.claimed(self.live.claim_switched_in(&task, cpu, self.lock_budget_ns))
    }

    /// Hook: the slot a claim gave, if any; a task that got none is counted.
    fn claimed<'a>(&self, claim: Result<&'a TaskSlot, NoSlot>) -> Option<&'a TaskSlot> {
        match claim {
            Ok(slot) => Some(slot),
            Err(NoSlot::Full) => {
                self.dropped.task_cap.fetch_add(1, Relaxed);
                // Exited tasks' slots come back when drained.
                self.housekeeping.kick();
                None
            }
            Err(NoSlot::Busy) => {
                self.dropped.busy.fetch_add(1, Relaxed);
                None
            }
            Err(NoSlot::Idle) => None,
        }
    }

    /// Hook (the kprobe source): `task` blocks at `now`. `in_schedule`: it
    /// is the current task, blocking in schedule(), so its user stack can
    /// be read.
    #[inline(always)]
    pub(crate) fn on_block(&self, task: &TaskView<'_>, now: u64, in_schedule: bool) {
        let Some(slot) = self.slot_of(task) else {
            return;
        };
        slot.block(task, now, in_schedule);
        if in_schedule {
            Self::note_user_stack(task, slot);
        }
    }

    /// Hook (the tracepoint source): `task`, current on `cpu`, is switched
    /// out blocking; `clock` gives the time if the task's own does not (see
    /// [`TaskSlot::switch_out_blocked`]).
    #[inline(always)]
    pub(crate) fn on_switch_out_blocked(
        &self,
        task: &TaskView<'_>,
        cpu: usize,
        clock: impl FnOnce() -> u64,
    ) {
        let Some(slot) = self.slot_of_switched_out(task, cpu) else {
            return;
        };
        slot.switch_out_blocked(task, clock);
        Self::note_user_stack(task, slot);
    }

    /// Hook: `task`, current and blocking in schedule(), has its user stack
    /// kept in `slot`. Its key costs one read; the walk, a read per frame,
    /// so the frames are walked only when the key differs from the task's
    /// last.
    #[inline(always)]
    fn note_user_stack(task: &TaskView<'_>, slot: &TaskSlot) {
        let Some(regs) = task.user_regs() else {
            return;
        };
        let key = UserStackKey::of_current(regs.ip, regs.bp);
        if !slot.has_user_stack(key) {
            Self::walk_user_stack(slot, key);
        }
    }

    /// Walks the user stack `key` starts into `slot`. Out of line, and
    /// cold: its frame buffer would otherwise cost every block a larger
    /// stack frame, and the key it takes would be built for every block,
    /// not only for those that walk (a walk costs a read per frame anyway).
    #[cold]
    #[inline(never)]
    fn walk_user_stack(slot: &TaskSlot, key: UserStackKey) {
        let mut frames = [0usize; USER_FRAMES];
        let n = key.walk(&mut frames);
        slot.set_user_stack(key, &frames[..n]);
    }

    /// Hook (the kprobe source): `task` is woken at `now`. Returns how long
    /// it slept, when its sleep was seen.
    #[inline]
    pub(crate) fn on_wake(&self, task: &TaskView<'_>, now: u64) -> Option<EndedSleep<'_>> {
        let slot = self.live.find(task)?;
        let sleep = slot.wake(now)?;
        self.sleep_ended(task, slot, sleep.ns);
        Some(sleep)
    }

    /// Hook: `task`'s sleep of `ns`, seen in `slot`, has ended: a long one's
    /// trace is queued.
    #[inline]
    fn sleep_ended(&self, task: &TaskView<'_>, slot: &TaskSlot, ns: u64) {
        if ns >= self.trace_threshold_ns {
            self.queue_trace(*task, slot, ns);
        }
    }

    /// Queues the trace of `task`'s sleep of `ns`: the sleeper has not run
    /// since it blocked, so its kernel stack still shows where; walking it
    /// costs, hence only for long sleeps (and out of line, so that the
    /// frame buffers do not weigh on every wake-up). The first trace of a
    /// new user stack takes the sleeper's address space along, for the
    /// drain to name the user frames by file and offset: held until then,
    /// it stays even if the process exits first.
    #[inline(never)]
    fn queue_trace(&self, task: TaskView<'_>, slot: &TaskSlot, ns: u64) {
        let mut kernel = [0usize; KERNEL_FRAMES];
        let nr_kernel = stack::kernel_trace(&task, &mut kernel);
        let mut user = [0usize; USER_FRAMES];
        let nr_user = slot.user_frames(&mut user);
        let id = slot.task();
        match self.traces.push(
            id.tid,
            id.start_time,
            ns,
            &kernel[..nr_kernel],
            &user[..nr_user],
            || {
                if nr_user > 0 && slot.take_unnamed_user_stack() {
                    MmRef::of_task(&task)
                } else {
                    None
                }
            },
        ) {
            None => {
                self.dropped.traces.fetch_add(1, Relaxed);
                self.housekeeping.kick();
            }
            Some(true) => self.housekeeping.kick(),
            Some(false) => {}
        }
    }

    /// Hook (the tracepoint source): `task` is new, and runnable: it gets
    /// its slot, so that the switch that first runs it finds one, and
    /// counts its waits from there.
    #[inline]
    pub(crate) fn on_new(&self, task: &TaskView<'_>) {
        let _ = self.slot_of(task);
    }

    /// Hook (the tracepoint source): `task` moves to another CPU. A move
    /// while on a run queue in a sleeping state is of a task asleep there
    /// (EEVDF's delayed dequeue), which its slot notes (see
    /// [`TaskSlot::move_queued`]). A wake-up's choice of CPU (`task` not on
    /// a run queue) is no such move, nor is one of a task woken and waiting
    /// for a CPU (`TASK_RUNNING`), whose `sched_info` is right.
    pub(crate) fn on_migrate(&self, task: &TaskView<'_>) {
        if task.is_idle() || !task.is_on_rq() || !task.has_sleeping_state() {
            return;
        }
        if let Some(slot) = self.live.find(task) {
            slot.move_queued();
        }
    }

    /// Hook (the tracepoint source): `task`'s command name becomes `comm`
    /// (see [`TaskSlot::rename`]). A task with no slot yet gets its name
    /// when it gets one.
    pub(crate) fn on_rename(&self, task: &TaskView<'_>, comm: [u64; COMM_WORDS]) {
        if task.is_idle() {
            return;
        }
        if let Some(slot) = self.live.find(task) {
            slot.rename(comm);
        }
    }

    /// Hook (the tracepoint source): `task` runs on `cpu`: its wait for a
    /// CPU ends, and so does its sleep if it had blocked; `clock` gives the
    /// time if the scheduler's accounting does not. Returns how long it
    /// slept, when its sleep was seen.
    #[inline]
    pub(crate) fn on_run(
        &self,
        task: &TaskView<'_>,
        cpu: usize,
        clock: impl FnOnce() -> u64,
    ) -> Option<EndedSleep<'_>> {
        if task.is_idle() {
            self.live.idle_switched_in(cpu);
            return None;
        }
        // A task first seen here (a CPU hog running since before lattop
        // recorded) gets its slot here: its waits for a CPU count from now.
        let slot = self
            .live
            .find_switched_in(task, cpu)
            .or_else(|| self.claim_switched_in(*task, cpu))?;
        let sleep = slot.run(task.queue_times(), task.sum_exec_runtime(), clock)?;
        self.sleep_ended(task, slot, sleep.ns);
        Some(sleep)
    }

    /// Hook: `task` blocks for the last time (it exited) at `now`: its
    /// record stays until reported or retained long enough, and its slot
    /// goes back once drained; its last wait for a CPU is counted (see
    /// [`TaskSlot::exit`]).
    pub(crate) fn on_exit(&self, task: &TaskView<'_>, now: u64) {
        if let Some(slot) = self.live.find_switched_out(task, task.cpu()) {
            slot.exit(now, task.run_delay());
            self.housekeeping.kick();
        }
    }

    /// Process context, deferred from the hooks: drains them, frees exited
    /// tasks.
    fn housekeep(&self) {
        let mut table = self.drain();
        self.collect_exited(&mut table);
    }

    /// Process context: folds every slot that changed and every queued
    /// trace into the table, and returns it locked.
    fn drain(&self) -> Guard<'_, TaskTable, MutexBackend> {
        let mut table = self.table.lock();
        let start = now_ns();
        self.live.drain(|changed| self.fold(&mut table, changed));
        self.traces.drain(|pending| {
            let recorded = table.record_trace(
                pending.tid,
                pending.start_time,
                &pending.trace,
                pending.ns,
                |files, frames, named| {
                    if let Some(mm) = &pending.mm {
                        mm.with_mappings(|mappings| files.name_frames(mappings, frames, named));
                    }
                },
            );
            if !recorded {
                self.dropped.traces.fetch_add(1, Relaxed);
            }
            // `pending.mm` goes here, in process context: if the process
            // has exited, its address space's teardown is queued.
        });
        self.longest_hold_ns
            .fetch_max(now_ns().saturating_sub(start), Relaxed);
        table
    }

    /// Folds one changed slot into `table`; returns whether the slot's
    /// figures are done with (kept, or given up and counted).
    fn fold(&self, table: &mut TaskTable, changed: &Changed) -> bool {
        loop {
            match table.sync(&changed.task, &changed.figures) {
                Ok(()) => return true,
                Err(NotRecorded::TaskCap) => {
                    self.dropped.task_cap.fetch_add(1, Relaxed);
                    return true;
                }
                Err(NotRecorded::NoNode) => {
                    if !Self::refill_pools(table) {
                        self.dropped.no_node.fetch_add(1, Relaxed);
                        // A live task's figures are offered again next time;
                        // an exited one's slot must come back.
                        return changed.figures.exited_at.is_some();
                    }
                }
            }
        }
    }

    /// Process context: tops the node pools up. Returns whether any node
    /// was added.
    fn refill_pools(table: &mut TaskTable) -> bool {
        let (tasks, latencies, processes) = table.pool_deficit();
        let mut task_nodes = reserve_nodes(tasks);
        let mut latency_nodes = reserve_nodes(latencies);
        let mut process_nodes = reserve_nodes(processes);
        let added =
            !task_nodes.is_empty() || !latency_nodes.is_empty() || !process_nodes.is_empty();
        table.refill(&mut task_nodes, &mut latency_nodes, &mut process_nodes);
        added
    }

    /// Process context: frees the records of exited tasks that were
    /// reported or are older than the retention time, at most every
    /// [`COLLECT_INTERVAL_NS`], and only when exited tasks wait.
    fn collect_exited(&self, table: &mut TaskTable) {
        let now = now_ns();
        let last = self.last_collect_ns.load(Relaxed);
        if now.saturating_sub(last) < COLLECT_INTERVAL_NS || !table.has_exited() {
            return;
        }
        self.last_collect_ns.store(now, Relaxed);
        table.collect_exited(now, self.retention_ns);
    }

    /// Copies out the report's rows, worst first: at most `max_rows`, of
    /// the tasks `view` sees, numbered as it numbers them.
    pub(crate) fn report_rows(&self, max_rows: usize, view: &View) -> Result<KVVec<ReportRow>> {
        let mut rows = KVVec::with_capacity(max_rows, gfp_quiet())?;
        let mut table = self.drain();
        // Tasks past their retention go first, so that no report lists one.
        self.collect_exited(&mut table);
        let rcu = RcuReadGuard::new();
        table.report(&mut rows, max_rows, now_ns(), numbering(view, &rcu));
        Ok(rows)
    }

    /// Copies out every trace of the tasks `view` sees, numbered as it
    /// numbers them, worst task first.
    pub(crate) fn all_traces(&self, view: &View) -> Result<TracesCopy> {
        let mut table = self.drain();
        self.collect_exited(&mut table);
        // Sized under the lock, as in `latencies`: only process context
        // waits for it.
        let counts = table.counts();
        let mut copy = TracesCopy {
            rows: KVVec::with_capacity(counts.tasks, gfp_quiet())?,
            entries: KVVec::with_capacity(counts.traces, gfp_quiet())?,
            files: KVVec::new(),
        };
        {
            let rcu = RcuReadGuard::new();
            table.copy_traces(&mut copy, now_ns(), numbering(view, &rcu));
        }
        table.copy_file_paths(&mut copy)?;
        Ok(copy)
    }

    /// Copies out the latency figures of process `tgid`'s tasks and its
    /// sums (of every task and process if `None`), for the bulk transfer.
    pub(crate) fn latencies(&self, tgid: Option<i32>) -> Result<Latencies> {
        // One drain, and the buffers sized under it: only process context
        // takes the table's mutex, so allocating here keeps no hook waiting.
        let table = self.drain();
        let counts = table.counts();
        let (tasks, processes) = match tgid {
            None => (counts.tasks, counts.processes),
            Some(_) => (counts.tasks.min(4096), 1),
        };
        let mut latencies = Latencies {
            tasks: KVVec::with_capacity(tasks, gfp_quiet())?,
            processes: KVVec::with_capacity(processes, gfp_quiet())?,
            next_task: Cell::new(0),
            next_process: Cell::new(0),
        };
        table.copy_task_latencies(tgid, &mut latencies.tasks);
        table.copy_process_sums(tgid, &mut latencies.processes);
        Ok(latencies)
    }

    /// When `task`'s open sleep began (`local_clock()`'s clock), read from its live
    /// slot without a lock or a drain: a caller that has just seen the
    /// task's state gets the sleep that state belongs to (a drained copy
    /// may predate a wake-up and a new sleep since). Process context.
    pub(crate) fn blocked_since(&self, task: &TaskView<'_>) -> Option<u64> {
        if task.is_idle() {
            return None;
        }
        self.live.find(task)?.blocked_since()
    }

    /// What the table holds now.
    pub(crate) fn counts(&self) -> TableCounts {
        self.drain().counts()
    }

    /// Slots in use by live tasks, and the longest the slot index was held
    /// outside the hooks (ns): what a hook may have waited for.
    pub(crate) fn live_counts(&self) -> (usize, u64) {
        (self.live.in_use(), self.live.longest_hold_ns.load(Relaxed))
    }
}

/// How `view` numbers a task of the table (its tid, tgid and start time), if
/// it sees it: outside the initial pid namespace, only live tasks of the
/// reader's (an exited task's namespace is not known any more).
fn numbering<'a>(
    view: &'a View,
    rcu: &'a RcuReadGuard,
) -> impl Fn(i32, i32, u64) -> Option<(i32, i32)> + 'a {
    move |tid, tgid, start_time| {
        if view.sees_all_pids() {
            Some((tid, tgid))
        } else {
            view.task_numbers(tid, start_time, rcu)
        }
    }
}

/// Latency figures copied out of the table, by tid and by tgid ascending.
///
/// A snapshot looks up every task and process it walks, in the task list's
/// order, which is the order of creation: the order of their pids too,
/// until pids wrap. So each look-up first tries the entry after the last
/// one found, and searches only when that is not it (a pid out of that
/// order, a task the walk does not reach): one compare a look-up instead of
/// a binary search over thousands (a third of a 5,000-process snapshot's
/// own work, icount).
pub(crate) struct Latencies {
    tasks: KVVec<TaskLatency>,
    processes: KVVec<(ProcessId, ProcessSums)>,
    /// The entry after the last task found.
    next_task: Cell<usize>,
    /// The entry after the last process found.
    next_process: Cell<usize>,
}

impl Latencies {
    /// The figures of the task `tid` created at `start_time`, if it was seen.
    pub(crate) fn task(&self, tid: i32, start_time: u64) -> Option<&TaskLatency> {
        let i = find_from(&self.tasks, &self.next_task, tid, |t| t.tid)?;
        self.tasks.get(i).filter(|t| t.start_time == start_time)
    }

    /// The sums of `process`, if one of its tasks was seen.
    pub(crate) fn process(&self, process: ProcessId) -> Option<ProcessSums> {
        let i = find_from(&self.processes, &self.next_process, process.tgid, |p| {
            p.0.tgid
        })?;
        self.processes
            .get(i)
            .filter(|p| p.0 == process)
            .map(|p| p.1)
    }
}

/// The index of the entry of `entries` (sorted by `key`) whose key is
/// `wanted`: the one at `next` if it is, else found by binary search;
/// `next` is then set past it.
fn find_from<T>(
    entries: &[T],
    next: &Cell<usize>,
    wanted: i32,
    key: impl Fn(&T) -> i32,
) -> Option<usize> {
    let i = match entries.get(next.get()) {
        Some(entry) if key(entry) == wanted => next.get(),
        _ => entries.binary_search_by_key(&wanted, key).ok()?,
    };
    next.set(i + 1);
    Some(i)
}
