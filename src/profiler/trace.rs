// SPDX-License-Identifier: GPL-2.0

//! Call traces, and the per-task tables that attribute sleep time to them.
//!
//! Every trace entry lives in one [`TraceArena`] allocated at load time, so
//! trace memory is bounded (`max_traces`) whatever the number of tasks and no
//! probe ever allocates; a task refers to its entries by index.

use super::file_names::FrameFile;
use kernel::prelude::*;

/// Kernel frames kept per trace.
pub(crate) const KERNEL_FRAMES: usize = 16;
/// User frames kept per trace.
pub(crate) const USER_FRAMES: usize = 16;
/// Traces kept per task, as LatencyTOP does; the smallest is evicted.
pub(crate) const TRACES_PER_TASK: usize = 32;

/// The count, total and longest of a set of sleeps.
#[derive(Clone, Copy, Default)]
pub(crate) struct SleepStats {
    pub(crate) count: u64,
    pub(crate) total_ns: u64,
    pub(crate) max_ns: u64,
}

impl SleepStats {
    /// Adds one sleep of `ns`.
    pub(crate) fn add(&mut self, ns: u64) {
        self.count += 1;
        self.total_ns = self.total_ns.saturating_add(ns);
        self.max_ns = self.max_ns.max(ns);
    }

    /// Adds `other`'s sleeps.
    pub(crate) fn merge(&mut self, other: &SleepStats) {
        self.count += other.count;
        self.total_ns = self.total_ns.saturating_add(other.total_ns);
        self.max_ns = self.max_ns.max(other.max_ns);
    }
}

/// A process's sums over its threads: their sleeps, and their waits for a
/// CPU after a wake-up or a preemption.
#[derive(Clone, Copy, Default)]
pub(crate) struct ProcessSums {
    pub(crate) sleeps: SleepStats,
    pub(crate) waits: SleepStats,
}

/// A call path: kernel frames, then user frames, innermost first.
#[derive(Clone, Copy)]
pub(crate) struct CallTrace {
    kernel: [usize; KERNEL_FRAMES],
    user: [usize; USER_FRAMES],
    nr_kernel: u8,
    nr_user: u8,
}

impl CallTrace {
    /// No frames.
    pub(crate) const EMPTY: Self = Self {
        kernel: [0; KERNEL_FRAMES],
        user: [0; USER_FRAMES],
        nr_kernel: 0,
        nr_user: 0,
    };

    /// Kernel frames, innermost first.
    pub(crate) fn kernel(&self) -> &[usize] {
        &self.kernel[..usize::from(self.nr_kernel)]
    }

    /// User frames, innermost first.
    pub(crate) fn user(&self) -> &[usize] {
        &self.user[..usize::from(self.nr_user)]
    }

    /// The kernel frames' buffer, for a capture to fill; then [`Self::set_kernel_len`].
    pub(crate) fn kernel_buf(&mut self) -> &mut [usize; KERNEL_FRAMES] {
        &mut self.kernel
    }

    /// The user frames' buffer, for a capture to fill; then [`Self::set_user_len`].
    pub(crate) fn user_buf(&mut self) -> &mut [usize; USER_FRAMES] {
        &mut self.user
    }

    /// Keeps the first `n` kernel frames.
    pub(crate) fn set_kernel_len(&mut self, n: usize) {
        self.nr_kernel = n.min(KERNEL_FRAMES) as u8;
    }

    /// Keeps the first `n` user frames.
    pub(crate) fn set_user_len(&mut self, n: usize) {
        self.nr_user = n.min(USER_FRAMES) as u8;
    }

    /// Whether both traces are the same path.
    fn same_path(&self, other: &Self) -> bool {
        self.kernel() == other.kernel() && self.user() == other.user()
    }
}

/// A trace and the sleeps spent in it.
#[derive(Clone, Copy)]
pub(crate) struct TraceEntry {
    pub(crate) trace: CallTrace,
    pub(crate) sleeps: SleepStats,
    /// Where each user frame's code is, once named (see [`FrameFile`]).
    pub(crate) user_files: [FrameFile; USER_FRAMES],
}

/// What recording a sleep in a task's traces did.
pub(crate) enum Recorded {
    /// Added to the entry of its path.
    Added,
    /// Began an entry, whose user frames are not named yet.
    New(TraceId),
    /// Dropped: the arena is full.
    Dropped,
}

/// An index into the [`TraceArena`].
pub(crate) type TraceId = u32;

/// Where every trace entry lives: a fixed array with a free list.
///
/// # Invariants
///
/// Every index is either on the free list (threaded through `next_free`) or
/// owned by exactly one [`TaskTraces`].
pub(crate) struct TraceArena {
    entries: KVVec<TraceEntry>,
    next_free: KVVec<TraceId>,
    free_head: Option<TraceId>,
    in_use: usize,
}

impl TraceArena {
    /// An arena of `capacity` entries, all free.
    pub(crate) fn new(capacity: usize) -> Result<Self> {
        let capacity = capacity.min(TraceId::MAX as usize);
        let empty = TraceEntry {
            trace: CallTrace::EMPTY,
            sleeps: SleepStats::default(),
            user_files: [FrameFile::default(); USER_FRAMES],
        };
        let entries = KVVec::from_elem(empty, capacity, GFP_KERNEL)?;
        let mut next_free = KVVec::with_capacity(capacity, GFP_KERNEL)?;
        for i in 0..capacity {
            // Entry i links to i + 1; the last one's link is never followed.
            next_free.push((i + 1) as TraceId, GFP_KERNEL)?;
        }
        Ok(Self {
            entries,
            next_free,
            free_head: if capacity > 0 { Some(0) } else { None },
            in_use: 0,
        })
    }

    /// Entries in use.
    pub(crate) fn in_use(&self) -> usize {
        self.in_use
    }

    /// The entry at `id`.
    pub(crate) fn get(&self, id: TraceId) -> &TraceEntry {
        &self.entries[id as usize]
    }

    /// Sets the entry at `id`'s named user frames.
    pub(crate) fn set_user_files(&mut self, id: TraceId, files: [FrameFile; USER_FRAMES]) {
        self.entries[id as usize].user_files = files;
    }

    fn alloc(&mut self, entry: TraceEntry) -> Option<TraceId> {
        let id = self.free_head?;
        self.in_use += 1;
        self.free_head = if self.in_use == self.entries.len() {
            None
        } else {
            Some(self.next_free[id as usize])
        };
        self.entries[id as usize] = entry;
        Some(id)
    }

    fn release(&mut self, id: TraceId) {
        if let Some(head) = self.free_head {
            self.next_free[id as usize] = head;
        }
        self.free_head = Some(id);
        self.in_use -= 1;
    }
}

/// The traces of one task: indices of its entries in the arena.
#[derive(Clone, Copy)]
pub(crate) struct TaskTraces {
    ids: [TraceId; TRACES_PER_TASK],
    len: u8,
}

impl TaskTraces {
    /// None yet.
    pub(crate) const EMPTY: Self = Self {
        ids: [0; TRACES_PER_TASK],
        len: 0,
    };

    fn ids(&self) -> &[TraceId] {
        &self.ids[..usize::from(self.len)]
    }

    /// Adds a sleep of `ns` spent in `trace`: to the task's entry for that
    /// path, else to a new entry, evicting the task's entry with the smallest
    /// total when it already has [`TRACES_PER_TASK`].
    pub(crate) fn record(
        &mut self,
        arena: &mut TraceArena,
        trace: &CallTrace,
        ns: u64,
    ) -> Recorded {
        if let Some(&id) = self
            .ids()
            .iter()
            .find(|&&id| arena.get(id).trace.same_path(trace))
        {
            arena.entries[id as usize].sleeps.add(ns);
            return Recorded::Added;
        }
        if usize::from(self.len) == TRACES_PER_TASK {
            let smallest = (0..TRACES_PER_TASK)
                .min_by_key(|&i| arena.get(self.ids[i]).sleeps.total_ns)
                .unwrap_or(0);
            arena.release(self.ids[smallest]);
            self.ids[smallest] = self.ids[TRACES_PER_TASK - 1];
            self.len -= 1;
        }
        let mut sleeps = SleepStats::default();
        sleeps.add(ns);
        let Some(id) = arena.alloc(TraceEntry {
            trace: *trace,
            sleeps,
            user_files: [FrameFile::default(); USER_FRAMES],
        }) else {
            return Recorded::Dropped;
        };
        self.ids[usize::from(self.len)] = id;
        self.len += 1;
        Recorded::New(id)
    }

    /// The named user frames of another of the task's entries with the
    /// same user frames as `id`'s, if one has them: a user stack is named
    /// once, by the first trace that has it.
    pub(crate) fn user_files_like(
        &self,
        arena: &TraceArena,
        id: TraceId,
    ) -> Option<[FrameFile; USER_FRAMES]> {
        let user = arena.get(id).trace.user();
        self.ids()
            .iter()
            .filter(|&&other| other != id)
            .map(|&other| arena.get(other))
            .find(|entry| {
                entry.trace.user() == user && entry.user_files.iter().any(|f| f.get().is_some())
            })
            .map(|entry| entry.user_files)
    }

    /// The task's entries.
    pub(crate) fn entries<'a>(
        &self,
        arena: &'a TraceArena,
    ) -> impl Iterator<Item = &'a TraceEntry> + use<'a, '_> {
        self.ids().iter().map(move |&id| arena.get(id))
    }

    /// The entry with the largest total, if any.
    pub(crate) fn worst<'a>(&self, arena: &'a TraceArena) -> Option<&'a TraceEntry> {
        self.ids()
            .iter()
            .map(|&id| arena.get(id))
            .max_by_key(|entry| entry.sleeps.total_ns)
    }

    /// Gives every entry back to the arena.
    pub(crate) fn release_all(&mut self, arena: &mut TraceArena) {
        for &id in self.ids() {
            arena.release(id);
        }
        self.len = 0;
    }
}
