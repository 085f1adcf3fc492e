// SPDX-License-Identifier: GPL-2.0

//! A fixed-capacity stack of preallocated objects: process context fills it,
//! atomic context takes from it without ever allocating.

use kernel::prelude::*;

/// Up to `capacity` spare `T`s.
///
/// # Invariants
///
/// `slots[..len]` are `Some`, `slots[len..]` are `None`, and `slots.len()`
/// never changes after `new`.
pub(crate) struct SlotPool<T> {
    slots: KVVec<Option<T>>,
    len: usize,
}

impl<T> SlotPool<T> {
    /// An empty pool that can hold `capacity` objects; allocates its slots.
    pub(crate) fn new(capacity: usize) -> Result<Self> {
        let mut slots = KVVec::with_capacity(capacity, GFP_KERNEL)?;
        for _ in 0..capacity {
            // Within the capacity just reserved: never allocates.
            slots.push(None, GFP_KERNEL)?;
        }
        Ok(Self { slots, len: 0 })
    }

    /// How many objects it holds.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// How many more it can hold.
    pub(crate) fn room(&self) -> usize {
        self.slots.len() - self.len
    }

    /// Takes an object, if any is left. Never allocates.
    pub(crate) fn take(&mut self) -> Option<T> {
        let len = self.len.checked_sub(1)?;
        let object = self.slots[len].take();
        self.len = len;
        object
    }

    /// Gives an object back; returns it if the pool is full. Never allocates.
    pub(crate) fn put(&mut self, object: T) -> Option<T> {
        if self.len == self.slots.len() {
            return Some(object);
        }
        self.slots[self.len] = Some(object);
        self.len += 1;
        None
    }
}
