// SPDX-License-Identifier: GPL-2.0

//! A fixed array of slots, and for each CPU a few cells that each remember
//! one of them, read back with no bounds check: what a hook that finds the
//! same few slots again on every event (the tasks a CPU switches between)
//! keeps so as not to look them up.
//!
//! A cell holds a pointer, not a number: recalling a slot is one load and a
//! null test, where a number costs a bounds check and a multiplication on
//! every event. That is sound because a cell is only ever set from a number
//! checked once against the array, or copied from another cell of the same
//! array, and the array never moves or shrinks while it lives.

use super::cpu::PerCpu;
use core::{
    ptr,
    sync::atomic::{AtomicPtr, Ordering::Relaxed},
};
use kernel::prelude::*;

/// `slots`, and `N` cells per CPU remembering slots of it.
///
/// # Invariants
///
/// `slots` is never resized, so its elements stay where they are while
/// `self` lives; every non-null pointer in `memos` points to one of them.
pub(crate) struct MemoSlots<T, const N: usize> {
    slots: KVVec<T>,
    memos: PerCpu<[AtomicPtr<T>; N]>,
}

impl<T, const N: usize> MemoSlots<T, N> {
    /// `slots`, with every CPU's cells empty.
    pub(crate) fn new(slots: KVVec<T>) -> Result<Self> {
        let memos = PerCpu::new(|| Ok([const { AtomicPtr::new(ptr::null_mut()) }; N]))?;
        // INVARIANT: every cell is null; `slots` is never given out mutably.
        Ok(Self { slots, memos })
    }

    /// The slots.
    #[inline]
    pub(crate) fn slots(&self) -> &[T] {
        &self.slots
    }

    /// CPU `cpu`'s cells (`None` past `nr_cpu_ids`). Its hooks alone use
    /// them, as their CPU's per-CPU data (see [`PerCpu`]): relaxed atomics.
    #[inline]
    pub(crate) fn memo(&self, cpu: usize) -> Option<Memo<'_, T, N>> {
        Some(Memo {
            cells: self.memos.get(cpu)?,
            owner: self,
        })
    }
}

/// One CPU's cells of a [`MemoSlots`].
///
/// # Invariants
///
/// `cells` are a CPU's cells of `owner`.
pub(crate) struct Memo<'a, T, const N: usize> {
    cells: &'a [AtomicPtr<T>; N],
    owner: &'a MemoSlots<T, N>,
}

impl<'a, T, const N: usize> Memo<'a, T, N> {
    /// The slot cell `cell` remembers, if any (`None` too if `cell` is not
    /// below `N`).
    #[inline]
    pub(crate) fn get(&self, cell: usize) -> Option<&'a T> {
        let slot = self.cells.get(cell)?.load(Relaxed);
        // SAFETY: a non-null cell points to one of the owner's slots (type
        // invariants), which live and stay in place for `'a`.
        unsafe { slot.as_ref() }
    }

    /// Cell `cell` remembers slot `number`, or nothing if `number` is
    /// `None` or past the slots.
    #[inline]
    pub(crate) fn set(&self, cell: usize, number: Option<usize>) {
        let slot = number
            .and_then(|n| self.owner.slots.get(n))
            .map_or(ptr::null_mut(), |slot| ptr::from_ref(slot).cast_mut());
        if let Some(cell) = self.cells.get(cell) {
            // INVARIANT: null, or one of `slots`.
            cell.store(slot, Relaxed);
        }
    }

    /// Cells `a` and `b` exchange what they remember.
    #[inline]
    pub(crate) fn swap(&self, a: usize, b: usize) {
        if let (Some(a), Some(b)) = (self.cells.get(a), self.cells.get(b)) {
            let was_a = a.load(Relaxed);
            // INVARIANT: cells of the same array: null or one of `slots`.
            a.store(b.load(Relaxed), Relaxed);
            b.store(was_a, Relaxed);
        }
    }

    /// Cell `to` remembers what cell `from` does.
    #[inline]
    pub(crate) fn copy(&self, to: usize, from: usize) {
        if let (Some(to), Some(from)) = (self.cells.get(to), self.cells.get(from)) {
            // INVARIANT: a cell of the same array: null or one of `slots`.
            to.store(from.load(Relaxed), Relaxed);
        }
    }
}
