// SPDX-License-Identifier: GPL-2.0

//! The processes whose /proc/allpids directory may be out of date, noted by
//! the hooks as they start and exit, so that a reconcile looks at those
//! alone (a red-black tree lookup and a pid lookup each) rather than walking
//! every process: under a fork storm its work per process stays O(log n).
//!
//! One ring per CPU, written by that CPU's hooks (interrupts off: one
//! writer at a time) and emptied by the reconcile (under the directories'
//! mutex: one reader at a time); head and tail are the hand-over, release
//! on one side and acquire on the other, as in the profiler's trace rings.
//! A note that finds its ring full is not lost: it asks for a walk of
//! every process instead, which the next reconcile does.

use crate::sys::cpu::PerCpu;
use core::sync::atomic::{
    AtomicBool, AtomicI32, AtomicU32, AtomicU64,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
};
use kernel::prelude::*;

/// Notes each CPU holds until the next reconcile: a storm forks and reaps
/// far fewer between two runs of the work that empties them.
const RING: u32 = 1024;

/// One CPU's ring of tgids.
struct Ring {
    /// Notes written: the hooks' side.
    head: AtomicU32,
    /// Notes read: the reconcile's side.
    tail: AtomicU32,
    tgids: KVVec<AtomicI32>,
}

impl Ring {
    fn new() -> Result<Self> {
        let mut tgids = KVVec::with_capacity(RING as usize, GFP_KERNEL)?;
        for _ in 0..RING {
            tgids.push(AtomicI32::new(0), GFP_KERNEL)?;
        }
        Ok(Self {
            head: AtomicU32::new(0),
            tail: AtomicU32::new(0),
            tgids,
        })
    }
}

/// The rings of every CPU, and whether a walk of every process is due.
pub(crate) struct ProcessNotes {
    rings: PerCpu<Ring>,
    /// Set when a note was lost (a full ring) or a caller asks for a walk:
    /// the next reconcile walks every process.
    walk_due: AtomicBool,
    /// Notes handed to the reconcile, and walks asked for by a full ring.
    pub(crate) noted: AtomicU64,
    pub(crate) overflows: AtomicU64,
}

impl ProcessNotes {
    /// Empty rings; the first reconcile walks every process.
    pub(crate) fn new() -> Result<Self> {
        Ok(Self {
            rings: PerCpu::new(Ring::new)?,
            walk_due: AtomicBool::new(true),
            noted: AtomicU64::new(0),
            overflows: AtomicU64::new(0),
        })
    }

    /// Hook context: process `tgid` started or exited, on this CPU.
    pub(crate) fn note(&self, tgid: i32) {
        let Some(ring) = self.rings.local() else {
            self.walk_due.store(true, Release);
            return;
        };
        let head = ring.head.load(Relaxed);
        let cell = (head.wrapping_sub(ring.tail.load(Acquire)) < RING)
            .then(|| ring.tgids.get((head % RING) as usize))
            .flatten();
        let Some(cell) = cell else {
            self.overflows.fetch_add(1, Relaxed);
            self.walk_due.store(true, Release);
            return;
        };
        cell.store(tgid, Relaxed);
        // Hands the note to the reconcile.
        ring.head.store(head.wrapping_add(1), Release);
    }

    /// Asks the next reconcile to walk every process.
    pub(crate) fn ask_walk(&self) {
        self.walk_due.store(true, Release);
    }

    /// Reconcile context (one caller at a time): empties the rings into
    /// `tgids`, and returns whether a walk of every process is due instead
    /// (then `tgids` is to be ignored: the walk sees every process the
    /// notes name, as the rings are emptied before it looks). A walk is
    /// also due if `tgids` cannot grow.
    pub(crate) fn take(&self, tgids: &mut KVVec<i32>) -> bool {
        let mut walk = self.walk_due.swap(false, AcqRel);
        for ring in self.rings.iter() {
            let tail = ring.tail.load(Relaxed);
            let head = ring.head.load(Acquire);
            let mut at = tail;
            while at != head {
                if !walk {
                    let tgid = ring
                        .tgids
                        .get((at % RING) as usize)
                        .map(|t| t.load(Relaxed));
                    if let Some(tgid) = tgid {
                        walk = tgids.push(tgid, GFP_KERNEL).is_err();
                    }
                }
                at = at.wrapping_add(1);
            }
            self.noted
                .fetch_add(u64::from(head.wrapping_sub(tail)), Relaxed);
            // Gives the cells back to the hooks.
            ring.tail.store(head, Release);
        }
        walk
    }
}
