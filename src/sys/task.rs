// SPDX-License-Identifier: GPL-2.0

//! Read-only views of a `struct task_struct` that the scheduler hands a
//! probe: the fields lattop records, read without taking any lock.

use super::{bindings, layout::assert_offset};
use core::marker::PhantomData;

/// The length of a task's `comm`, with its NUL.
pub(crate) const COMM_LEN: usize = bindings::TASK_COMM_LEN as usize;

/// A task the caller knows to be alive for `'a`: the scheduler's `p` in a
/// probe on its paths, or the current task. Its fields are read by the C
/// helpers: bindgen's layout of `task_struct` does not match GCC's.
///
/// # Invariants
///
/// `ptr` points to a live `task_struct` for `'a`.
#[derive(Clone, Copy)]
pub(crate) struct TaskView<'a> {
    ptr: *const bindings::task_struct,
    _task: PhantomData<&'a bindings::task_struct>,
}

impl<'a> TaskView<'a> {
    /// # Safety
    ///
    /// `ptr` must point to a `task_struct` that stays alive for `'a`.
    pub(crate) unsafe fn from_raw(ptr: *const bindings::task_struct) -> Self {
        // INVARIANT: the caller guarantees `ptr` is live for `'a`.
        Self {
            ptr,
            _task: PhantomData,
        }
    }

    /// Whether this is the task running on this CPU.
    pub(crate) fn is_current(&self) -> bool {
        // SAFETY: get_current() has no preconditions.
        core::ptr::eq(self.ptr, unsafe { bindings::get_current() })
    }

    /// The thread id (`pid` in the kernel's words).
    pub(crate) fn tid(&self) -> i32 {
        // SAFETY: `ptr` is live (type invariant).
        unsafe { bindings::task_tid(self.ptr) }
    }

    /// The process id (`tgid`).
    pub(crate) fn tgid(&self) -> i32 {
        // SAFETY: `ptr` is live (type invariant).
        unsafe { bindings::task_tgid(self.ptr) }
    }

    /// When the task was created, in ns of the monotonic clock: with the tid,
    /// it tells a reused tid from the task that had it before.
    pub(crate) fn start_time(&self) -> u64 {
        // SAFETY: `ptr` is live (type invariant).
        unsafe { bindings::task_start_time(self.ptr) }
    }

    /// When the task's thread-group leader was created: with the tgid, it
    /// tells a process from a later one reusing its tgid.
    pub(crate) fn leader_start_time(&self) -> u64 {
        // SAFETY: `ptr` is live (type invariant).
        unsafe { bindings::task_leader_start_time(self.ptr) }
    }

    /// The task's command name, NUL-padded. It can change under us (prctl),
    /// which at worst yields a mix of the old and new names.
    pub(crate) fn comm(&self) -> [u8; COMM_LEN] {
        let mut comm = [0u8; COMM_LEN];
        // SAFETY: `ptr` is live (type invariant); `comm` has room for
        // TASK_COMM_LEN bytes.
        unsafe { bindings::task_comm(self.ptr, comm.as_mut_ptr().cast()) };
        comm
    }

    /// Whether this is a kernel thread, which has no user stack.
    pub(crate) fn is_kernel_thread(&self) -> bool {
        // SAFETY: `ptr` is live (type invariant).
        let flags = unsafe { bindings::task_flags(self.ptr) };
        flags & bindings::PF_KTHREAD != 0
    }

    /// Whether the task is blocking for the last time, in do_task_dead().
    pub(crate) fn is_dead(&self) -> bool {
        // SAFETY: `ptr` is live (type invariant).
        let state = unsafe { bindings::task_state(self.ptr) };
        state & bindings::TASK_DEAD != 0
    }

    /// The task's address: while the task lives, no other task has it, so
    /// it keys the task's state in lock-free tables (a later task may reuse
    /// it: compare the start time too).
    pub(crate) fn address(&self) -> usize {
        self.ptr as usize
    }

    /// The raw pointer, for the other wrappers of this module.
    pub(super) fn as_ptr(&self) -> *mut bindings::task_struct {
        self.ptr.cast_mut()
    }
}

/// The user-space registers a task saved on entering the kernel.
pub(crate) struct UserRegs {
    /// The instruction pointer: where it made the system call or was interrupted.
    pub(crate) ip: usize,
    /// The frame pointer, the head of the chain of user frames.
    pub(crate) bp: usize,
}

// Read below; `pt_regs`'s size is asserted in kprobe.rs.
assert_offset!(bindings::pt_regs, ip, PT_REGS_IP);
assert_offset!(bindings::pt_regs, bp, PT_REGS_BP);

impl TaskView<'_> {
    /// The user registers of the current task; `None` for a kernel thread.
    pub(crate) fn user_regs(&self) -> Option<UserRegs> {
        if self.is_kernel_thread() {
            return None;
        }
        // SAFETY: a user task's `task_pt_regs` points into its kernel stack,
        // which lives as long as the task.
        let regs = unsafe { &*bindings::task_pt_regs(self.as_ptr()) };
        Some(UserRegs {
            ip: regs.ip as usize,
            bp: regs.bp as usize,
        })
    }
}
