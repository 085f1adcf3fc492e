// SPDX-License-Identifier: GPL-2.0

//! A fixed-capacity stack of preallocated objects: process context fills it,
//! atomic context takes from it without ever allocating. Every pool of the
//! task table is refilled the same way: [`reserve_nodes`] allocates, with
//! nothing locked, then [`SlotPool::fill_from`] hands the nodes over under
//! the table's lock.

use kernel::{prelude::*, rbtree::RBTreeNodeReservation};

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

    /// Moves objects from `spares` into the pool while it has room. What
    /// does not fit (another refill won the race) stays in `spares`, for
    /// its owner to free once unlocked. Never allocates.
    pub(crate) fn fill_from(&mut self, spares: &mut KVec<Option<T>>) {
        for slot in spares.iter_mut() {
            if let Some(object) = slot.take() {
                *slot = self.put(object);
            }
        }
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

/// Up to `n` tree nodes, allocated in process context (fewer if memory is
/// short: the pool just stays lower until the next refill).
pub(crate) fn reserve_nodes<K, V>(n: usize) -> KVec<Option<RBTreeNodeReservation<K, V>>> {
    let mut nodes = KVec::new();
    if nodes.reserve(n, GFP_KERNEL).is_err() {
        return nodes;
    }
    for _ in 0..n {
        let Ok(node) = RBTreeNodeReservation::new(GFP_KERNEL) else {
            break;
        };
        // Within the reserved capacity: never allocates.
        let _ = nodes.push(Some(node), GFP_KERNEL);
    }
    nodes
}
