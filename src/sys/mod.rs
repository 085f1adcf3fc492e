// SPDX-License-Identifier: GPL-2.0

//! Thin, safe wrappers over the kernel APIs the 6.12 `kernel` crate lacks.
//!
//! Every `unsafe` block of lattop lives below this module, one file per kernel
//! API; the feature code above it is safe Rust.

pub(crate) mod accounting;
mod bindings;
pub(crate) mod clock;
pub(crate) mod compat;
pub(crate) mod cpu;
pub(crate) mod deferred;
pub(crate) mod eventfd;
pub(crate) mod irq_spinlock;
pub(crate) mod irq_work;
pub(crate) mod kprobe;
mod layout;
pub(crate) mod memo_slots;
pub(crate) mod mm;
pub(crate) mod module_param;
pub(crate) mod namespace;
pub(crate) mod periodic;
pub(crate) mod proc_stream;
pub(crate) mod process;
pub(crate) mod procfs;
pub(crate) mod rcu;
pub(crate) mod records;
pub(crate) mod signal;
pub(crate) mod stack;
pub(crate) mod task;
pub(crate) mod task_info;
pub(crate) mod tracepoint;
pub(crate) mod uapi;
pub(crate) mod wait;
pub(crate) mod work;

/// `EDQUOT`, which the 6.12 `kernel` crate does not name.
#[allow(non_snake_case)]
pub(crate) fn EDQUOT() -> kernel::error::Error {
    kernel::error::Error::from_errno(-(bindings::EDQUOT as i32))
}

/// GFP_KERNEL without the allocation-failure warning, for buffers whose
/// failure the caller reports itself (ENOMEM to a reader, a counter): the
/// kernel log is for bugs, and running out of memory for a snapshot is not.
pub(crate) fn gfp_quiet() -> kernel::alloc::Flags {
    kernel::alloc::flags::GFP_KERNEL | kernel::alloc::flags::__GFP_NOWARN
}

/// The C `struct lock_class_key` behind `key`, for the C initialisers that
/// take one (locks, wait queues, works).
fn lock_class_key(key: &'static kernel::sync::LockClassKey) -> *mut bindings::lock_class_key {
    // `LockClassKey` is `#[repr(transparent)]` over an `Opaque` of the C key
    // (its own `as_ptr` is private to the kernel crate): the same address.
    core::ptr::from_ref(key)
        .cast::<bindings::lock_class_key>()
        .cast_mut()
}
// The kernel crate's key is the C one, as GCC lays it out.
layout::assert_size!(
    kernel::sync::LockClassKey,
    LOCK_CLASS_KEY_SIZE,
    LOCK_CLASS_KEY_ALIGN
);
