// SPDX-License-Identifier: GPL-2.0

//! A call deferred from any context, even a probe under a runqueue lock, to
//! hard-interrupt context right after: an `irq_work` raises a self-interrupt
//! that runs once interrupts are back on, when the scheduler has dropped its
//! lock. Wake-ups, eventfd signals and signals are safe there; sleeping is
//! not (for that, see [`super::deferred`]).

use super::compat::{pin_init, PinInit};
use super::{bindings, layout::assert_size};
use core::marker::PhantomData;
use kernel::{prelude::*, types::Opaque};

/// A type that embeds an [`IrqWork`] and runs something when it fires.
/// Implement it with [`impl_has_irq_work!`].
///
/// # Safety
///
/// `from_irq_work` must return the `Self` that `ptr` is a field of.
pub(crate) unsafe trait HasIrqWork: Sized + Send + Sync {
    /// The `Self` around the `IrqWork<Self>` field at `ptr` (its
    /// `container_of!`).
    ///
    /// # Safety
    ///
    /// `ptr` must point to the `IrqWork<Self>` field of a `Self`.
    unsafe fn from_irq_work(ptr: *const IrqWork<Self>) -> *const Self;

    /// Runs in hard-interrupt context (it must not sleep), at most once at a
    /// time, soon after [`IrqWork::kick`].
    fn run_irq_work(&self);
}

/// Implements [`HasIrqWork`] for `$type`, whose field `$field` is its
/// `IrqWork<$type>`, running `$run(&self)` when it fires.
macro_rules! impl_has_irq_work {
    ($type:ty, $field:ident, $run:path) => {
        // SAFETY: `from_irq_work` steps back from `$field`, which its
        // first line checks is an `IrqWork<$type>`, to its `$type`.
        // Expanded outside sys/, which may hold no other unsafe code.
        #[allow(unsafe_code)]
        unsafe impl $crate::sys::irq_work::HasIrqWork for $type {
            unsafe fn from_irq_work(
                ptr: *const $crate::sys::irq_work::IrqWork<$type>,
            ) -> *const $type {
                let _: fn(&$type) -> &$crate::sys::irq_work::IrqWork<$type> = |t| &t.$field;
                // SAFETY: the caller guarantees `ptr` is the `$field` of a
                // `$type`, which starts that field's offset before it.
                unsafe { kernel::container_of!(ptr, $type, $field) }
            }

            fn run_irq_work(&self) {
                $run(self)
            }
        }
    };
}
pub(crate) use impl_has_irq_work;

/// Runs `T::run_irq_work` soon after a kick, in interrupt context.
///
/// # Invariants
///
/// `work` is initialised with `Self::func`, and `Self` is the field of a
/// pinned `T` that `T::from_irq_work` steps back from, so `func` finds the
/// `T` around it.
#[pin_data(PinnedDrop)]
pub(crate) struct IrqWork<T: HasIrqWork> {
    #[pin]
    work: Opaque<bindings::irq_work>,
    _owner: PhantomData<T>,
}

// Embedded here and by Deferred.
assert_size!(bindings::irq_work, IRQ_WORK_SIZE, IRQ_WORK_ALIGN);

// SAFETY: an irq_work is made to be queued from any CPU.
unsafe impl<T: HasIrqWork> Send for IrqWork<T> {}
// SAFETY: as above; `kick` and `sync` are safe from any thread.
unsafe impl<T: HasIrqWork> Sync for IrqWork<T> {}

impl<T: HasIrqWork> IrqWork<T> {
    /// An initialiser for the field of a pinned `T` that [`impl_has_irq_work!`]
    /// names.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            work <- Opaque::ffi_init(|slot| {
                // SAFETY: `slot` is valid for writing an irq_work.
                unsafe { bindings::init_irq_work(slot, Some(Self::func)) }
            }),
            _owner: PhantomData,
        })
    }

    /// Asks for `T::run_irq_work` to run soon. Safe in any context; a kick
    /// while one is pending is merged with it.
    pub(crate) fn kick(&self) {
        // SAFETY: `work` is initialised (type invariant) and pinned.
        unsafe { bindings::irq_work_queue(self.work.get()) };
    }

    /// Waits until it is neither pending nor running.
    pub(crate) fn sync(&self) {
        // SAFETY: `work` is initialised and pinned.
        unsafe { bindings::irq_work_sync(self.work.get()) };
    }

    unsafe extern "C" fn func(work: *mut bindings::irq_work) {
        // SAFETY: the kernel passes our `work`, the field of an `IrqWork` in
        // a `T` (type invariants), both alive: dropping the `IrqWork` waits
        // for this function (see `drop`).
        let owner = unsafe {
            let this = kernel::container_of!(work.cast::<Opaque<bindings::irq_work>>(), Self, work);
            &*T::from_irq_work(this)
        };
        owner.run_irq_work();
    }
}

#[pinned_drop]
impl<T: HasIrqWork> PinnedDrop for IrqWork<T> {
    fn drop(self: Pin<&mut Self>) {
        self.sync();
    }
}
