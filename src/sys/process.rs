// SPDX-License-Identifier: GPL-2.0

//! Walking the kernel's processes and their threads, as `for_each_process()`
//! and `for_each_thread()` do, under an RCU read-side critical section.

use super::{bindings, task::TaskView};
use core::{marker::PhantomData, ops::ControlFlow};

/// An RCU read-side critical section: tasks reached through the task list
/// stay allocated until it ends (they are freed after a grace period).
/// Nothing in it may sleep.
///
/// # Invariants
///
/// `rcu_read_lock()` was called by `new` and is undone once, by `drop`, on
/// the same CPU's context (the guard is neither `Send` nor `Sync`).
pub(crate) struct RcuReadGuard {
    _not_send: PhantomData<*mut ()>,
}

impl RcuReadGuard {
    /// Enters a read-side critical section.
    pub(crate) fn new() -> Self {
        // SAFETY: rcu_read_lock() may be called in any context; `drop` ends it.
        unsafe { bindings::rcu_read_lock() };
        // INVARIANT: locked above.
        Self {
            _not_send: PhantomData,
        }
    }
}

impl Drop for RcuReadGuard {
    fn drop(&mut self) {
        // SAFETY: entered in `new` (type invariant).
        unsafe { bindings::rcu_read_unlock() };
    }
}

/// Calls `f` with the thread-group leader of every process, in the task
/// list's order (creation), until it breaks.
pub(crate) fn for_each_process<'a>(
    rcu: &'a RcuReadGuard,
    mut f: impl FnMut(TaskView<'a>) -> ControlFlow<()>,
) {
    let _ = rcu;
    let mut task = core::ptr::addr_of!(bindings::init_task).cast_mut();
    loop {
        // SAFETY: `task` is init_task or a task reached through the task
        // list under `rcu`, so it is allocated and its list links are valid.
        task = unsafe { bindings::next_process(task) };
        if task.is_null() {
            return;
        }
        // SAFETY: a task on the RCU task list stays allocated until `rcu`
        // ends, which `'a` does not outlive.
        let view = unsafe { TaskView::from_raw(task) };
        if f(view).is_break() {
            return;
        }
    }
}

/// Calls `f` with every thread of `leader`'s thread group, until it breaks.
pub(crate) fn for_each_thread<'a>(
    rcu: &'a RcuReadGuard,
    leader: TaskView<'a>,
    mut f: impl FnMut(TaskView<'a>) -> ControlFlow<()>,
) {
    let _ = rcu;
    // SAFETY: `leader` is live (TaskView's invariant); its signal_struct
    // lives as long as it does, and its thread list is RCU-safe.
    let mut thread = unsafe { bindings::first_thread(leader.as_ptr()) };
    while !thread.is_null() {
        // SAFETY: a thread on the RCU thread list stays allocated until `rcu`
        // ends, which `'a` does not outlive.
        let view = unsafe { TaskView::from_raw(thread) };
        if f(view).is_break() {
            return;
        }
        // SAFETY: `thread` is live, as above.
        thread = unsafe { bindings::next_thread(thread) };
    }
}

/// The thread-group leader of process `tgid` (in the initial pid namespace),
/// if there is such a process.
pub(crate) fn find_process<'a>(rcu: &'a RcuReadGuard, tgid: i32) -> Option<TaskView<'a>> {
    let _ = rcu;
    // SAFETY: `init_pid_ns` is a static; find_pid_ns() and pid_task() are
    // to be called under rcu_read_lock(), which `rcu` holds.
    let task = unsafe {
        let pid = bindings::find_pid_ns(tgid, core::ptr::addr_of_mut!(bindings::init_pid_ns));
        if pid.is_null() {
            return None;
        }
        bindings::pid_task(pid, bindings::pid_type_PIDTYPE_TGID)
    };
    // SAFETY: a task found under `rcu` stays allocated until it ends.
    (!task.is_null()).then(|| unsafe { TaskView::from_raw(task) })
}
