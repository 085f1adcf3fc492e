// SPDX-License-Identifier: GPL-2.0

//! An eventfd named by a user's descriptor, held by reference: its counter
//! can be bumped later from interrupt context, whatever the user does with
//! the descriptor meanwhile.

use super::bindings;
use core::ptr::NonNull;
use kernel::{error::code::EBADF, error::from_err_ptr, prelude::*};

/// A counted reference to an eventfd's context.
///
/// # Invariants
///
/// `ctx` holds a reference taken by `eventfd_ctx_fdget()`, put by `drop`.
pub(crate) struct EventFd {
    ctx: NonNull<bindings::eventfd_ctx>,
}

// SAFETY: an eventfd_ctx is refcounted and locks inside; any thread may
// signal or put it.
unsafe impl Send for EventFd {}
// SAFETY: as above.
unsafe impl Sync for EventFd {}

impl EventFd {
    /// The eventfd behind descriptor `fd` of the current task; `EBADF` when
    /// `fd` is not an open eventfd.
    pub(crate) fn from_fd(fd: i32) -> Result<Self> {
        // SAFETY: eventfd_ctx_fdget() looks `fd` up in the current task's
        // table and returns a new reference or an ERR_PTR.
        let ctx = from_err_ptr(unsafe { bindings::eventfd_ctx_fdget(fd) }).map_err(|_| EBADF)?;
        // INVARIANT: a reference was taken.
        Ok(Self {
            ctx: NonNull::new(ctx).ok_or(EBADF)?,
        })
    }

    /// Adds 1 to its counter, waking its readers. Safe in interrupt context.
    pub(crate) fn signal(&self) {
        // SAFETY: `ctx` is live (type invariant); eventfd_signal_mask() locks
        // with interrupts saved.
        unsafe { bindings::eventfd_signal_mask(self.ctx.as_ptr(), 0) };
    }
}

impl Drop for EventFd {
    fn drop(&mut self) {
        // SAFETY: the reference taken in `from_fd` (type invariant).
        unsafe { bindings::eventfd_ctx_put(self.ctx.as_ptr()) };
    }
}
