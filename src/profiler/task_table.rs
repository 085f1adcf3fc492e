// SPDX-License-Identifier: GPL-2.0

//! The task table: what lattop knows of each task, indexed twice with
//! red-black trees: by pid, to find a task in a probe, and by (total sleep
//! time, pid), to list the worst first. The pid in the second key makes
//! equal totals distinct keys: no offset trick is needed.
//!
//! Only process context touches it: the drain folds the hooks' per-task
//! slots (see `live.rs`) into it, under a mutex. Nodes come from pools that
//! the drain refills when they run out.

use super::{
    file_names::{FileNames, FrameFile},
    live::{SlotFigures, SlotTask},
    process_index::{ProcessIndex, ProcessNode},
    slot_pool::SlotPool,
    trace::{
        CallTrace, ProcessSums, Recorded, SleepStats, TaskTraces, TraceArena, TraceEntry,
        USER_FRAMES,
    },
};
use crate::sys::compat::TreeCursors;
use crate::{
    ids::{Pid, ProcessId},
    sys::task::COMM_LEN,
};
use kernel::{
    prelude::*,
    rbtree::{RBTree, RBTreeNodeReservation},
};

/// How long an exited task stays listed after a report first showed it: one
/// read may run the report several times (seq_file retries with a larger
/// buffer), and readers close together should all see it.
const REPORT_GRACE_NS: u64 = 1_000_000_000;

/// The key of the latency index: total sleep time, then pid.
type LatencyKey = (u64, Pid);

/// What lattop knows of one task.
pub(crate) struct TaskRecord {
    /// The process whose sums its sleeps add to.
    pub(crate) process: ProcessId,
    pub(crate) comm: [u8; COMM_LEN],
    /// A kernel thread, which has no user frames.
    pub(crate) kernel_thread: bool,
    /// Creation time: tells this task from a later one reusing its pid.
    start_time: u64,
    pub(crate) sleeps: SleepStats,
    /// Its waits for a CPU after a wake-up or a preemption.
    pub(crate) waits: SleepStats,
    /// When the current sleep began; `None` while the task is runnable.
    pub(crate) blocked_since: Option<u64>,
    pub(crate) traces: TaskTraces,
    /// When the task exited; its record goes once reported or retained long enough.
    pub(crate) exited_at: Option<u64>,
    /// When a report first listed it after it exited.
    reported_at: Option<u64>,
}

impl TaskRecord {
    /// The record of `task`, new to the table, adding to `process`.
    fn new(task: &TaskId, process: ProcessId) -> Self {
        Self {
            process,
            comm: task.comm,
            kernel_thread: task.kernel_thread,
            start_time: task.start_time,
            sleeps: SleepStats::default(),
            waits: SleepStats::default(),
            blocked_since: None,
            traces: TaskTraces::EMPTY,
            exited_at: None,
            reported_at: None,
        }
    }
}

/// Who a slot is for, as the table needs it.
pub(crate) struct TaskId {
    pub(crate) tid: Pid,
    pub(crate) start_time: u64,
    pub(crate) tgid: Pid,
    pub(crate) comm: [u8; COMM_LEN],
    pub(crate) kernel_thread: bool,
}

/// Why a task's figures could not be kept.
#[derive(Clone, Copy)]
pub(crate) enum NotRecorded {
    /// The node pool was empty.
    NoNode,
    /// `max_tasks` tasks are tracked already.
    TaskCap,
}

/// Counts of what the table holds and could not hold.
#[derive(Clone, Copy, Default)]
pub(crate) struct TableCounts {
    pub(crate) tasks: usize,
    pub(crate) traces: usize,
    /// Files the traces' user frames are named by.
    pub(crate) files: usize,
    /// User frames left unnamed: the file table was full, or a path too long.
    pub(crate) unnamed_frames: u64,
    pub(crate) pooled_task_nodes: usize,
    pub(crate) pooled_latency_nodes: usize,
    pub(crate) processes: usize,
    pub(crate) pooled_process_nodes: usize,
}

/// A task's row of the all-traces file, copied out under the lock.
pub(crate) struct TracesRow {
    pub(crate) tid: Pid,
    pub(crate) tgid: Pid,
    pub(crate) comm: [u8; COMM_LEN],
    pub(crate) kernel_thread: bool,
    pub(crate) exited: bool,
    pub(crate) sleeps: SleepStats,
    /// Its entries in [`TracesCopy::entries`].
    pub(crate) entries: core::ops::Range<usize>,
}

/// Every trace of the tasks a reader sees, copied out under the lock.
pub(crate) struct TracesCopy {
    pub(crate) rows: KVVec<TracesRow>,
    pub(crate) entries: KVVec<TraceEntry>,
    /// The path of each file the entries' user frames name, by number.
    pub(crate) files: KVVec<(u16, KVec<u8>)>,
}

/// A row of the report, copied out under the lock.
pub(crate) struct ReportRow {
    pub(crate) tid: Pid,
    pub(crate) tgid: Pid,
    pub(crate) comm: [u8; COMM_LEN],
    pub(crate) sleeps: SleepStats,
    pub(crate) worst: Option<TraceEntry>,
}

/// A task's latency figures, copied out for the bulk transfer.
#[derive(Clone, Copy)]
pub(crate) struct TaskLatency {
    pub(crate) tid: Pid,
    pub(crate) start_time: u64,
    pub(crate) sleeps: SleepStats,
    pub(crate) waits: SleepStats,
    /// When its current sleep began, if it is asleep.
    pub(crate) blocked_since: Option<u64>,
}

/// The task table. See the module documentation.
pub(crate) struct TaskTable {
    by_pid: RBTree<Pid, TaskRecord>,
    by_latency: RBTree<LatencyKey, ()>,
    task_nodes: SlotPool<RBTreeNodeReservation<Pid, TaskRecord>>,
    latency_nodes: SlotPool<RBTreeNodeReservation<LatencyKey, ()>>,
    traces: TraceArena,
    /// The files the traces' user frames are in.
    files: FileNames,
    processes: ProcessIndex,
    tasks: usize,
    /// Records of exited tasks, waiting to be collected.
    exited: usize,
    max_tasks: usize,
}

impl TaskTable {
    /// An empty table holding at most `max_tasks` tasks and `max_traces`
    /// traces, with pools of `pool_size` nodes of each kind (filled later).
    pub(crate) fn new(max_tasks: usize, max_traces: usize, pool_size: usize) -> Result<Self> {
        Ok(Self {
            by_pid: RBTree::new(),
            by_latency: RBTree::new(),
            task_nodes: SlotPool::new(pool_size)?,
            latency_nodes: SlotPool::new(pool_size)?,
            traces: TraceArena::new(max_traces)?,
            files: FileNames::new(),
            processes: ProcessIndex::new(pool_size)?,
            tasks: 0,
            exited: 0,
            max_tasks,
        })
    }

    /// What the table holds.
    pub(crate) fn counts(&self) -> TableCounts {
        TableCounts {
            tasks: self.tasks,
            traces: self.traces.in_use(),
            files: self.files.len(),
            unnamed_frames: self.files.unnamed,
            pooled_task_nodes: self.task_nodes.len(),
            pooled_latency_nodes: self.latency_nodes.len(),
            processes: self.processes.len(),
            pooled_process_nodes: self.processes.pool().0,
        }
    }

    /// How many nodes of each kind the pools lack: process context
    /// allocates them, unlocked, then hands them to [`Self::refill`].
    pub(crate) fn pool_deficit(&self) -> (usize, usize, usize) {
        (
            self.task_nodes.room(),
            self.latency_nodes.room(),
            self.processes.pool().1,
        )
    }

    /// Adds freshly allocated nodes to the pools.
    pub(crate) fn refill(
        &mut self,
        task_nodes: &mut KVec<Option<RBTreeNodeReservation<Pid, TaskRecord>>>,
        latency_nodes: &mut KVec<Option<RBTreeNodeReservation<LatencyKey, ()>>>,
        process_nodes: &mut KVec<Option<ProcessNode>>,
    ) {
        // What does not fit (another refill won the race) is freed by the caller.
        self.task_nodes.fill_from(task_nodes);
        self.latency_nodes.fill_from(latency_nodes);
        self.processes.refill(process_nodes);
    }

    /// Whether some exited tasks wait to be collected.
    pub(crate) fn has_exited(&self) -> bool {
        self.exited > 0
    }

    /// Folds the figures of `task`'s slot into its record, created if new
    /// (a record an earlier task with its pid left is reset for it), and
    /// adds what changed to its process's sums.
    pub(crate) fn sync(
        &mut self,
        task: &SlotTask,
        figures: &SlotFigures,
    ) -> Result<(), NotRecorded> {
        // A sync takes at most one node of each kind (a new record, its
        // process, its first entry in the latency index): with none left of
        // one kind it changes nothing, and the drain refills and retries
        // (a task missing from the latency index would be missing from the
        // report).
        if self.task_nodes.len() == 0
            || self.latency_nodes.len() == 0
            || self.processes.pool().0 == 0
        {
            return Err(NotRecorded::NoNode);
        }
        let id = TaskId {
            tid: task.tid,
            start_time: task.start_time,
            tgid: task.tgid,
            comm: figures.comm,
            kernel_thread: task.kernel_thread,
        };
        let record = self.record_for(&id, || task.leader_start)?;
        let old_total = record.sleeps.total_ns;
        // The slot's figures only grow, from zero: the record's are an
        // earlier copy of them, so the difference is what is new.
        let new_sleeps = growth(&record.sleeps, &figures.sleeps);
        let new_waits = growth(&record.waits, &figures.waits);
        record.sleeps = figures.sleeps;
        record.waits = figures.waits;
        record.blocked_since = figures.blocked_since;
        let newly_exited = figures.exited_at.is_some() && record.exited_at.is_none();
        if newly_exited {
            record.exited_at = figures.exited_at;
            record.blocked_since = None;
        }
        let process = record.process;
        if newly_exited {
            self.exited += 1;
        }
        if new_sleeps.count > 0 || new_waits.count > 0 {
            self.processes.add(process, &new_sleeps, &new_waits);
        }
        if figures.sleeps.total_ns != old_total {
            self.reindex(task.tid, old_total, figures.sleeps.total_ns);
        }
        Ok(())
    }

    /// Attributes a sleep of `ns` by the task `tid` created at
    /// `start_time` to `trace`. A new entry's user frames are named like
    /// another of the task's entries with the same user frames, else by
    /// `name_user` (which may leave them unnamed: it has no address space
    /// to look them up in). Returns `false` if the trace arena is full.
    pub(crate) fn record_trace(
        &mut self,
        tid: Pid,
        start_time: u64,
        trace: &CallTrace,
        ns: u64,
        name_user: impl FnOnce(&mut FileNames, &[usize], &mut [FrameFile]),
    ) -> bool {
        let Some(record) = self.by_pid.get_mut(&tid) else {
            return true;
        };
        if record.start_time != start_time {
            return true;
        }
        let id = match record.traces.record(&mut self.traces, trace, ns) {
            Recorded::Added => return true,
            Recorded::Dropped => return false,
            Recorded::New(id) => id,
        };
        if trace.user().is_empty() {
            return true;
        }
        let files = match record.traces.user_files_like(&self.traces, id) {
            Some(files) => files,
            None => {
                let mut files = [FrameFile::default(); USER_FRAMES];
                name_user(&mut self.files, trace.user(), &mut files);
                files
            }
        };
        self.traces.set_user_files(id, files);
        true
    }

    /// Copies out every trace of the tasks `renumber` keeps (numbered as
    /// it says), worst task first: rows into `out.rows`, their entries into
    /// `out.entries`, within their reserved capacity (never allocating: the
    /// caller may be in an RCU read-side section). Exited tasks listed
    /// count as reported, as in [`Self::report`].
    pub(crate) fn copy_traces(
        &mut self,
        out: &mut TracesCopy,
        now: u64,
        renumber: impl Fn(Pid, Pid, u64) -> Option<(Pid, Pid)>,
    ) {
        let mut cursor = self.by_latency.back_mut();
        while let Some(current) = cursor {
            let (&(total, tid), _) = current.current();
            cursor = current.move_prev();
            let Some(record) = (if total > 0 {
                self.by_pid.get_mut(&tid)
            } else {
                None
            }) else {
                continue;
            };
            let Some((tid, tgid)) = renumber(tid, record.process.tgid, record.start_time) else {
                continue;
            };
            let first = out.entries.len();
            for entry in record.traces.entries(&self.traces) {
                if out.entries.push(*entry, GFP_ATOMIC).is_err() {
                    break;
                }
            }
            let row = TracesRow {
                tid,
                tgid,
                comm: record.comm,
                kernel_thread: record.kernel_thread,
                exited: record.exited_at.is_some(),
                sleeps: record.sleeps,
                entries: first..out.entries.len(),
            };
            if out.rows.push(row, GFP_ATOMIC).is_err() {
                break;
            }
            if record.exited_at.is_some() && record.reported_at.is_none() {
                record.reported_at = Some(now);
            }
        }
    }

    /// Copies into `out.files` the path of every file `out.entries`' user
    /// frames are in, each once, in number order.
    pub(crate) fn copy_file_paths(&self, out: &mut TracesCopy) -> Result {
        let mut used = KVVec::from_elem(false, self.files.len() + 1, GFP_KERNEL)?;
        for entry in out.entries.iter() {
            for file in &entry.user_files[..entry.trace.user().len()] {
                if let Some((number, _)) = file.get() {
                    if let Some(u) = used.get_mut(usize::from(number)) {
                        *u = true;
                    }
                }
            }
        }
        for (number, _) in used.iter().enumerate().filter(|(_, &u)| u) {
            let number = number as u16;
            if let Some(path) = self.files.path(number) {
                let mut kept = KVec::with_capacity(path.len(), GFP_KERNEL)?;
                kept.extend_from_slice(path, GFP_KERNEL)?;
                out.files.push((number, kept), GFP_KERNEL)?;
            }
        }
        Ok(())
    }

    /// Copies out the latency figures of the tasks of process `tgid` (all
    /// tasks if `None`), by tid ascending, into `out`, up to its reserved
    /// capacity (this never allocates).
    pub(crate) fn copy_task_latencies(&self, tgid: Option<Pid>, out: &mut KVVec<TaskLatency>) {
        for (&tid, record) in self.by_pid.iter() {
            if tgid.is_some_and(|tgid| tgid != record.process.tgid) || record.exited_at.is_some() {
                continue;
            }
            let latency = TaskLatency {
                tid,
                start_time: record.start_time,
                sleeps: record.sleeps,
                waits: record.waits,
                blocked_since: record.blocked_since,
            };
            if out.len() >= out.capacity() || out.push(latency, GFP_ATOMIC).is_err() {
                break;
            }
        }
    }

    /// Copies out the per-process sums (of process `tgid` only, if given),
    /// by tgid ascending, up to the reserved capacity of `out`.
    pub(crate) fn copy_process_sums(
        &self,
        tgid: Option<Pid>,
        out: &mut KVVec<(ProcessId, ProcessSums)>,
    ) {
        match tgid {
            None => self.processes.copy_out(out),
            Some(tgid) => {
                if let Some(entry) = self.processes.get(tgid) {
                    if out.len() < out.capacity() {
                        let _ = out.push(entry, GFP_ATOMIC);
                    }
                }
            }
        }
    }

    /// Copies out up to `max_rows` rows, worst first, into `rows` (whose
    /// capacity the caller reserved: this never allocates), of the tasks
    /// `renumber` gives numbers to (from a task's tid, tgid and start time:
    /// its tid and tgid as the reader numbers them, `None` to leave it out).
    /// Notes when an exited task was first reported.
    pub(crate) fn report(
        &mut self,
        rows: &mut KVVec<ReportRow>,
        max_rows: usize,
        now: u64,
        renumber: impl Fn(Pid, Pid, u64) -> Option<(Pid, Pid)>,
    ) {
        let mut cursor = self.by_latency.back_mut();
        while let Some(current) = cursor {
            if rows.len() >= max_rows.min(rows.capacity()) {
                break;
            }
            let (&(total, tid), _) = current.current();
            // A zero key is a task whose pid was reused and has not slept yet.
            let record = if total > 0 {
                self.by_pid.get_mut(&tid)
            } else {
                None
            };
            let numbered = record.and_then(|record| {
                renumber(tid, record.process.tgid, record.start_time).map(|ids| (record, ids))
            });
            if let Some((record, (tid, tgid))) = numbered {
                if record.exited_at.is_some() && record.reported_at.is_none() {
                    record.reported_at = Some(now);
                }
                let row = ReportRow {
                    tid,
                    tgid,
                    comm: record.comm,
                    sleeps: record.sleeps,
                    worst: record.traces.worst(&self.traces).copied(),
                };
                // Within the reserved capacity: never allocates.
                if rows.push(row, GFP_ATOMIC).is_err() {
                    break;
                }
            }
            cursor = current.move_prev();
        }
    }

    /// Frees the records of tasks that exited and were first reported more
    /// than [`REPORT_GRACE_NS`] ago, or exited before `now - retention_ns`.
    /// Returns how many went.
    pub(crate) fn collect_exited(&mut self, now: u64, retention_ns: u64) -> usize {
        let mut freed = 0;
        if self.exited == 0 {
            return 0;
        }
        let mut cursor = self.by_pid.front_mut();
        while let Some(mut current) = cursor {
            let (&tid, record) = current.current_mut();
            let reported_long_ago = record
                .reported_at
                .is_some_and(|at| now.saturating_sub(at) >= REPORT_GRACE_NS);
            let expired = match record.exited_at {
                Some(at) => reported_long_ago || now.saturating_sub(at) >= retention_ns,
                None => false,
            };
            if !expired {
                cursor = current.move_next();
                continue;
            }
            let total = record.sleeps.total_ns;
            self.processes.leave(record.process);
            record.traces.release_all(&mut self.traces);
            let (next, node) = current.remove_current();
            cursor = next;
            // Recycled while the pool has room, freed otherwise.
            let _ = self.task_nodes.put(node.into_reservation());
            unindex(&mut self.by_latency, &mut self.latency_nodes, tid, total);
            self.tasks -= 1;
            self.exited -= 1;
            freed += 1;
        }
        self.processes.collect_empty();
        freed
    }

    /// The record of `task`, created (from the pool) if new; a record left
    /// by an earlier task with the same pid is reset for this one. Only then
    /// is `leader_start` called, for the process the record adds to.
    fn record_for(
        &mut self,
        task: &TaskId,
        leader_start: impl Fn() -> u64,
    ) -> Result<&mut TaskRecord, NotRecorded> {
        let process = || ProcessId {
            tgid: task.tgid,
            leader_start: leader_start(),
        };
        match self.by_pid.get(&task.tid) {
            None => self.insert_new(task, process())?,
            Some(record) if record.start_time != task.start_time => self.reuse(task, process())?,
            Some(_) => {}
        }
        let record = self.by_pid.get_mut(&task.tid).ok_or(NotRecorded::NoNode)?;
        record.comm = task.comm;
        Ok(record)
    }

    /// Creates the record of `task`, which has none, adding to `process`.
    fn insert_new(&mut self, task: &TaskId, process: ProcessId) -> Result<(), NotRecorded> {
        if self.tasks >= self.max_tasks {
            return Err(NotRecorded::TaskCap);
        }
        if !self.processes.can_join(process) {
            return Err(NotRecorded::NoNode);
        }
        let node = self.task_nodes.take().ok_or(NotRecorded::NoNode)?;
        self.processes.join(process);
        let record = TaskRecord::new(task, process);
        // The key is free (the caller looked it up): nothing is replaced, so
        // nothing would be freed here, in a probe.
        if let Some(replaced) = self.by_pid.insert(node.into_node(task.tid, record)) {
            core::mem::forget(replaced);
        }
        self.tasks += 1;
        Ok(())
    }

    /// Resets the record an earlier task with `task`'s pid left, for `task`,
    /// adding to `process`.
    fn reuse(&mut self, task: &TaskId, process: ProcessId) -> Result<(), NotRecorded> {
        if !self.processes.can_join(process) {
            return Err(NotRecorded::NoNode);
        }
        // Keyed anew at zero, not removed: freeing a node is not for a
        // probe (kfree() from NMI context), and the report skips zeros.
        let old_total = self.by_pid.get(&task.tid).map_or(0, |r| r.sleeps.total_ns);
        self.reindex(task.tid, old_total, 0);
        let record = self.by_pid.get_mut(&task.tid).ok_or(NotRecorded::NoNode)?;
        if record.exited_at.is_some() {
            self.exited -= 1;
        }
        record.traces.release_all(&mut self.traces);
        self.processes.leave(record.process);
        self.processes.join(process);
        *record = TaskRecord::new(task, process);
        Ok(())
    }

    /// Moves `tid` in the latency index from `old_total` to `new_total`,
    /// reusing its node; a task's first sleep takes a node from the pool.
    /// Never frees a node: it runs in probes.
    fn reindex(&mut self, tid: Pid, old_total: u64, new_total: u64) {
        let node = match self.by_latency.remove_node(&(old_total, tid)) {
            Some(node) => node.into_reservation(),
            None if new_total == 0 => return,
            None => match self.latency_nodes.take() {
                Some(node) => node,
                // Unlisted until a later sleep finds a node.
                None => return,
            },
        };
        // A task has at most one entry, always keyed by its current total,
        // so this key is free and nothing is replaced (or dropped).
        if let Some(replaced) = self.by_latency.insert(node.into_node((new_total, tid), ())) {
            // Unreachable; were it not, leaking beats kfree() from NMI context.
            if let Some(node) = self.latency_nodes.put(replaced.into_reservation()) {
                core::mem::forget(node);
            }
        }
    }
}

/// What `now` adds to `before`, two copies of the same growing figures:
/// the new count and total, and the longest of all.
fn growth(before: &SleepStats, now: &SleepStats) -> SleepStats {
    SleepStats {
        count: now.count.saturating_sub(before.count),
        total_ns: now.total_ns.saturating_sub(before.total_ns),
        max_ns: now.max_ns,
    }
}

/// Takes `tid` out of the latency index, keeping the node for reuse while
/// the pool has room. Process context only: it may free the node.
fn unindex(
    by_latency: &mut RBTree<LatencyKey, ()>,
    pool: &mut SlotPool<RBTreeNodeReservation<LatencyKey, ()>>,
    tid: Pid,
    total: u64,
) {
    if let Some(node) = by_latency.remove_node(&(total, tid)) {
        let _ = pool.put(node.into_reservation());
    }
}
