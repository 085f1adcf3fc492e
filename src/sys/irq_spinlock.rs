// SPDX-License-Identifier: GPL-2.0

//! A raw spinlock that disables interrupts while held, for data that probe
//! handlers share with process context and irq_work.
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
//!
//! Lockdep sees every acquisition but the probes' tries, and each with
//! interrupts disabled (`raw_spin_lock_irqsave()`), whether from process
//! context or from an irq_work (hard-interrupt context): a lock only ever
//! held with interrupts off is hardirq-safe, so an interrupt taking it on a
//! CPU where process context holds it cannot happen, and lockdep has no
//! irq-inversion to report. The probes' `trylock` in NMI context is what
//! lockdep allows there (it never waits).

use super::compat::{pin_init, PinInit};
use super::{bindings, clock::now_ns, layout::assert_size};
use core::{
    cell::UnsafeCell,
    marker::{PhantomData, PhantomPinned},
    ops::Deref,
    ops::DerefMut,
};
use kernel::{ffi, prelude::*, sync::LockClassKey, types::Opaque};

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

// Embedded.
assert_size!(
    bindings::raw_spinlock_t,
    RAW_SPINLOCK_SIZE,
    RAW_SPINLOCK_ALIGN
);

// SAFETY: the lock hands `&mut T` to one holder at a time, on any thread.
unsafe impl<T: Send> Send for IrqSpinLock<T> {}
// SAFETY: as above: shared `&IrqSpinLock` only gives access under the lock,
// one holder at a time, so sharing it moves `T` between threads: `T: Send`
// is needed, and enough (as for `kernel::sync::Lock`).
unsafe impl<T: Send> Sync for IrqSpinLock<T> {}

/// Creates an [`IrqSpinLock`] initialiser with a lockdep class of its own.
macro_rules! new_irq_spinlock {
    ($inner:expr, $name:literal) => {
        $crate::sys::irq_spinlock::IrqSpinLock::new(
            $inner,
            kernel::c_str!($name),
            $crate::sys::compat::lock_class(kernel::static_lock_class!()),
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

    /// Takes the lock, spinning as long as it takes, with interrupts saved
    /// and disabled until the guard drops. From process context or from an
    /// irq_work (hard-interrupt context); never from a probe, which may
    /// have interrupted the holder on its own CPU: probes use
    /// [`Self::try_lock_for`] (see the module documentation).
    pub(crate) fn lock(&self) -> IrqGuard<'_, T> {
        // SAFETY: `lock` is initialised (type invariant).
        let flags = unsafe { bindings::raw_spin_lock_irqsave(self.lock.get()) };
        // SAFETY: taken just above, with `flags` saved; the guard unlocks.
        unsafe { IrqGuard::new(self, flags) }
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
                // SAFETY: taken just above, with `flags` saved; the guard
                // unlocks.
                return Some(unsafe { IrqGuard::new(self, flags) });
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
/// Not `Send`: it must be dropped on the CPU that took the lock, where it
/// restores the interrupt state it saved there (as `kernel::sync::Guard`).
///
/// # Invariants
///
/// `owner.lock` is held by us, taken on this CPU with interrupt state
/// `flags` saved.
#[must_use = "the lock unlocks immediately when the guard is unused"]
pub(crate) struct IrqGuard<'a, T> {
    owner: &'a IrqSpinLock<T>,
    flags: ffi::c_ulong,
    _not_send: PhantomData<*mut ()>,
}

// SAFETY: `&IrqGuard` only gives `&T`, so sharing the guard shares `T`.
unsafe impl<T: Sync> Sync for IrqGuard<'_, T> {}

// Checked at compile time: the lock is `Sync` for any `T: Send`, even one
// that is not `Sync`; it is not for a `T` that is not `Send`, and its guard
// is never `Send`. (The last two by trait ambiguity: if the type had the
// trait, both impls below would apply and `some_item` would not resolve.)
const _: fn() = || {
    fn sync<T: Sync>() {}
    sync::<IrqSpinLock<core::cell::Cell<u32>>>();

    trait AmbiguousIf<A, B> {
        fn some_item() {}
    }
    impl<T: ?Sized> AmbiguousIf<(), ()> for T {}
    struct IfSend;
    impl<T: ?Sized + Send> AmbiguousIf<IfSend, ()> for T {}
    struct IfSync;
    impl<T: ?Sized + Sync> AmbiguousIf<(), IfSync> for T {}
    let _ = <IrqGuard<'static, u32> as AmbiguousIf<_, ()>>::some_item;
    let _ = <IrqSpinLock<*mut ()> as AmbiguousIf<(), _>>::some_item;
};

impl<'a, T> IrqGuard<'a, T> {
    /// The guard of `owner`.
    ///
    /// # Safety
    ///
    /// The caller must hold `owner.lock`, taken on this CPU with the
    /// interrupt state `flags` saved.
    unsafe fn new(owner: &'a IrqSpinLock<T>, flags: ffi::c_ulong) -> Self {
        // INVARIANT: the caller guarantees the lock is held so.
        Self {
            owner,
            flags,
            _not_send: PhantomData,
        }
    }
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
