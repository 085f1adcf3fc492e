// SPDX-License-Identifier: GPL-2.0

//! A raw spinlock that disables interrupts while held, for data that probe
//! handlers share with process context.
//!
//! The 6.12 `kernel::sync::SpinLock` fits neither side. Process context must
//! disable interrupts, or a wake-up interrupting a reader could enter our
//! probe on the same CPU and spin on the lock forever; and it must be a
//! `raw_spinlock_t`, since probes run under the runqueue lock, itself raw,
//! inside which lockdep forbids a `spinlock_t`. Probe context, an int3 trap
//! that lockdep counts as NMI, may only *try* the lock: a lock taken in NMI
//! must never be taken elsewhere, but a trylock cannot deadlock. So probes
//! spin on `try_lock` within a time budget and give up (the caller counts
//! the event as dropped) rather than wait without bound.

use super::{bindings, clock::now_ns};
use core::{cell::UnsafeCell, marker::PhantomPinned, ops::Deref, ops::DerefMut};
use kernel::{ffi, init::PinInit, pin_init, prelude::*, sync::LockClassKey, types::Opaque};

/// `T` behind a `raw_spinlock_t` taken with interrupts disabled.
///
/// # Invariants
///
/// `lock` is initialised; `data` is only reached through a [`IrqGuard`],
/// which exists only while `lock` is held.
#[pin_data]
pub(crate) struct IrqSpinLock<T> {
    #[pin]
    lock: Opaque<bindings::raw_spinlock_t>,
    #[pin]
    _pin: PhantomPinned,
    data: UnsafeCell<T>,
}

// SAFETY: the lock hands `&mut T` to one holder at a time, on any thread.
unsafe impl<T: Send> Send for IrqSpinLock<T> {}
// SAFETY: as above: shared `&IrqSpinLock` only gives access under the lock.
unsafe impl<T: Send> Sync for IrqSpinLock<T> {}

/// Creates an [`IrqSpinLock`] initialiser with a lockdep class of its own.
macro_rules! new_irq_spinlock {
    ($inner:expr, $name:literal) => {
        $crate::sys::irq_spinlock::IrqSpinLock::new(
            $inner,
            kernel::c_str!($name),
            kernel::static_lock_class!(),
        )
    };
}
pub(crate) use new_irq_spinlock;

impl<T> IrqSpinLock<T> {
    /// An initialiser for a lock holding `data`, named `name` for lockdep.
    pub(crate) fn new(
        data: T,
        name: &'static CStr,
        key: &'static LockClassKey,
    ) -> impl PinInit<Self> {
        pin_init!(Self {
            lock <- Opaque::ffi_init(|slot| {
                let key = super::lock_class_key(key);
                // SAFETY: `slot` is valid for writing a lock; the name and the
                // key live forever.
                unsafe { bindings::raw_spin_lock_init(slot, name.as_char_ptr(), key) }
            }),
            _pin: PhantomPinned,
            data: UnsafeCell::new(data),
        })
    }

    /// Takes the lock, spinning as long as it takes. Process context only:
    /// never from a probe (see the module documentation).
    pub(crate) fn lock(&self) -> IrqGuard<'_, T> {
        // SAFETY: `lock` is initialised (type invariant).
        let flags = unsafe { bindings::raw_spin_lock_irqsave(self.lock.get()) };
        // INVARIANT: the lock is held until the guard drops.
        IrqGuard { owner: self, flags }
    }

    /// Tries to take the lock until `budget_ns` have passed; `None` then.
    /// For probes: a trylock never deadlocks, even interrupting a holder.
    pub(crate) fn try_lock_for(&self, budget_ns: u64) -> Option<IrqGuard<'_, T>> {
        let mut deadline = None;
        loop {
            let mut flags: ffi::c_ulong = 0;
            // SAFETY: `lock` is initialised (type invariant); `flags` is
            // writable.
            if unsafe { bindings::raw_spin_trylock_irqsave(self.lock.get(), &mut flags) } {
                // INVARIANT: the lock is held until the guard drops.
                return Some(IrqGuard { owner: self, flags });
            }
            let now = now_ns();
            match deadline {
                None => deadline = Some(now.saturating_add(budget_ns)),
                Some(end) if now >= end => return None,
                Some(_) => core::hint::spin_loop(),
            }
        }
    }
}

/// Access to the data of a held [`IrqSpinLock`]; unlocks when dropped.
///
/// # Invariants
///
/// `owner.lock` is held by us, taken with interrupt state `flags` saved.
pub(crate) struct IrqGuard<'a, T> {
    owner: &'a IrqSpinLock<T>,
    flags: ffi::c_ulong,
}

impl<T> Deref for IrqGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the lock is held (type invariant), so no one else accesses `data`.
        unsafe { &*self.owner.data.get() }
    }
}

impl<T> DerefMut for IrqGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the lock is held (type invariant), so no one else accesses `data`.
        unsafe { &mut *self.owner.data.get() }
    }
}

impl<T> Drop for IrqGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: we hold the lock, taken with these flags (type invariant).
        unsafe { bindings::raw_spin_unlock_irqrestore(self.owner.lock.get(), self.flags) };
    }
}
