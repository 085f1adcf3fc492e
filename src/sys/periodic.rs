// SPDX-License-Identifier: GPL-2.0

//! Work that runs periodically in process context: a `delayed_work` on the
//! system workqueue that its owner re-arms from each run while it has
//! something to do, so it costs nothing while idle.

use super::{bindings, task::now_ns};
use core::{
    marker::PhantomData,
    sync::atomic::{AtomicU64, Ordering::Relaxed},
};
use kernel::{ffi, init::PinInit, pin_init, prelude::*, types::Opaque};

/// A type that embeds a [`Periodic`]. Implement it with [`impl_has_periodic!`].
///
/// # Safety
///
/// `OFFSET` must be the offset of a `Periodic<Self>` field within `Self`.
pub(crate) unsafe trait HasPeriodic: Sized + Send + Sync {
    /// `core::mem::offset_of!(Self, the_periodic_field)`.
    const OFFSET: usize;

    /// Runs in process context (it may sleep), one run at a time.
    fn run_periodic(&self);
}

/// Implements [`HasPeriodic`] for `$type`, whose field `$field` is its
/// `Periodic<$type>`, running `$run(&self)` each time.
macro_rules! impl_has_periodic {
    ($type:ty, $field:ident, $run:path) => {
        // SAFETY: `OFFSET` is that of `$field`, which the function below
        // checks is a `Periodic<$type>`.
        unsafe impl $crate::sys::periodic::HasPeriodic for $type {
            const OFFSET: usize = {
                let _: fn(&$type) -> &$crate::sys::periodic::Periodic<$type> = |t| &t.$field;
                core::mem::offset_of!($type, $field)
            };

            fn run_periodic(&self) {
                $run(self)
            }
        }
    };
}
pub(crate) use impl_has_periodic;

/// Runs `T::run_periodic` every period, from [`Periodic::start`] for as long
/// as each run calls [`Periodic::rearm`].
///
/// # Invariants
///
/// `work` is initialised with `Self::func`; `Self` lives at `T::OFFSET`
/// within a pinned `T`.
#[repr(C)]
#[pin_data(PinnedDrop)]
pub(crate) struct Periodic<T: HasPeriodic> {
    #[pin]
    work: Opaque<bindings::delayed_work>,
    /// When the next run is due (monotonic ns): the cadence [`Self::rearm`]
    /// keeps.
    next_due_ns: AtomicU64,
    _owner: PhantomData<T>,
}

// SAFETY: a delayed_work may be queued and cancelled from any thread.
unsafe impl<T: HasPeriodic> Send for Periodic<T> {}
// SAFETY: as above.
unsafe impl<T: HasPeriodic> Sync for Periodic<T> {}

impl<T: HasPeriodic> Periodic<T> {
    /// An initialiser for the field of a pinned `T` that [`impl_has_periodic!`]
    /// names.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            work <- Opaque::ffi_init(|slot| {
                // SAFETY: `slot` is valid for writing a delayed_work.
                unsafe { bindings::init_delayed_work(slot, Some(Self::func)) }
            }),
            next_due_ns: AtomicU64::new(0),
            _owner: PhantomData,
        })
    }

    /// Starts the runs, the first `period_ns` from now, unless a run is
    /// already pending. Process context.
    pub(crate) fn start(&self, period_ns: u64) {
        self.next_due_ns.store(now_ns().saturating_add(period_ns), Relaxed);
        self.schedule_in(period_ns);
    }

    /// From a run: the next one, due `period_ns` after this one was due, not
    /// after it ended (at HZ=250 a 10 ms delay rounded up to 12 ms, plus the
    /// run itself, each time). A run late by more than a period starts the
    /// cadence again from now.
    pub(crate) fn rearm(&self, period_ns: u64) {
        let now = now_ns();
        let due = self.next_due_ns.load(Relaxed).saturating_add(period_ns).max(now);
        self.next_due_ns.store(due, Relaxed);
        self.schedule_in(due - now);
    }

    /// Queues a run `delay_ns` from now, unless one is pending. The delay is
    /// rounded down to whole jiffies: with the due times kept in ns, the
    /// runs keep their period on average.
    fn schedule_in(&self, delay_ns: u64) {
        // SAFETY: plain arithmetic on the kernel's HZ.
        let delay = unsafe { bindings::nsecs_to_jiffies(delay_ns) };
        // SAFETY: `work` is initialised and pinned; queueing an already
        // pending delayed_work does nothing.
        unsafe {
            bindings::queue_delayed_work_on(
                bindings::wq_misc_consts_WORK_CPU_UNBOUND as ffi::c_int,
                bindings::system_wq,
                self.work.get(),
                delay,
            )
        };
    }

    /// Cancels a pending run and waits for a running one, which cannot
    /// re-arm it meanwhile. For teardown.
    pub(crate) fn cancel(&self) {
        // SAFETY: `work` is initialised and pinned; cancel_delayed_work_sync()
        // handles work that re-queues itself.
        unsafe { bindings::cancel_delayed_work_sync(self.work.get()) };
    }

    unsafe extern "C" fn func(work: *mut bindings::work_struct) {
        // `work` is the first field of the delayed_work, the first field of
        // the `#[repr(C)]` Periodic, at `T::OFFSET` in its `T`.
        let owner = work.cast::<u8>().wrapping_sub(T::OFFSET).cast::<T>();
        // SAFETY: the work runs only while its `T` is alive: dropping the
        // `Periodic` cancels and waits for it.
        unsafe { &*owner }.run_periodic();
    }
}

#[pinned_drop]
impl<T: HasPeriodic> PinnedDrop for Periodic<T> {
    fn drop(self: Pin<&mut Self>) {
        self.cancel();
    }
}
