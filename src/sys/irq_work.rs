// SPDX-License-Identifier: GPL-2.0

//! A call deferred from any context, even a probe under a runqueue lock, to
//! hard-interrupt context right after: an `irq_work` raises a self-interrupt
//! that runs once interrupts are back on, when the scheduler has dropped its
//! lock. Wake-ups, eventfd signals and signals are safe there; sleeping is
//! not (for that, see [`super::deferred`]).

use super::bindings;
use core::marker::PhantomData;
use kernel::{init::PinInit, pin_init, prelude::*, types::Opaque};

/// A type that embeds an [`IrqWork`] and runs something when it fires.
/// Implement it with [`impl_has_irq_work!`].
///
/// # Safety
///
/// `OFFSET` must be the offset of an `IrqWork<Self>` field within `Self`.
pub(crate) unsafe trait HasIrqWork: Sized + Send + Sync {
    /// `core::mem::offset_of!(Self, the_irq_work_field)`.
    const OFFSET: usize;

    /// Runs in hard-interrupt context (it must not sleep), at most once at a
    /// time, soon after [`IrqWork::kick`].
    fn run_irq_work(&self);
}

/// Implements [`HasIrqWork`] for `$type`, whose field `$field` is its
/// `IrqWork<$type>`, running `$run(&self)` when it fires.
macro_rules! impl_has_irq_work {
    ($type:ty, $field:ident, $run:path) => {
        // SAFETY: `OFFSET` is that of `$field`, which the function below
        // checks is an `IrqWork<$type>`.
        // Expanded outside sys/, which may hold no other unsafe code.
        #[allow(unsafe_code)]
        unsafe impl $crate::sys::irq_work::HasIrqWork for $type {
            const OFFSET: usize = {
                let _: fn(&$type) -> &$crate::sys::irq_work::IrqWork<$type> = |t| &t.$field;
                core::mem::offset_of!($type, $field)
            };

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
/// `work` is initialised with `Self::func`, and `Self` lives at `T::OFFSET`
/// within a pinned `T`, so `func` finds the `T` around it.
#[repr(C)]
#[pin_data(PinnedDrop)]
pub(crate) struct IrqWork<T: HasIrqWork> {
    #[pin]
    work: Opaque<bindings::irq_work>,
    _owner: PhantomData<T>,
}

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
        // `work` is the first field of the `#[repr(C)]` IrqWork, which sits
        // at `T::OFFSET` in its `T` (type invariant).
        let owner = work.cast::<u8>().wrapping_sub(T::OFFSET).cast::<T>();
        // SAFETY: the irq_work runs only while its `T` is alive: dropping
        // the `IrqWork` waits for it (see `drop`).
        unsafe { &*owner }.run_irq_work();
    }
}

#[pinned_drop]
impl<T: HasIrqWork> PinnedDrop for IrqWork<T> {
    fn drop(self: Pin<&mut Self>) {
        self.sync();
    }
}
