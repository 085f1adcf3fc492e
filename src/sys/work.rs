// SPDX-License-Identifier: GPL-2.0

//! lattop's own workqueue, and the two `work_struct` calls
//! [`super::deferred`] and [`super::periodic`] share: initialising one with
//! its lockdep class, and queueing it there.
//!
//! The evaluator's sampling pass and the /proc/allpids reconcile walk every
//! process, for milliseconds at 10,000: on the shared system workqueue they
//! would hold up other users' work items queued behind them on that CPU's
//! pool. On a workqueue of their own, unbound, they run in workers of
//! their own, wherever the scheduler finds room.

use super::{bindings, layout::assert_size};
use core::ptr::NonNull;
use kernel::{error::code::ENOMEM, ffi, prelude::*, sync::Arc, sync::LockClassKey};

// Embedded by Deferred and Periodic.
assert_size!(bindings::work_struct, WORK_STRUCT_SIZE, WORK_STRUCT_ALIGN);

/// An unbound workqueue of lattop's, destroyed (after running what is
/// queued on it) when the last [`Arc`] to it goes: each work that may be
/// queued on it holds one, and drops it only once cancelled.
///
/// # Invariants
///
/// `ptr` is a workqueue alloc_workqueue() returned, not yet destroyed.
pub(crate) struct WorkQueue {
    ptr: NonNull<bindings::workqueue_struct>,
}

// SAFETY: a workqueue is made to be queued on from any CPU and context.
unsafe impl Send for WorkQueue {}
// SAFETY: as above.
unsafe impl Sync for WorkQueue {}

impl WorkQueue {
    /// A new unbound workqueue named `name` (as ps shows its workers).
    pub(crate) fn new_unbound(name: &'static CStr) -> Result<Arc<Self>> {
        // SAFETY: `name` is a NUL-terminated string that lives for ever.
        let ptr = unsafe { bindings::alloc_unbound_workqueue(name.as_char_ptr()) };
        let ptr = NonNull::new(ptr).ok_or(ENOMEM)?;
        // INVARIANT: just allocated.
        // Out of memory, the queue goes with `Self`.
        Ok(Arc::new(Self { ptr }, GFP_KERNEL)?)
    }
}

impl Drop for WorkQueue {
    fn drop(&mut self) {
        // SAFETY: `ptr` is live (type invariant) and, this being the last
        // reference, nothing queues on it any more.
        unsafe { bindings::destroy_workqueue(self.ptr.as_ptr()) };
    }
}

/// Initialises the work at `slot` to run `func`, named `name` for lockdep.
///
/// # Safety
///
/// `slot` must be valid for writing a `work_struct`.
pub(super) unsafe fn init(
    slot: *mut bindings::work_struct,
    func: unsafe extern "C" fn(*mut bindings::work_struct),
    name: &'static CStr,
    key: &'static LockClassKey,
) {
    let key = super::lock_class_key(key);
    // SAFETY: the caller guarantees `slot`; the name and key live forever.
    unsafe { bindings::init_work_with_key(slot, Some(func), false, name.as_char_ptr(), key) }
}

/// Queues `work` on `queue`, unless it is pending. It may wake a worker:
/// never under a runqueue lock.
///
/// # Safety
///
/// `work` must be initialised with [`init`] and stay valid until it has
/// run or been cancelled.
pub(super) unsafe fn queue(queue: &WorkQueue, work: *mut bindings::work_struct) {
    // SAFETY: the caller guarantees `work`; `queue` is live (its type
    // invariant).
    unsafe {
        bindings::queue_work_on(
            bindings::wq_misc_consts_WORK_CPU_UNBOUND as ffi::c_int,
            queue.ptr.as_ptr(),
            work,
        )
    };
}
