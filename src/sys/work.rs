// SPDX-License-Identifier: GPL-2.0

//! The two `work_struct` calls [`super::deferred`] and [`super::periodic`]
//! share: initialising one with its lockdep class, and queueing it on the
//! system workqueue.

use super::{bindings, layout::assert_size};
use kernel::{ffi, prelude::*, sync::LockClassKey};

// Embedded by Deferred and Periodic.
assert_size!(bindings::work_struct, WORK_STRUCT_SIZE, WORK_STRUCT_ALIGN);

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

/// Queues `work` on the system workqueue, on this CPU, unless it is
/// pending. It may wake a worker: never under a runqueue lock.
///
/// # Safety
///
/// `work` must be initialised with [`init`] and stay valid until it has
/// run or been cancelled.
pub(super) unsafe fn queue(work: *mut bindings::work_struct) {
    // SAFETY: the caller guarantees `work`; `system_wq` lives forever.
    unsafe {
        bindings::queue_work_on(
            bindings::wq_misc_consts_WORK_CPU_UNBOUND as ffi::c_int,
            bindings::system_wq,
            work,
        )
    };
}
