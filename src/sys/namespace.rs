// SPDX-License-Identifier: GPL-2.0

//! The namespaces a reader sees processes through: the pid namespace of the
//! task that opens a file and its credentials' user namespace, as /proc's
//! own files use their opener's. A process outside the pid namespace is not
//! there; numbers and ids read as they do inside it.
//!
//! A reader in the initial namespaces (every reader on a host without
//! containers) takes the fast path everywhere: the numbers are the tasks'
//! own, and nothing is looked up.

use super::{bindings, rcu::RcuReadGuard, task::TaskView};
use core::ptr::{addr_of, NonNull};

/// The current task's namespaces, for the call it is in.
///
/// # Invariants
///
/// `pid_ns` is the current task's active pid namespace, which its struct
/// pid holds for as long as it lives; `user_ns` is its credentials' user
/// namespace, which they hold, and only the task itself replaces them
/// (never during a call of ours). Neither is null. A `View` is neither
/// `Send` nor `Sync` (raw pointers): it stays with the task that made it,
/// and nothing that outlives a call (files' data, thresholds) can hold one.
#[derive(Clone, Copy)]
pub(crate) struct View {
    pid_ns: *mut bindings::pid_namespace,
    user_ns: *mut bindings::user_namespace,
    initial_pids: bool,
    initial_ids: bool,
}

impl View {
    /// The current task's.
    pub(crate) fn current() -> Self {
        // SAFETY: no preconditions; every task has a pid namespace and
        // credentials with a user namespace, kept as the invariant says.
        let (pid_ns, user_ns) =
            unsafe { (bindings::current_pid_ns(), bindings::current_user_ns()) };
        Self {
            pid_ns,
            user_ns,
            initial_pids: core::ptr::eq(pid_ns, addr_of!(bindings::init_pid_ns)),
            initial_ids: core::ptr::eq(user_ns, addr_of!(bindings::init_user_ns)),
        }
    }

    /// Whether the reader is in the initial pid namespace (sees every
    /// process, numbered as the kernel numbers them).
    pub(crate) fn sees_all_pids(&self) -> bool {
        self.initial_pids
    }

    /// The process `leader` leads as numbered here: `None` if it is
    /// outside the namespace.
    #[inline(always)]
    pub(crate) fn process_number(&self, leader: &TaskView<'_>, _rcu: &RcuReadGuard) -> Option<i32> {
        if self.initial_pids {
            return Some(leader.tgid());
        }
        // SAFETY: `leader` is live (TaskView's invariant) and `_rcu` holds
        // the read lock the helper needs; `pid_ns` is live (invariant).
        let nr = unsafe { bindings::task_tgid_nr_ns(leader.as_ptr(), self.pid_ns) };
        (nr != 0).then_some(nr)
    }

    /// `thread`'s id here (0 outside the namespace).
    #[inline(always)]
    pub(crate) fn thread_number(&self, thread: &TaskView<'_>, _rcu: &RcuReadGuard) -> i32 {
        if self.initial_pids {
            return thread.tid();
        }
        // SAFETY: as in `process_number`.
        unsafe { bindings::task_pid_nr_ns(thread.as_ptr(), self.pid_ns) }
    }

    /// The process id of `task`'s parent here: 0 when the parent is
    /// outside the namespace, as /proc shows it.
    #[inline(always)]
    pub(crate) fn parent_number(&self, task: &TaskView<'_>, rcu: &RcuReadGuard) -> i32 {
        if self.initial_pids {
            return task.parent_tgid(rcu);
        }
        // SAFETY: as in `process_number`; `real_parent` is RCU-protected.
        unsafe { bindings::task_parent_tgid_nr_ns(task.as_ptr(), self.pid_ns) }
    }

    /// The task the initial namespace numbers `tid`, as numbered here: its
    /// thread id and process id, if it is still the task that started at
    /// `start_time` and is in the namespace.
    pub(crate) fn task_numbers(
        &self,
        tid: i32,
        start_time: u64,
        rcu: &RcuReadGuard,
    ) -> Option<(i32, i32)> {
        let task = super::process::find_task(rcu, tid)?;
        if task.start_time() != start_time {
            return None;
        }
        let nr = self.thread_number(&task, rcu);
        let tgid = self.process_number(&task, rcu)?;
        (nr != 0).then_some((nr, tgid))
    }

    /// A user id of the initial user namespace, as this one shows it.
    #[inline(always)]
    pub(crate) fn uid(&self, uid: u32) -> u32 {
        if self.initial_ids {
            return uid;
        }
        // SAFETY: `user_ns` is live (invariant); the helper only maps.
        unsafe { bindings::uid_in_ns(self.user_ns, uid) }
    }

    /// A group id of the initial user namespace, as this one shows it.
    #[inline(always)]
    pub(crate) fn gid(&self, gid: u32) -> u32 {
        if self.initial_ids {
            return gid;
        }
        // SAFETY: as in `uid`.
        unsafe { bindings::gid_in_ns(self.user_ns, gid) }
    }

    /// A reference to the pid namespace that outlives the call, for what
    /// numbers tasks later (a threshold's events); `None` for the initial
    /// namespace, whose numbers need no translation.
    pub(crate) fn hold_pid_namespace(&self) -> Option<PidNamespace> {
        if self.initial_pids {
            return None;
        }
        // SAFETY: `pid_ns` is live (invariant); the reference taken here is
        // the one `PidNamespace` drops.
        let ns = unsafe { bindings::get_pid_ns(self.pid_ns) };
        NonNull::new(ns).map(|ns| PidNamespace { ns })
    }
}

/// A counted reference to a pid namespace.
///
/// # Invariants
///
/// `ns` holds one reference, taken by get_pid_ns() and given back on drop.
pub(crate) struct PidNamespace {
    ns: NonNull<bindings::pid_namespace>,
}

// SAFETY: a reference is given back from any context (put_pid_ns() neither
// sleeps nor cares which task calls it), and the namespace is only read,
// under RCU, by `number`.
unsafe impl Send for PidNamespace {}
// SAFETY: as above: `&PidNamespace` only reads.
unsafe impl Sync for PidNamespace {}

impl PidNamespace {
    /// The task the initial namespace numbers `nr`, as numbered here: 0 if
    /// no task has that number now or it is outside the namespace. Any
    /// context (it takes no lock but RCU's).
    pub(crate) fn number(&self, nr: i32) -> i32 {
        if nr == 0 {
            return 0;
        }
        let _rcu = RcuReadGuard::new();
        // SAFETY: `ns` is live (invariant); `_rcu` holds the read lock the
        // lookup needs.
        unsafe { bindings::pid_nr_ns(nr, self.ns.as_ptr()) }
    }
}

impl Drop for PidNamespace {
    fn drop(&mut self) {
        // SAFETY: `ns` holds the reference this gives back (invariant).
        unsafe { bindings::put_pid_ns(self.ns.as_ptr()) };
    }
}
