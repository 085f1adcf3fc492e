// SPDX-License-Identifier: GPL-2.0

//! The kernel's own accounting of a task, as taskstats reports it: delay
//! accounting (waits for a CPU, block I/O, swap-in, reclaim, thrashing,
//! compaction, write-protect copies, interrupts) and I/O accounting, read
//! through the C helpers with taskstats' locking (src/helpers.c).

use super::{bindings, rcu::RcuReadGuard, task::TaskView};

/// A task's accounting, in the UAPI record's own layout.
pub(crate) use bindings::lattop_acct as Acct;

/// One thread's accounting, and whether its process's delays count it.
pub(crate) struct ThreadAcct {
    pub(crate) acct: Acct,
    /// It has not exited: a zombie's delays are in its group's already
    /// (taskstats adds them as the thread exits).
    pub(crate) live: bool,
}

impl TaskView<'_> {
    /// This thread's accounting (taskstats' per-pid figures).
    pub(crate) fn acct(&self, _rcu: &RcuReadGuard) -> ThreadAcct {
        let mut acct = Acct::default();
        // SAFETY: `ptr` is live (TaskView's invariant), and `_rcu` holds the
        // read lock that keeps its delay accounting from being freed; the
        // helper writes `acct` only.
        let live = unsafe { bindings::task_acct(self.as_ptr(), &mut acct) };
        ThreadAcct { acct, live }
    }

    /// What the exited threads of its thread group left.
    pub(crate) fn exited_threads_acct(&self, _rcu: &RcuReadGuard) -> Acct {
        let mut acct = Acct::default();
        // SAFETY: `ptr` is live (TaskView's invariant), and so is its
        // signal_struct, freed with the last task of the group; `_rcu` holds
        // the read lock its sighand_struct lookup needs; the helper writes
        // `acct` only.
        unsafe { bindings::exited_threads_acct(self.as_ptr(), &mut acct) };
        acct
    }
}

impl Acct {
    /// Adds `thread`'s figures to this process's: its delays only if the
    /// process's do not have them already.
    pub(crate) fn add_thread(&mut self, thread: &ThreadAcct) {
        let other = &thread.acct;
        self.groups |= other.groups;
        if thread.live {
            for (sum, delay) in self.delays_mut().into_iter().zip(other.delays()) {
                sum.count = sum.count.wrapping_add(delay.count);
                sum.total_ns = sum.total_ns.wrapping_add(delay.total_ns);
            }
        }
        for (sum, value) in self.io_mut().into_iter().zip(other.io()) {
            *sum = sum.wrapping_add(value);
        }
    }

    fn delays(&self) -> [&bindings::lattop_delay; 8] {
        [
            &self.cpu,
            &self.blkio,
            &self.swapin,
            &self.freepages,
            &self.thrashing,
            &self.compact,
            &self.wpcopy,
            &self.irq,
        ]
    }

    fn delays_mut(&mut self) -> [&mut bindings::lattop_delay; 8] {
        [
            &mut self.cpu,
            &mut self.blkio,
            &mut self.swapin,
            &mut self.freepages,
            &mut self.thrashing,
            &mut self.compact,
            &mut self.wpcopy,
            &mut self.irq,
        ]
    }

    fn io(&self) -> [u64; 7] {
        [
            self.read_bytes,
            self.write_bytes,
            self.cancelled_write_bytes,
            self.rchar,
            self.wchar,
            self.syscr,
            self.syscw,
        ]
    }

    fn io_mut(&mut self) -> [&mut u64; 7] {
        [
            &mut self.read_bytes,
            &mut self.write_bytes,
            &mut self.cancelled_write_bytes,
            &mut self.rchar,
            &mut self.wchar,
            &mut self.syscr,
            &mut self.syscw,
        ]
    }
}
