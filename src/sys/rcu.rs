// SPDX-License-Identifier: GPL-2.0

//! RCU: read-side critical sections, and a pointer that readers in any
//! context follow without a lock, which a writer in process context
//! replaces, freeing the old value once no reader can still see it
//! (`synchronize_rcu()`, which also waits for sections with interrupts or
//! preemption off, as the scheduler hooks run).

use super::bindings;
use core::{
    marker::PhantomData,
    sync::atomic::{
        AtomicPtr,
        Ordering::{AcqRel, Acquire},
    },
};
use kernel::prelude::*;

/// An RCU read-side critical section: tasks reached through the task list
/// stay allocated until it ends (they are freed after a grace period).
/// Nothing in it may sleep.
///
/// # Invariants
///
/// `rcu_read_lock()` was called by `new` and is undone once, by `drop`, on
/// the same CPU's context (the guard is neither `Send` nor `Sync`).
pub(crate) struct RcuReadGuard {
    _not_send: PhantomData<*mut ()>,
}

impl RcuReadGuard {
    /// Enters a read-side critical section.
    pub(crate) fn new() -> Self {
        // SAFETY: rcu_read_lock() may be called in any context; `drop` ends it.
        unsafe { bindings::rcu_read_lock() };
        // INVARIANT: locked above.
        Self {
            _not_send: PhantomData,
        }
    }
}

impl Drop for RcuReadGuard {
    fn drop(&mut self) {
        // SAFETY: entered in `new` (type invariant).
        unsafe { bindings::rcu_read_unlock() };
    }
}

/// A value replaced whole, read without a lock: what the scheduler hooks
/// consult on every event, while process context rarely changes it.
///
/// # Invariants
///
/// `current` comes from [`KBox::into_raw`] and is owned by `self`. A
/// pointer that was current is freed only once a grace period that began
/// after it stopped being current has ended ([`Retired`]), so a reader in a
/// read-side critical section that loaded it may use it until the section
/// ends.
pub(crate) struct RcuBox<T> {
    current: AtomicPtr<T>,
}

// SAFETY: the value is shared by readers on every CPU (so `T: Sync`) and
// freed by whichever thread replaces or drops it (so `T: Send`).
unsafe impl<T: Send + Sync> Send for RcuBox<T> {}
// SAFETY: as above; `&self` only gives out `&T`.
unsafe impl<T: Send + Sync> Sync for RcuBox<T> {}

impl<T> RcuBox<T> {
    /// A box holding `value`.
    pub(crate) fn new(value: KBox<T>) -> Self {
        // INVARIANT: from `into_raw`, owned from now on.
        Self {
            current: AtomicPtr::new(KBox::into_raw(value)),
        }
    }

    /// Calls `f` with the current value, in a read-side critical section.
    /// Any context; `f` must not sleep.
    #[inline]
    pub(crate) fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let _rcu = RcuReadGuard::new();
        let current = self.current.load(Acquire);
        // SAFETY: `current` is valid until a grace period after it is
        // replaced, which cannot end before `_rcu` does (type invariant).
        f(unsafe { &*current })
    }

    /// Makes `value` current; the old value is handed back retired, for
    /// the caller to drop where it may sleep (after releasing its locks:
    /// the drop waits for a grace period). Any context but a [`Self::read`]
    /// closure. Concurrent swaps are sound; callers that want the newest
    /// value to stay current serialise them.
    pub(crate) fn swap(&self, value: KBox<T>) -> Retired<T> {
        // INVARIANT: `old` stops being current here.
        Retired {
            old: self.current.swap(KBox::into_raw(value), AcqRel),
        }
    }
}

/// A value an [`RcuBox`] held until a swap, which readers that loaded it
/// before may still use: dropping it waits for a grace period (it sleeps:
/// process context only), then frees it.
///
/// # Invariants
///
/// `old` comes from [`KBox::into_raw`], was current in an [`RcuBox`] until
/// the swap that made this, and is owned by `self`.
#[must_use = "dropping it waits for a grace period: drop it where that is allowed"]
pub(crate) struct Retired<T> {
    old: *mut T,
}

impl<T> Drop for Retired<T> {
    fn drop(&mut self) {
        // SAFETY: no precondition but a context that may sleep, which the
        // owner provides (the debug kernel's might_sleep() checks it).
        unsafe { bindings::synchronize_rcu() };
        // SAFETY: owned (type invariant); the grace period that just ended
        // began after `old` stopped being current, so no reader holds it.
        drop(unsafe { KBox::from_raw(self.old) });
    }
}

impl<T> Drop for RcuBox<T> {
    fn drop(&mut self) {
        // SAFETY: owned (type invariant); `&mut self` means no `read` runs.
        drop(unsafe { KBox::from_raw(*self.current.get_mut()) });
    }
}
