// SPDX-License-Identifier: GPL-2.0

//! A process to send signals to later, from interrupt context: held by its
//! `struct pid`, so a recycled pid can never redirect the signal.

use super::{bindings, layout::assert_size, rcu::RcuReadGuard};
use core::ptr::NonNull;
use kernel::{error::code::ESRCH, prelude::*};

/// The highest signal number (`SIGRTMAX`).
pub(crate) const MAX_SIGNAL: i32 = bindings::_NSIG as i32;

// On `send_queued`'s stack, filled by a C helper.
assert_size!(
    bindings::kernel_siginfo,
    KERNEL_SIGINFO_SIZE,
    KERNEL_SIGINFO_ALIGN
);

/// A counted reference to a process's `struct pid`.
///
/// # Invariants
///
/// `pid` holds a reference taken by `get_pid()`, put by `drop`.
pub(crate) struct ProcessRef {
    pid: NonNull<bindings::pid>,
}

// SAFETY: a struct pid is refcounted; any thread may use or put it.
unsafe impl Send for ProcessRef {}
// SAFETY: as above.
unsafe impl Sync for ProcessRef {}

impl ProcessRef {
    /// The current task's process. `ESRCH` if it has no pid, which a live
    /// task always has: that is for the type system, not a case to meet.
    pub(crate) fn current() -> Result<Self> {
        // SAFETY: the current task's thread-group pid lives while it does;
        // the helper takes a reference (get_pid() of NULL takes none).
        let pid = unsafe { bindings::current_tgid_pid_get() };
        // INVARIANT: a reference was taken.
        Ok(Self {
            pid: NonNull::new(pid).ok_or(ESRCH)?,
        })
    }

    /// Sends signal `signal` (1..=[`MAX_SIGNAL`]) to the process's main
    /// thread, queued (`SI_QUEUE`) with `value` as `si_value.sival_int`.
    /// Safe in interrupt context. Returns whether the process still existed.
    pub(crate) fn send_queued(&self, signal: i32, value: i32) -> bool {
        let mut info = core::mem::MaybeUninit::<bindings::kernel_siginfo>::uninit();
        // SAFETY: the helper clears and fills the whole siginfo.
        unsafe { bindings::siginfo_queued(info.as_mut_ptr(), signal, value) };
        let rcu = RcuReadGuard::new();
        // SAFETY: `pid` is live (type invariant); pid_task() is called under
        // RCU, which keeps the task it returns alive until `rcu` ends.
        let task =
            unsafe { bindings::pid_task(self.pid.as_ptr(), bindings::pid_type_PIDTYPE_TGID) };
        if task.is_null() {
            return false;
        }
        // SAFETY: `task` is live (above); `info` was initialised; the
        // kernel takes the target's siglock with interrupts saved.
        unsafe { bindings::send_sig_info(signal, info.as_mut_ptr(), task) };
        drop(rcu);
        true
    }
}

impl Drop for ProcessRef {
    fn drop(&mut self) {
        // SAFETY: the reference taken in `current` (type invariant).
        unsafe { bindings::put_pid(self.pid.as_ptr()) };
    }
}
