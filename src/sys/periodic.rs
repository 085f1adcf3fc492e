// SPDX-License-Identifier: GPL-2.0

//! Work that runs periodically in process context, on time: an `hrtimer`
//! (exact to the microsecond, where a timer-wheel `delayed_work` fires on a
//! tick, every 4 ms at HZ=250) queues a `work_struct` on the system
//! workqueue, and its owner re-arms it from each run while it has something
//! to do, so it costs nothing while idle.

use super::compat::{pin_init, PinInit};
use super::{
    bindings,
    clock::monotonic_ns,
    layout::{assert_offset, assert_size},
    work::{self, WorkQueue},
};
use core::{
    marker::PhantomData,
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
};
use kernel::{
    ffi,
    prelude::*,
    sync::{Arc, LockClassKey},
    types::Opaque,
};

/// A type that embeds a [`Periodic`]. Implement it with [`impl_has_periodic!`].
///
/// # Safety
///
/// `from_periodic` must return the `Self` that `ptr` is a field of.
pub(crate) unsafe trait HasPeriodic: Sized + Send + Sync {
    /// The `Self` around the `Periodic<Self>` field at `ptr` (its
    /// `container_of!`).
    ///
    /// # Safety
    ///
    /// `ptr` must point to the `Periodic<Self>` field of a `Self`.
    unsafe fn from_periodic(ptr: *const Periodic<Self>) -> *const Self;

    /// Runs in process context (it may sleep), one run at a time.
    fn run_periodic(&self);
}

/// Implements [`HasPeriodic`] for `$type`, whose field `$field` is its
/// `Periodic<$type>`, running `$run(&self)` each time.
macro_rules! impl_has_periodic {
    ($type:ty, $field:ident, $run:path) => {
        // SAFETY: `from_periodic` steps back from `$field`, which its
        // first line checks is a `Periodic<$type>`, to its `$type`.
        // Expanded outside sys/, which may hold no other unsafe code.
        #[allow(unsafe_code)]
        unsafe impl $crate::sys::periodic::HasPeriodic for $type {
            unsafe fn from_periodic(
                ptr: *const $crate::sys::periodic::Periodic<$type>,
            ) -> *const $type {
                let _: fn(&$type) -> &$crate::sys::periodic::Periodic<$type> = |t| &t.$field;
                // SAFETY: the caller guarantees `ptr` is the `$field` of a
                // `$type`, which starts that field's offset before it.
                unsafe { kernel::container_of!(ptr, $type, $field) }
            }

            fn run_periodic(&self) {
                $run(self)
            }
        }
    };
}
pub(crate) use impl_has_periodic;

/// Runs `T::run_periodic` every period, from [`Periodic::start`] for as long
/// as each run calls [`Periodic::rearm`], until [`Periodic::stop`].
///
/// # Invariants
///
/// `timer` is initialised on CLOCK_MONOTONIC, absolute mode, with
/// `Self::timer_func`; `work` with `Self::work_func`. `Self` is the field
/// of a pinned `T` that `T::from_periodic` steps back from.
#[pin_data(PinnedDrop)]
pub(crate) struct Periodic<T: HasPeriodic> {
    #[pin]
    timer: Opaque<bindings::hrtimer>,
    #[pin]
    work: Opaque<bindings::work_struct>,
    /// Where `work` is queued: dropped after `work` is cancelled.
    queue: Arc<WorkQueue>,
    /// When the next run is due, CLOCK_MONOTONIC ns: the cadence
    /// [`Self::rearm`] keeps.
    next_due_ns: AtomicU64,
    /// Set by [`Self::stop`]: nothing arms the timer any more.
    stopped: AtomicBool,
    _owner: PhantomData<T>,
}

// Embedded, and its `function` set, by `new`.
assert_size!(bindings::hrtimer, HRTIMER_SIZE, HRTIMER_ALIGN);
assert_offset!(bindings::hrtimer, function, HRTIMER_FUNCTION);

// SAFETY: an hrtimer and a work_struct may be armed and cancelled from any
// thread.
unsafe impl<T: HasPeriodic> Send for Periodic<T> {}
// SAFETY: as above.
unsafe impl<T: HasPeriodic> Sync for Periodic<T> {}

impl<T: HasPeriodic> Periodic<T> {
    /// An initialiser for the field of a pinned `T` that [`impl_has_periodic!`]
    /// names.
    /// Its runs are queued on `queue`.
    pub(crate) fn new(
        name: &'static CStr,
        key: &'static LockClassKey,
        queue: Arc<WorkQueue>,
    ) -> impl PinInit<Self> {
        pin_init!(Self {
            timer <- Opaque::ffi_init(|slot: *mut bindings::hrtimer| {
                // SAFETY: `slot` is valid for writing an hrtimer.
                unsafe { Self::timer_init(slot) }
            }),
            work <- Opaque::ffi_init(|slot| {
                // SAFETY: `slot` is valid for writing a work_struct.
                unsafe { work::init(slot, Self::work_func, name, key) }
            }),
            queue,
            next_due_ns: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
            _owner: PhantomData,
        })
    }

    /// Starts the runs, the first `period_ns` from now. Process context.
    /// Called while a run is pending, it moves that run to a period from now.
    pub(crate) fn start(&self, period_ns: u64) {
        let due = monotonic_ns().saturating_add(period_ns);
        self.next_due_ns.store(due, Ordering::Relaxed);
        self.arm(due);
    }

    /// From a run: the next one, due `period_ns` after this one was due, not
    /// after it ended, so the runs keep their period. A run late by more
    /// than a period starts the cadence again from now.
    pub(crate) fn rearm(&self, period_ns: u64) {
        let due = self
            .next_due_ns
            .load(Ordering::Relaxed)
            .saturating_add(period_ns)
            .max(monotonic_ns());
        self.next_due_ns.store(due, Ordering::Relaxed);
        self.arm(due);
    }

    fn arm(&self, due_ns: u64) {
        // Paired with `stop`: either it sees this start and cancels it, or
        // this sees `stopped`.
        if self.stopped.load(Ordering::SeqCst) {
            return;
        }
        // A ktime_t: CLOCK_MONOTONIC ns, far from overflowing an i64.
        let due = i64::try_from(due_ns).unwrap_or(i64::MAX);
        // SAFETY: `timer` is initialised (type invariant) and pinned;
        // restarting an armed hrtimer moves it.
        unsafe {
            bindings::hrtimer_start_range_ns(
                self.timer.get(),
                due,
                0,
                bindings::hrtimer_mode_HRTIMER_MODE_ABS,
            )
        };
    }

    /// Stops the runs for good: cancels a pending one and waits for one
    /// running. For teardown.
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        // A run that read `stopped` before it was set may still arm the
        // timer once, whose expiry may queue the work once more: cancelling
        // each twice, in this order, outlasts both. After the second
        // cancel_work_sync(), any run has seen `stopped`.
        for _ in 0..2 {
            // SAFETY: both are initialised (type invariant) and pinned;
            // hrtimer_cancel() waits for a running callback and
            // cancel_work_sync() for a running work.
            unsafe {
                bindings::hrtimer_cancel(self.timer.get());
                bindings::cancel_work_sync(self.work.get());
            }
        }
    }

    /// Initialises the timer at `slot` to call `timer_func`: hrtimer_init()
    /// then its `function` set, up to 6.14; hrtimer_setup() later.
    ///
    /// # Safety
    ///
    /// `slot` is valid for writing an hrtimer, which is not armed.
    unsafe fn timer_init(slot: *mut bindings::hrtimer) {
        #[cfg(not(lattop_hrtimer_setup))]
        // SAFETY: the caller's contract; hrtimer_init leaves `function`
        // for the caller to set, before any start.
        unsafe {
            bindings::hrtimer_init(
                slot,
                bindings::CLOCK_MONOTONIC as ffi::c_int,
                bindings::hrtimer_mode_HRTIMER_MODE_ABS,
            );
            (*slot).function = Some(Self::timer_func);
        }
        #[cfg(lattop_hrtimer_setup)]
        // SAFETY: the caller's contract.
        unsafe {
            bindings::hrtimer_setup(
                slot,
                Some(Self::timer_func),
                bindings::CLOCK_MONOTONIC as ffi::c_int,
                bindings::hrtimer_mode_HRTIMER_MODE_ABS,
            )
        };
    }

    unsafe extern "C" fn timer_func(timer: *mut bindings::hrtimer) -> bindings::hrtimer_restart {
        // Hard interrupt context, outside any runqueue lock: queueing work,
        // which may wake a worker, is allowed here.
        // SAFETY: the kernel calls this with our `timer` (type invariant),
        // which fires only while its Periodic is alive (`stop` cancels it
        // before teardown).
        let this = unsafe {
            &*kernel::container_of!(timer.cast::<Opaque<bindings::hrtimer>>(), Self, timer)
        };
        // SAFETY: `work` is initialised and pinned (type invariant).
        unsafe { work::queue(&this.queue, this.work.get()) };
        #[cfg(not(lattop_hrtimer_setup))]
        return bindings::hrtimer_restart_HRTIMER_NORESTART;
        #[cfg(lattop_hrtimer_setup)]
        return bindings::hrtimer_restart::HRTIMER_NORESTART;
    }

    unsafe extern "C" fn work_func(work: *mut bindings::work_struct) {
        // SAFETY: the kernel passes our `work`, the field of a `Periodic` in a
        // `T` (type invariants), both alive: `stop` waits for this
        // function before teardown.
        let owner = unsafe {
            let this =
                kernel::container_of!(work.cast::<Opaque<bindings::work_struct>>(), Self, work);
            &*T::from_periodic(this)
        };
        owner.run_periodic();
    }
}

#[pinned_drop]
impl<T: HasPeriodic> PinnedDrop for Periodic<T> {
    fn drop(self: Pin<&mut Self>) {
        self.stop();
    }
}
