// SPDX-License-Identifier: GPL-2.0

//! The profiler's hot state: one slot per live task, which the scheduler's
//! hooks find without a lock.
//!
//! A task's own events (it blocks, it is woken, it runs again, it exits)
//! are serialised by the scheduler: its block is seen on its CPU before the
//! `on_cpu` release that its waker's acquire waits for, and its wake-ups,
//! switches and moves between CPUs happen under its runqueue's lock (a
//! move is written by the CPU that makes it, holding that lock). So the
//! fields of a slot have one writer at a time, the task's current event,
//! and need no lock; they are atomics only so that the drain (process
//! context, any CPU) can read them, consistently through a sequence count.
//!
//! Slots are found through an open-addressing index keyed by the task's
//! address, read without a lock; the `sched_switch` hook mostly skips even
//! that, as each CPU remembers the slots of the task it runs and of the one
//! it switched out last ([`RUNNING`] and [`LEFT`], in a [`MemoSlots`]).
//! Only a task's first event takes a lock, to claim a free slot and link
//! it; the drain unlinks the slots of exited tasks under the same lock, a
//! few at a time. Slots are never freed while the module is loaded, so a
//! lookup racing with the reuse of a slot reads valid memory and compares
//! another task's key.

use super::trace::{SleepStats, USER_FRAMES};
use crate::sys::{
    irq_spinlock::{new_irq_spinlock, IrqSpinLock},
    memo_slots::MemoSlots,
    stack::UserStackKey,
    task::{comm_bytes, QueueTimes, TaskView, COMM_LEN, COMM_WORDS},
};
use core::sync::atomic::{
    fence, AtomicBool, AtomicI32, AtomicU32, AtomicU64, AtomicUsize,
    Ordering::{Acquire, Relaxed, Release},
};
use kernel::prelude::*;

/// An index entry: no slot, and none ever since the last cleanup (a lookup
/// stops here).
const EMPTY: u32 = 0;
/// An index entry whose slot was unlinked (a lookup goes on past it).
const TOMBSTONE: u32 = u32::MAX;
/// [`TaskSlot::run_delay_base`]: none; the task's next wait to be counted
/// is not, and sets the base.
const NO_BASE: u64 = u64::MAX;
/// [`TaskSlot::exec_at_arrival`]: no arrival seen.
const NO_ARRIVAL: u64 = u64::MAX;

/// A sleep that ended, as the hooks hand it on.
#[derive(Clone, Copy)]
pub(crate) struct EndedSleep<'a> {
    /// How long it was, ns.
    pub(crate) ns: u64,
    /// When it ended, on the hooks' clock (`local_clock()`, or the run
    /// queue's, which is the same `sched_clock_cpu()`): its wake-up.
    pub(crate) ended_at: u64,
    /// The task's last sleep recorded: see [`LastSleep`].
    pub(crate) last: &'a LastSleep,
}

/// A sleep, as a task's [`LastSleep`] kept it.
#[derive(Clone, Copy)]
pub(crate) struct PrevSleep {
    /// How long it was, ns.
    pub(crate) ns: u64,
    /// When it ended, on the hooks' clock (`local_clock()`).
    pub(crate) ended_at: u64,
}

/// A task's last sleep, as `sleep_latency` thresholds compare the next one
/// with it. Recorded only while one is armed (by the notifier, from the
/// hook that ends the sleep: the task's event, its one writer), so that the
/// hooks pay nothing for it otherwise: a sleep recorded before a threshold
/// was armed ended before it, and is no value of its streams anyway.
#[derive(Default)]
pub(crate) struct LastSleep {
    ns: AtomicU64,
    /// 0: none recorded.
    ended_at: AtomicU64,
}

impl LastSleep {
    /// Records a sleep of `ns` that ended at `ended_at`; returns the one it
    /// replaces, if any.
    pub(crate) fn replace(&self, ns: u64, ended_at: u64) -> Option<PrevSleep> {
        let prev = PrevSleep {
            ns: self.ns.load(Relaxed),
            ended_at: self.ended_at.load(Relaxed),
        };
        self.ns.store(ns, Relaxed);
        self.ended_at.store(ended_at.max(1), Relaxed);
        (prev.ended_at != 0).then_some(prev)
    }

    fn clear(&self) {
        self.ended_at.store(0, Relaxed);
    }
}

/// What a slot knows of its task, fixed when the slot is claimed.
#[derive(Clone, Copy)]
pub(crate) struct SlotTask {
    pub(crate) tid: i32,
    pub(crate) tgid: i32,
    pub(crate) start_time: u64,
    pub(crate) leader_start: u64,
    pub(crate) kernel_thread: bool,
}

/// A consistent copy of a slot's figures, for the drain.
#[derive(Clone, Copy, Default)]
pub(crate) struct SlotFigures {
    pub(crate) sleeps: SleepStats,
    /// Waits for a CPU after a wake-up or a preemption.
    pub(crate) waits: SleepStats,
    /// When the open sleep began, if there is one.
    pub(crate) blocked_since: Option<u64>,
    /// When the task exited, if it did.
    pub(crate) exited_at: Option<u64>,
    pub(crate) comm: [u8; COMM_LEN],
}

/// Three atomics holding a [`SleepStats`].
#[derive(Default)]
struct AtomicStats {
    count: AtomicU64,
    total_ns: AtomicU64,
    max_ns: AtomicU64,
}

impl AtomicStats {
    /// Adds `ns`; the caller is the slot's one writer.
    #[inline]
    fn add(&self, ns: u64) {
        // A u64 of events, or of ns (584 years), does not wrap: no
        // overflow check on the hot path.
        self.count
            .store(self.count.load(Relaxed).wrapping_add(1), Relaxed);
        let total = self.total_ns.load(Relaxed).wrapping_add(ns);
        self.total_ns.store(total, Relaxed);
        if ns > self.max_ns.load(Relaxed) {
            self.max_ns.store(ns, Relaxed);
        }
    }

    fn read(&self) -> SleepStats {
        SleepStats {
            count: self.count.load(Relaxed),
            total_ns: self.total_ns.load(Relaxed),
            max_ns: self.max_ns.load(Relaxed),
        }
    }

    fn clear(&self) {
        self.count.store(0, Relaxed);
        self.total_ns.store(0, Relaxed);
        self.max_ns.store(0, Relaxed);
    }
}

/// One task's hot state. See the module documentation.
#[derive(Default)]
pub(crate) struct TaskSlot {
    /// The task's address; 0 while the slot is free.
    task: AtomicUsize,
    start_time: AtomicU64,
    tid: AtomicI32,
    tgid: AtomicI32,
    leader_start: AtomicU64,
    kernel_thread: AtomicBool,
    comm: [AtomicU64; COMM_WORDS],
    /// Odd while the task's event updates the figures below.
    seq: AtomicU32,
    sleeps: AtomicStats,
    waits: AtomicStats,
    /// When the open sleep began; 0 if none.
    blocked_since: AtomicU64,
    /// The start (`blocked_since`) of the sleep during which the task last
    /// moved to another CPU still queued (EEVDF's delayed dequeue), or 0:
    /// `sched_info` took that move for the start of a wait (see
    /// [`Self::run`]). Keyed by the start, it needs no clearing when a
    /// sleep ends or begins. Not in the figures.
    moved_in_sleep: AtomicU64,
    /// Not in the figures: only the task's own events use it.
    last_sleep: LastSleep,
    exited_at: AtomicU64,
    /// The task's `run_delay` when its last wait for a CPU was counted
    /// (the tracepoint source: see [`Self::waited`]): the growth since is
    /// the next. [`NO_BASE`] when no wait is to be counted: when the slot
    /// is new, and always with the kprobe source, which sets no base (it
    /// sees no switch), so counts no wait. Not in the figures: only the
    /// task's own events read it.
    run_delay_base: AtomicU64,
    /// The task's CPU time (`sum_exec_runtime`) when it was last switched
    /// in, if that switch sets its `sched_info.last_arrival`; else
    /// [`NO_ARRIVAL`]. Its block then dates when its CPU time stopped (see
    /// [`Self::switch_out_blocked`]). Not in the figures.
    exec_at_arrival: AtomicU64,
    /// The key of the user stack `user_frames` were walked from
    /// ([`UserStackKey::NONE`], with no frames, until one is).
    user_key: [AtomicUsize; 3],
    user_frames: [AtomicUsize; USER_FRAMES],
    nr_user: AtomicUsize,
    /// Whether no trace has taken the address space to name the user
    /// frames kept yet (see [`Self::take_unnamed_user_stack`]).
    user_stack_unnamed: AtomicBool,
    /// The `seq` the drain last folded; written by the drain only.
    drained_seq: AtomicU32,
}

impl TaskSlot {
    /// Whether this is the slot of `task` (address and start time).
    fn is_of(&self, address: usize, start_time: u64) -> bool {
        self.task.load(Relaxed) == address && self.start_time.load(Relaxed) == start_time
    }

    /// Claims the free slot for `task` (under the index lock, before the
    /// slot is linked, so no one else reads it).
    fn claim(&self, task: &TaskView<'_>, start_time: u64) {
        self.start_time.store(start_time, Relaxed);
        self.tid.store(task.tid(), Relaxed);
        self.tgid.store(task.tgid(), Relaxed);
        self.leader_start.store(task.leader_start_time(), Relaxed);
        self.kernel_thread.store(task.is_kernel_thread(), Relaxed);
        self.sleeps.clear();
        self.waits.clear();
        self.blocked_since.store(0, Relaxed);
        self.moved_in_sleep.store(0, Relaxed);
        self.last_sleep.clear();
        self.exited_at.store(0, Relaxed);
        // The wait that began the task's present run, if it runs, began
        // before the slot: it is not known. The first counted is the next
        // (a new task's first, if its wake-up claimed the slot).
        self.run_delay_base.store(NO_BASE, Relaxed);
        self.exec_at_arrival.store(NO_ARRIVAL, Relaxed);
        self.set_user_key(UserStackKey::NONE);
        self.nr_user.store(0, Relaxed);
        self.user_stack_unnamed.store(false, Relaxed);
        self.set_comm(task);
        // A new seq the drain has not folded: the first drain creates the
        // task's record.
        let seq = self.seq.load(Relaxed).wrapping_add(2) & !1;
        self.seq.store(seq, Relaxed);
        self.drained_seq.store(seq.wrapping_sub(2), Relaxed);
        // Last, and released: the drain reads the fields above once it
        // sees the slot in use.
        self.task.store(task.address(), Release);
    }

    fn set_comm(&self, task: &TaskView<'_>) {
        self.rename(task.comm_words());
    }

    /// The task's command name is now `comm` (the tracepoint source's
    /// `task_rename`, from any CPU; or the task's own event). Outside the
    /// figures' `seq`: a drain that races with it may copy half of each
    /// name, as perf's copy of a `comm` may, and the task's next event
    /// offers the whole again.
    pub(crate) fn rename(&self, comm: [u64; COMM_WORDS]) {
        // Word by word, spelled out: an iterator over the array stays a loop
        // of calls when the kernel is built for size.
        let [first, second] = comm;
        self.comm[0].store(first, Relaxed);
        self.comm[1].store(second, Relaxed);
    }

    /// Runs `update` as the figures' one writer, between two increments of
    /// `seq` that tell the drain to read again.
    fn write(&self, update: impl FnOnce()) {
        let seq = self.seq.load(Relaxed);
        self.seq.store(seq.wrapping_add(1), Relaxed);
        fence(Release);
        update();
        self.seq.store(seq.wrapping_add(2), Release);
    }

    /// Who the slot is for.
    pub(crate) fn task(&self) -> SlotTask {
        SlotTask {
            tid: self.tid.load(Relaxed),
            tgid: self.tgid.load(Relaxed),
            start_time: self.start_time.load(Relaxed),
            leader_start: self.leader_start.load(Relaxed),
            kernel_thread: self.kernel_thread.load(Relaxed),
        }
    }

    /// The task blocks at `now` (the kprobe source, at its dequeue: where
    /// its CPU time stopped). A second block while asleep (a delayed
    /// dequeue finished later) keeps the first start, unless
    /// `in_schedule`: then the task was running, and a start left over
    /// means its wake-up was missed.
    pub(crate) fn block(&self, task: &TaskView<'_>, now: u64, in_schedule: bool) {
        if !in_schedule && self.blocked_since.load(Relaxed) != 0 {
            return;
        }
        self.write(|| {
            self.blocked_since.store(now, Relaxed);
            self.set_comm(task);
        });
    }

    /// The task is switched out blocking (the tracepoint source): its sleep
    /// begins where its CPU time stopped by the kernel's account, at its
    /// dequeue, not at the `sched_switch` that tells of it: that comes
    /// after the pick of the next task, which can take milliseconds (a
    /// newidle balance drops the run queue's lock, and a vCPU can stall in
    /// it). So the sleep begins at its last arrival plus the CPU time it has
    /// had since, both on the run queue's clocks, as `last_queued` is (the
    /// task clock lags the other only by the interrupt and steal time of
    /// this run where the kernel accounts those, which would date the
    /// block early by as much; its `exec_start` alone would lag by all
    /// since boot). `clock` is read only when no arrival was seen (the
    /// slot is newer than the run). The wait for a CPU that began this run
    /// is complete: it is counted now (see [`Self::waited`]). Its name is
    /// not copied: the slot has it since its claim, and `task_rename`
    /// tells each change ([`Self::rename`]).
    #[inline]
    pub(crate) fn switch_out_blocked(&self, task: &TaskView<'_>, clock: impl FnOnce() -> u64) {
        let since = match self.exec_at_arrival.load(Relaxed) {
            NO_ARRIVAL => clock(),
            at_arrival => {
                let ran = task.sum_exec_runtime().saturating_sub(at_arrival);
                task.last_arrival().wrapping_add(ran)
            }
        };
        let since = since.max(1);
        let run_delay = task.run_delay();
        let waited = self.waited(run_delay);
        self.write(|| {
            if let Some(waited) = waited {
                self.waits.add(waited);
            }
            self.blocked_since.store(since, Relaxed);
        });
        self.run_delay_base.store(run_delay, Relaxed);
    }

    /// The wait for a CPU that began the task's last run, the task having
    /// waited `run_delay` in all: the growth since the last wait was
    /// counted, by the kernel's own account, which adds each wait when the
    /// task reaches a CPU (and the part before a move, when it leaves a
    /// run queue it waited on). Counted one run late, where no clock is
    /// needed: when the run ends by blocking or exiting (at its
    /// switch-out), or, if it ended in a preemption or a yield, when the
    /// task runs again (at its switch-in: a preempted task's switch-out
    /// then costs nothing). So a wait that a move to another CPU
    /// interrupts after a preemption is split: the part before the move,
    /// which the kernel adds when the task leaves its run queue, is counted
    /// with the wait before (count and total stay exact). `None` when no
    /// wait is to be counted ([`NO_BASE`]: the start of the run was not
    /// seen).
    #[inline]
    fn waited(&self, run_delay: u64) -> Option<u64> {
        match self.run_delay_base.load(Relaxed) {
            NO_BASE => None,
            base => Some(run_delay.saturating_sub(base)),
        }
    }

    /// The task moves to another CPU while on a run queue in a sleeping
    /// state (the tracepoint source's `sched_migrate_task`, under the run
    /// queue's lock its block was seen under). If it blocked, EEVDF's
    /// delayed dequeue left it queued, and its new CPU's
    /// `sched_info_enqueue()` now marks it queued as if woken: noted, for
    /// [`Self::run`]. (A task preempted before it could block has the
    /// state too, and no open sleep.)
    pub(crate) fn move_queued(&self) {
        let since = self.blocked_since.load(Relaxed);
        if since != 0 {
            self.moved_in_sleep.store(since, Relaxed);
        }
    }

    /// When the task's open sleep began (the hooks' clock), if it has one:
    /// read live, so as current as the caller's look at the task itself.
    pub(crate) fn blocked_since(&self) -> Option<u64> {
        let since = self.blocked_since.load(Relaxed);
        (since != 0).then_some(since)
    }

    /// Whether the user frames kept are of the stack `key` starts.
    #[inline]
    pub(crate) fn has_user_stack(&self, key: UserStackKey) -> bool {
        UserStackKey::from_words(self.user_key.each_ref().map(|w| w.load(Relaxed))) == key
    }

    fn set_user_key(&self, key: UserStackKey) {
        for (word, value) in self.user_key.iter().zip(key.to_words()) {
            word.store(value, Relaxed);
        }
    }

    /// Keeps `frames`, walked from the user stack `key` starts.
    pub(crate) fn set_user_stack(&self, key: UserStackKey, frames: &[usize]) {
        self.set_user_key(key);
        let mut n = 0;
        for (slot, frame) in self.user_frames.iter().zip(frames) {
            slot.store(*frame, Relaxed);
            n += 1;
        }
        self.nr_user.store(n, Relaxed);
        self.user_stack_unnamed.store(n > 0, Relaxed);
    }

    /// Whether the user frames kept are still to be named, which the
    /// caller now takes on: the first trace with a new user stack carries
    /// the address space to name them by, and the table names the stack's
    /// later traces like that one.
    pub(crate) fn take_unnamed_user_stack(&self) -> bool {
        self.user_stack_unnamed.swap(false, Relaxed)
    }

    /// Copies the user frames kept into `out`; returns how many.
    pub(crate) fn user_frames(&self, out: &mut [usize]) -> usize {
        let n = self.nr_user.load(Relaxed);
        let mut copied = 0;
        for (d, s) in out.iter_mut().zip(self.user_frames.iter().take(n)) {
            *d = s.load(Relaxed);
            copied += 1;
        }
        copied
    }

    /// The task is woken at `now` (the kprobe source, which sees no task
    /// switched in). Returns the sleep, if lattop saw it block.
    #[inline]
    pub(crate) fn wake(&self, now: u64) -> Option<EndedSleep<'_>> {
        let since = self.blocked_since.load(Relaxed);
        if since == 0 {
            return None;
        }
        Some(self.end_sleep(now, now.saturating_sub(since)))
    }

    /// Ends the open sleep, which lasted `slept` to its wake-up `woke_at`.
    #[inline(always)]
    fn end_sleep(&self, woke_at: u64, slept: u64) -> EndedSleep<'_> {
        self.write(|| {
            self.sleeps.add(slept);
            self.blocked_since.store(0, Relaxed);
        });
        EndedSleep {
            ns: slept,
            ended_at: woke_at,
            last: &self.last_sleep,
        }
    }

    /// The task runs (the tracepoint source's switch), having had
    /// `exec_runtime` of CPU time, with the run-queue accounting `queue`,
    /// which the switch has not yet updated (and will: its `last_arrival`
    /// if it waited, which [`Self::switch_out_blocked`] counts from). If it had
    /// blocked, its sleep ended at its wake-up, when its wait for a CPU
    /// began (`last_queued`), less any of its `run_delay` that grew since
    /// it blocked (waits before a migration): returns the sleep. The wait
    /// itself is counted later ([`Self::waited`]). If it had not blocked
    /// (preempted, yielding, or new), the wait that began its last run is
    /// counted now. `clock` is read only when `sched_info` has no wake-up
    /// to give.
    ///
    /// Except for a task moved to another CPU while asleep and queued
    /// ([`Self::move_queued`]): its `last_queued` is the move, and its
    /// `run_delay` grows by the sleep after the move if it is moved again,
    /// and its wake-up (which changes neither) is nowhere. Its whole time
    /// off the CPU is then its sleep: too long by the wait that followed
    /// its wake-up, where the kernel's own delay accounting (and so a
    /// `last_queued` taken at its word) would cut the sleep short at the
    /// move, by up to all of it; and that wait, which the kernel's account
    /// does not tell apart, is not counted.
    #[inline]
    pub(crate) fn run(
        &self,
        queue: QueueTimes,
        exec_runtime: u64,
        clock: impl FnOnce() -> u64,
    ) -> Option<EndedSleep<'_>> {
        // This switch sets `last_arrival` only if the task was queued.
        let at_arrival = match queue.last_queued {
            0 => NO_ARRIVAL,
            _ => exec_runtime,
        };
        self.exec_at_arrival.store(at_arrival, Relaxed);
        let since = self.blocked_since.load(Relaxed);
        if since == 0 {
            // Preempted, yielding or new: the wait that began its last run
            // is counted now (see [`Self::waited`]); the present one's
            // growth of `run_delay` is not yet in it.
            if let Some(waited) = self.waited(queue.run_delay) {
                self.write(|| self.waits.add(waited));
            }
            self.run_delay_base.store(queue.run_delay, Relaxed);
            return None;
        }
        if self.moved_in_sleep.load(Relaxed) == since {
            self.run_delay_base.store(NO_BASE, Relaxed);
            let now = clock();
            return Some(self.end_sleep(now, now.saturating_sub(since)));
        }
        let woke_at = match queue.last_queued {
            0 => clock(),
            at => at,
        };
        let grown = queue
            .run_delay
            .saturating_sub(self.run_delay_base.load(Relaxed));
        let slept = woke_at.saturating_sub(since).saturating_sub(grown);
        Some(self.end_sleep(woke_at, slept))
    }

    /// The task exits at `now`, having waited `run_delay` for a CPU in all:
    /// its last wait is counted, if the source counts waits.
    pub(crate) fn exit(&self, now: u64, run_delay: u64) {
        let waited = self.waited(run_delay);
        self.write(|| {
            if let Some(waited) = waited {
                self.waits.add(waited);
            }
            self.exited_at.store(now.max(1), Relaxed);
            self.blocked_since.store(0, Relaxed);
        });
    }

    /// A consistent copy of the figures, if they changed since the last
    /// [`Self::mark_drained`].
    fn figures_if_changed(&self) -> Option<(u32, SlotFigures)> {
        loop {
            let seq = self.seq.load(Acquire);
            if seq == self.drained_seq.load(Relaxed) {
                return None;
            }
            if seq & 1 == 0 {
                let since = self.blocked_since.load(Relaxed);
                let exited = self.exited_at.load(Relaxed);
                let comm = comm_bytes(self.comm.each_ref().map(|w| w.load(Relaxed)));
                let figures = SlotFigures {
                    sleeps: self.sleeps.read(),
                    waits: self.waits.read(),
                    blocked_since: (since != 0).then_some(since),
                    exited_at: (exited != 0).then_some(exited),
                    comm,
                };
                fence(Acquire);
                if self.seq.load(Relaxed) == seq {
                    return Some((seq, figures));
                }
            }
            // The writer is a few stores long, with interrupts off.
            core::hint::spin_loop();
        }
    }

    fn mark_drained(&self, seq: u32) {
        self.drained_seq.store(seq, Relaxed);
    }
}

/// The cells of a CPU's memo ([`MemoSlots`]): what its `sched_switch`
/// hook remembers of its last switches, so that the tasks of the next are
/// found without a lookup. Only that CPU's hook uses them, under its run
/// queue's lock; the slots they name are checked before use, as they may
/// have been freed and claimed again meanwhile.
///
/// The running task's slot, as the switch that ran it found it: the next
/// switch's `prev`.
const RUNNING: usize = 0;
/// The slot of the task the last switch switched out: the one a CPU that
/// alternates between two tasks, or a task and idle, switches in next.
const LEFT: usize = 1;

/// The free slots' numbers, a stack, under the index lock.
struct FreeSlots {
    /// As many entries as slots; the first `len` are free slots.
    ids: KVVec<u32>,
    len: usize,
}

impl FreeSlots {
    fn pop(&mut self) -> Option<u32> {
        let len = self.len.checked_sub(1)?;
        let id = *self.ids.get(len)?;
        self.len = len;
        Some(id)
    }

    /// Gives `id` back; never past capacity (the ids are the slots').
    fn push(&mut self, id: u32) {
        if let Some(entry) = self.ids.as_mut_slice().get_mut(self.len) {
            *entry = id;
            self.len += 1;
        }
    }
}

/// Why a task got no slot.
pub(crate) enum NoSlot {
    /// Every slot is in use (`max_tasks`).
    Full,
    /// The index lock stayed taken past the budget.
    Busy,
    /// The idle task, which is not profiled.
    Idle,
}

/// The slots and their index. See the module documentation.
#[pin_data]
pub(crate) struct LiveTasks {
    /// The slots, with each CPU's memo of the ones its last switches
    /// found (cells [`RUNNING`] and [`LEFT`]).
    slots: MemoSlots<TaskSlot, 2>,
    /// Slot number + 1, [`EMPTY`] or [`TOMBSTONE`]; a power of two long,
    /// at least twice the slots.
    index: KVVec<AtomicU32>,
    /// Taken to claim and link a slot, and to unlink one; readers of the
    /// index take nothing.
    #[pin]
    free: IrqSpinLock<FreeSlots>,
    /// One past the highest slot ever claimed: the drain looks at no slot
    /// above it (the free stack hands out low numbers first, and a freed
    /// slot is the next one claimed).
    high_water: AtomicUsize,
    /// Whether `free` had no slot when last changed: read without the
    /// lock, so that while every slot is in use, the events of tasks that
    /// have none (each tries a claim) do not all take the lock to learn it.
    full: AtomicBool,
    /// The longest `free` was held outside the hooks, ns.
    pub(crate) longest_hold_ns: AtomicU64,
}

/// What [`LiveTasks::drain`] hands each changed slot to.
pub(crate) struct Changed {
    pub(crate) task: SlotTask,
    pub(crate) figures: SlotFigures,
}

impl LiveTasks {
    /// `capacity` slots, all free.
    pub(crate) fn new(capacity: usize) -> Result<impl PinInit<Self, Error>> {
        let capacity = capacity.clamp(1, (u32::MAX / 4) as usize);
        let mut slots = KVVec::with_capacity(capacity, GFP_KERNEL)?;
        let mut ids = KVVec::with_capacity(capacity, GFP_KERNEL)?;
        for id in (0..capacity).rev() {
            slots.push(TaskSlot::default(), GFP_KERNEL)?;
            ids.push(id as u32, GFP_KERNEL)?;
        }
        let entries = (capacity * 2).next_power_of_two();
        let mut index = KVVec::with_capacity(entries, GFP_KERNEL)?;
        for _ in 0..entries {
            index.push(AtomicU32::new(EMPTY), GFP_KERNEL)?;
        }
        let free = FreeSlots { ids, len: capacity };
        let slots = MemoSlots::new(slots)?;
        Ok(try_pin_init!(Self {
            slots,
            index,
            free <- new_irq_spinlock!(free, "lattop_live_tasks"),
            high_water: AtomicUsize::new(0),
            full: AtomicBool::new(false),
            longest_hold_ns: AtomicU64::new(0),
        }? Error))
    }

    /// Where `address`'s probe sequence starts (Fibonacci hashing).
    fn home(&self, address: usize) -> usize {
        let hash = (address as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (hash >> 32) as usize & self.index.len().wrapping_sub(1)
    }

    /// The slot of `task`, if it has one. Lock-free.
    #[inline]
    pub(crate) fn find(&self, task: &TaskView<'_>) -> Option<&TaskSlot> {
        self.find_numbered(task).map(|(_, slot)| slot)
    }

    /// The slot of `task` and its number, if it has one. Lock-free.
    #[inline]
    fn find_numbered(&self, task: &TaskView<'_>) -> Option<(u32, &TaskSlot)> {
        let address = task.address();
        let start_time = task.start_time();
        // Local slices: the index's and the slots' lengths stay in
        // registers across the acquire loads, which a field would reload.
        let (index, slots) = (self.index.as_slice(), self.slots.slots());
        let mask = index.len().wrapping_sub(1);
        let mut at = self.home(address);
        for _ in 0..index.len() {
            let entry = index.get(at)?.load(Acquire);
            if entry == EMPTY {
                return None;
            }
            if entry != TOMBSTONE {
                let number = entry - 1;
                let slot = slots.get(number as usize)?;
                if slot.is_of(address, start_time) {
                    return Some((number, slot));
                }
            }
            at = (at + 1) & mask;
        }
        None
    }

    /// The slot of `task`, which `sched_switch` switches out on its CPU
    /// `cpu`, if it has one: the task the last switch there ran, whose slot
    /// that switch noted ([`Self::find_switched_in`]); checked, so that a
    /// switch the hooks did not see costs a lookup only.
    #[inline]
    pub(crate) fn find_switched_out(&self, task: &TaskView<'_>, cpu: usize) -> Option<&TaskSlot> {
        let (address, start_time) = (task.address(), task.start_time());
        self.slots
            .memo(cpu)
            .and_then(|memo| memo.get(RUNNING))
            .filter(|slot| slot.is_of(address, start_time))
            .or_else(|| self.find(task))
    }

    /// The slot of `task`, which `sched_switch` switches in on its CPU
    /// `cpu`, if it has one: often the last to leave the CPU before this
    /// switch's (a CPU alternates between a few tasks, or between one and
    /// idle), else looked up. Noted for the switch that will switch it out.
    #[inline]
    pub(crate) fn find_switched_in(&self, task: &TaskView<'_>, cpu: usize) -> Option<&TaskSlot> {
        let memo = self.slots.memo(cpu)?;
        let (address, start_time) = (task.address(), task.start_time());
        if let Some(slot) = memo
            .get(LEFT)
            .filter(|slot| slot.is_of(address, start_time))
        {
            // It runs; the one that ran is the one that left.
            memo.swap(RUNNING, LEFT);
            return Some(slot);
        }
        let found = self.find_numbered(task);
        memo.copy(LEFT, RUNNING);
        memo.set(RUNNING, found.map(|(number, _)| number as usize));
        found.map(|(_, slot)| slot)
    }

    /// `sched_switch` switches in the idle task, which has no slot, on
    /// `cpu`.
    #[inline]
    pub(crate) fn idle_switched_in(&self, cpu: usize) {
        if let Some(memo) = self.slots.memo(cpu) {
            memo.copy(LEFT, RUNNING);
            memo.set(RUNNING, None);
        }
    }

    /// The slot of `task`, which [`Self::find`] did not find, claimed and
    /// linked: the one event of a task that takes a lock, for at most
    /// `budget_ns`.
    pub(crate) fn claim(&self, task: &TaskView<'_>, budget_ns: u64) -> Result<&TaskSlot, NoSlot> {
        self.claim_numbered(task, budget_ns).map(|(_, slot)| slot)
    }

    /// [`Self::claim`], for the task `sched_switch` switches in on its CPU
    /// `cpu` (one that ran before lattop recorded, and never blocked since:
    /// a CPU hog): noted there, as [`Self::find_switched_in`] notes a slot
    /// found.
    pub(crate) fn claim_switched_in(
        &self,
        task: &TaskView<'_>,
        cpu: usize,
        budget_ns: u64,
    ) -> Result<&TaskSlot, NoSlot> {
        let (number, slot) = self.claim_numbered(task, budget_ns)?;
        if let Some(memo) = self.slots.memo(cpu) {
            memo.set(RUNNING, Some(number as usize));
        }
        Ok(slot)
    }

    /// [`Self::claim`], with the slot's number.
    fn claim_numbered(
        &self,
        task: &TaskView<'_>,
        budget_ns: u64,
    ) -> Result<(u32, &TaskSlot), NoSlot> {
        if task.is_idle() {
            return Err(NoSlot::Idle);
        }
        // A stale `false` costs a lock; a stale `true` gives up one claim
        // that a drain freeing a slot made possible a moment ago.
        if self.full.load(Relaxed) {
            return Err(NoSlot::Full);
        }
        let mut free = self.free.try_lock_for(budget_ns).ok_or(NoSlot::Busy)?;
        let id = free.pop().ok_or(NoSlot::Full)?;
        if free.len == 0 {
            self.full.store(true, Relaxed);
        }
        let slot = self.slots.slots().get(id as usize).ok_or(NoSlot::Full)?;
        slot.claim(task, task.start_time());
        self.high_water.fetch_max(id as usize + 1, Relaxed);
        // Another task's slot cannot move meanwhile (we hold the lock), and
        // this task has no other event running: the first free entry is ours.
        let mask = self.index.len() - 1;
        let mut at = self.home(task.address());
        for _ in 0..self.index.len() {
            let Some(entry) = self.index.get(at) else {
                break;
            };
            let value = entry.load(Relaxed);
            if value == EMPTY || value == TOMBSTONE {
                // Publishes the claimed slot to lock-free readers.
                entry.store(id + 1, Release);
                return Ok((id, slot));
            }
            at = (at + 1) & mask;
        }
        // Unreachable: the index has twice as many entries as slots.
        slot.task.store(0, Relaxed);
        free.push(id);
        self.full.store(false, Relaxed);
        Err(NoSlot::Full)
    }

    /// Slots in use.
    pub(crate) fn in_use(&self) -> usize {
        self.slots.slots().len() - self.free.lock().len
    }

    /// Process context: hands every slot in use whose figures changed since
    /// the last drain to `fold`, exited tasks' first (so that a pid reused
    /// meanwhile finds its predecessor's record final), then frees the
    /// slots of exited tasks. `fold` returns whether it kept the figures;
    /// if not, they are offered again next time. One caller at a time.
    pub(crate) fn drain(&self, mut fold: impl FnMut(&Changed) -> bool) {
        let slots = self.slots.slots();
        let high_water = self.high_water.load(Relaxed).min(slots.len());
        for exited_pass in [true, false] {
            for (id, slot) in slots.iter().enumerate().take(high_water) {
                let address = slot.task.load(Acquire);
                if address == 0 || (slot.exited_at.load(Relaxed) != 0) != exited_pass {
                    continue;
                }
                let Some((seq, figures)) = slot.figures_if_changed() else {
                    continue;
                };
                let changed = Changed {
                    task: slot.task(),
                    figures,
                };
                if !fold(&changed) {
                    continue;
                }
                slot.mark_drained(seq);
                if figures.exited_at.is_some() {
                    self.unlink(address, id as u32);
                }
            }
        }
    }

    /// The index entry of slot `id`, of the task at `address`.
    fn position_of(&self, address: usize, id: u32) -> Option<usize> {
        let mask = self.index.len() - 1;
        let mut at = self.home(address);
        for _ in 0..self.index.len() {
            match self.index.get(at)?.load(Relaxed) {
                entry if entry == id + 1 => return Some(at),
                EMPTY => return None,
                _ => at = (at + 1) & mask,
            }
        }
        None
    }

    /// Unlinks slot `id`, of the task at `address`, from the index, and
    /// frees it.
    fn unlink(&self, address: usize, id: u32) {
        let mut free = self.free.lock();
        let start = crate::sys::clock::now_ns();
        let mask = self.index.len() - 1;
        let Some(at) = self.position_of(address, id) else {
            // Not linked: cannot happen, a slot in use is linked.
            return;
        };
        self.index[at].store(TOMBSTONE, Relaxed);
        // A run of tombstones before an empty entry ends no lookup early
        // once emptied: clean it up, so that chains stay short.
        if self.index[(at + 1) & mask].load(Relaxed) == EMPTY {
            let mut back = at;
            while self.index[back].load(Relaxed) == TOMBSTONE {
                self.index[back].store(EMPTY, Relaxed);
                back = back.wrapping_sub(1) & mask;
            }
        }
        if let Some(slot) = self.slots.slots().get(id as usize) {
            slot.task.store(0, Relaxed);
        }
        free.push(id);
        self.full.store(false, Relaxed);
        let held = crate::sys::clock::now_ns().saturating_sub(start);
        drop(free);
        self.longest_hold_ns.fetch_max(held, Relaxed);
    }
}
