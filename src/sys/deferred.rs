// SPDX-License-Identifier: GPL-2.0

//! Work deferred from any context, even under a runqueue lock, to process
//! context: an `irq_work` (which only raises a self-interrupt, and runs once
//! interrupts are back on, after the scheduler has dropped its lock) queues a
//! `work_struct` on the system workqueue (which may wake a worker: fine from
//! the irq_work, deadly from the probe).

use super::compat::{pin_init, PinInit};
use super::{
    bindings,
    work::{self, WorkQueue},
};
use core::marker::PhantomData;
use kernel::{
    prelude::*,
    sync::{Arc, LockClassKey},
    types::Opaque,
};

/// A type that embeds a [`Deferred`] and runs something when it fires.
/// Implement it with [`impl_has_deferred!`].
///
/// # Safety
///
/// `from_deferred` must return the `Self` that `ptr` is a field of.
pub(crate) unsafe trait HasDeferred: Sized + Send + Sync {
    /// The `Self` around the `Deferred<Self>` field at `ptr` (its
    /// `container_of!`).
    ///
    /// # Safety
    ///
    /// `ptr` must point to the `Deferred<Self>` field of a `Self`.
    unsafe fn from_deferred(ptr: *const Deferred<Self>) -> *const Self;

    /// Runs in process context (it may sleep), at most once at a time, some
    /// time after [`Deferred::kick`].
    fn run_deferred(&self);
}

/// Implements [`HasDeferred`] for `$type`, whose field `$field` is its
/// `Deferred<$type>`, running `$run(&self)` when it fires.
macro_rules! impl_has_deferred {
    ($type:ty, $field:ident, $run:path) => {
        // SAFETY: `from_deferred` steps back from `$field`, which its
        // first line checks is a `Deferred<$type>`, to its `$type`.
        // Expanded outside sys/, which may hold no other unsafe code.
        #[allow(unsafe_code)]
        unsafe impl $crate::sys::deferred::HasDeferred for $type {
            unsafe fn from_deferred(
                ptr: *const $crate::sys::deferred::Deferred<$type>,
            ) -> *const $type {
                let _: fn(&$type) -> &$crate::sys::deferred::Deferred<$type> = |t| &t.$field;
                // SAFETY: the caller guarantees `ptr` is the `$field` of a
                // `$type`, which starts that field's offset before it.
                unsafe { kernel::container_of!(ptr, $type, $field) }
            }

            fn run_deferred(&self) {
                $run(self)
            }
        }
    };
}
pub(crate) use impl_has_deferred;

/// Defers a call of `T::run_deferred` to process context.
///
/// # Invariants
///
/// `irq_work` and `work` are initialised with `Self::irq_work_func` and
/// `Self::work_func`, and `Self` is the field of a pinned `T` that
/// `T::from_deferred` steps back from, so both functions find the `T`
/// around them.
#[pin_data(PinnedDrop)]
pub(crate) struct Deferred<T: HasDeferred> {
    #[pin]
    irq_work: Opaque<bindings::irq_work>,
    #[pin]
    work: Opaque<bindings::work_struct>,
    /// Where `work` is queued: dropped after `work` is cancelled.
    queue: Arc<WorkQueue>,
    _owner: PhantomData<T>,
}

// SAFETY: irq_work and work_struct are made to be used from any CPU.
unsafe impl<T: HasDeferred> Send for Deferred<T> {}
// SAFETY: as above; `kick` is the only method and is safe from any context.
unsafe impl<T: HasDeferred> Sync for Deferred<T> {}

impl<T: HasDeferred> Deferred<T> {
    /// An initialiser for the field of a pinned `T` that [`impl_has_deferred!`]
    /// names: when it fires, it reaches the `T` at that offset before itself.
    /// Its work runs on `queue`.
    pub(crate) fn new(
        name: &'static CStr,
        key: &'static LockClassKey,
        queue: Arc<WorkQueue>,
    ) -> impl PinInit<Self> {
        pin_init!(Self {
            irq_work <- Opaque::ffi_init(|slot| {
                // SAFETY: `slot` is valid for writing an irq_work.
                unsafe { bindings::init_irq_work(slot, Some(Self::irq_work_func)) }
            }),
            work <- Opaque::ffi_init(|slot| {
                // SAFETY: `slot` is valid for writing a work_struct.
                unsafe { work::init(slot, Self::work_func, name, key) }
            }),
            queue,
            _owner: PhantomData,
        })
    }

    /// Asks for `T::run_deferred` to run soon. Safe in any context, including
    /// a probe under a runqueue lock; a kick while one is pending is merged.
    pub(crate) fn kick(&self) {
        // SAFETY: `irq_work` is initialised (type invariant) and pinned.
        unsafe { bindings::irq_work_queue(self.irq_work.get()) };
    }

    /// Waits until nothing is pending or running. The caller must make sure
    /// nobody kicks again: this is for teardown.
    pub(crate) fn sync(&self) {
        // SAFETY: both are initialised and pinned; irq_work_sync() waits for
        // a running irq_work, after which no new work can be queued by it,
        // and cancel_work_sync() removes a queued work or waits for it.
        unsafe {
            bindings::irq_work_sync(self.irq_work.get());
            bindings::cancel_work_sync(self.work.get());
        }
    }

    unsafe extern "C" fn irq_work_func(irq_work: *mut bindings::irq_work) {
        // SAFETY: the kernel calls this with our `irq_work` (type
        // invariant), the field of a `Deferred` that is alive: `sync` waits
        // for this function before teardown.
        let this = unsafe {
            &*kernel::container_of!(
                irq_work.cast::<Opaque<bindings::irq_work>>(),
                Self,
                irq_work
            )
        };
        // SAFETY: `work` is initialised and pinned (type invariant).
        unsafe { work::queue(&this.queue, this.work.get()) };
    }

    unsafe extern "C" fn work_func(work: *mut bindings::work_struct) {
        // SAFETY: the kernel passes our `work`, the field of a `Deferred` in a
        // `T` (type invariants), both alive: `sync` waits for this
        // function before teardown.
        let owner = unsafe {
            let this =
                kernel::container_of!(work.cast::<Opaque<bindings::work_struct>>(), Self, work);
            &*T::from_deferred(this)
        };
        owner.run_deferred();
    }
}

#[pinned_drop]
impl<T: HasDeferred> PinnedDrop for Deferred<T> {
    fn drop(self: Pin<&mut Self>) {
        self.sync();
    }
}
