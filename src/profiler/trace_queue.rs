// SPDX-License-Identifier: GPL-2.0

//! Call traces of long sleeps, on their way from the hook that ends them to the task
//! table: one ring per CPU, written by that CPU's hooks (interrupts off, so
//! one writer at a time) and emptied by the drain (under the table's mutex,
//! so one reader at a time). No lock: the ring's head and tail are the
//! hand-over, release on one side and acquire on the other.

use super::trace::{CallTrace, KERNEL_FRAMES, USER_FRAMES};
use crate::sys::{
    cpu::PerCpu,
    mm::{MmRef, MmSlot},
};
use core::sync::atomic::{
    AtomicI32, AtomicU32, AtomicU64, AtomicU8, AtomicUsize,
    Ordering::{Acquire, Relaxed, Release},
};
use kernel::prelude::*;

/// Traces each CPU holds until the next drain; a wake-up that finds its
/// CPU's ring full counts the trace as dropped.
const RING: u32 = 256;

/// A trace waiting in a ring.
pub(crate) struct PendingTrace {
    pub(crate) tid: i32,
    pub(crate) start_time: u64,
    pub(crate) ns: u64,
    pub(crate) trace: CallTrace,
    /// The sleeper's address space, to name the user frames by, if the
    /// hook took it (see [`MmRef`]); dropped with the trace, in the drain.
    pub(crate) mm: Option<MmRef>,
}

/// One ring entry, in atomics.
#[derive(Default)]
struct Cell {
    tid: AtomicI32,
    start_time: AtomicU64,
    ns: AtomicU64,
    nr_kernel: AtomicU8,
    nr_user: AtomicU8,
    /// The trace's [`PendingTrace::mm`]: filled by `push`, emptied by
    /// `drain`; what a ring holds at unload goes with it.
    mm: MmSlot,
    kernel: [AtomicUsize; KERNEL_FRAMES],
    user: [AtomicUsize; USER_FRAMES],
}

/// One CPU's ring.
struct Ring {
    /// Entries written: the hooks' side.
    head: AtomicU32,
    /// Entries read: the drain's side.
    tail: AtomicU32,
    /// [`RING`] entries, on the heap: 18 KB would not fit on the stack.
    cells: KVVec<Cell>,
}

impl Ring {
    fn new() -> Result<Self> {
        let mut cells = KVVec::with_capacity(RING as usize, GFP_KERNEL)?;
        for _ in 0..RING {
            cells.push(Cell::default(), GFP_KERNEL)?;
        }
        Ok(Self {
            head: AtomicU32::new(0),
            tail: AtomicU32::new(0),
            cells,
        })
    }
}

/// Stores `frames` into `cells`; returns how many.
fn store_frames(cells: &[AtomicUsize], frames: &[usize]) -> u8 {
    let mut n = 0;
    for (cell, frame) in cells.iter().zip(frames) {
        cell.store(*frame, Relaxed);
        n += 1;
    }
    n
}

/// The rings of every CPU.
pub(crate) struct TraceQueue {
    rings: PerCpu<Ring>,
}

impl TraceQueue {
    pub(crate) fn new() -> Result<Self> {
        Ok(Self {
            rings: PerCpu::new(Ring::new)?,
        })
    }

    /// Hook context: queues a sleep of `ns` by the task `tid` created at
    /// `start_time` through `kernel` and `user` frames, on this CPU's ring.
    /// `mm` is called once there is room: what it gives goes with the trace
    /// to the drain (never dropped here, in the scheduler). Returns `None`
    /// if the ring is full, else whether it is half full (a drain is due).
    pub(crate) fn push(
        &self,
        tid: i32,
        start_time: u64,
        ns: u64,
        kernel: &[usize],
        user: &[usize],
        mm: impl FnOnce() -> Option<MmRef>,
    ) -> Option<bool> {
        let ring = self.rings.local()?;
        let head = ring.head.load(Relaxed);
        let used = head.wrapping_sub(ring.tail.load(Acquire));
        if used >= RING {
            return None;
        }
        let cell = ring.cells.get((head % RING) as usize)?;
        cell.tid.store(tid, Relaxed);
        cell.start_time.store(start_time, Relaxed);
        cell.ns.store(ns, Relaxed);
        cell.nr_kernel
            .store(store_frames(&cell.kernel, kernel), Relaxed);
        cell.nr_user.store(store_frames(&cell.user, user), Relaxed);
        cell.mm.put(mm());
        // Hands the entry to the drain.
        ring.head.store(head.wrapping_add(1), Release);
        Some(used + 1 >= RING / 2)
    }

    /// Drain context (one caller at a time, in process context): hands
    /// every queued trace to `fold`, then frees the entries.
    pub(crate) fn drain(&self, mut fold: impl FnMut(PendingTrace)) {
        for ring in self.rings.iter() {
            let tail = ring.tail.load(Relaxed);
            let head = ring.head.load(Acquire);
            let mut at = tail;
            while at != head {
                if let Some(cell) = ring.cells.get((at % RING) as usize) {
                    let mut trace = CallTrace::EMPTY;
                    let nr_kernel = usize::from(cell.nr_kernel.load(Relaxed));
                    for (d, s) in trace
                        .kernel_buf()
                        .iter_mut()
                        .zip(&cell.kernel)
                        .take(nr_kernel)
                    {
                        *d = s.load(Relaxed);
                    }
                    trace.set_kernel_len(nr_kernel);
                    let nr_user = usize::from(cell.nr_user.load(Relaxed));
                    for (d, s) in trace.user_buf().iter_mut().zip(&cell.user).take(nr_user) {
                        *d = s.load(Relaxed);
                    }
                    trace.set_user_len(nr_user);
                    fold(PendingTrace {
                        tid: cell.tid.load(Relaxed),
                        start_time: cell.start_time.load(Relaxed),
                        ns: cell.ns.load(Relaxed),
                        trace,
                        mm: cell.mm.take(),
                    });
                }
                at = at.wrapping_add(1);
            }
            // Gives the entries back to the hooks.
            ring.tail.store(head, Release);
        }
    }
}
