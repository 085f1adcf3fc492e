// SPDX-License-Identifier: GPL-2.0

//! The names every part of lattop gives tasks and processes: the profiler
//! keys its tables by them, the bulk records and notifier events carry them.
//! Pids are the initial pid namespace's.

/// A thread id (`pid` in the kernel's words).
pub(crate) type Pid = i32;

/// A process id (`tgid` in the kernel's words).
pub(crate) type Tgid = i32;

/// Which process: its tgid, and its group leader's start time, which tells
/// it from a later process reusing the tgid.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct ProcessId {
    pub(crate) tgid: Tgid,
    pub(crate) leader_start: u64,
}

impl ProcessId {
    /// An order of processes by start, then tgid: a walk of the task list
    /// (fork order) yields it nearly sorted, pid wraps or not, and a
    /// process's place in it never changes.
    pub(crate) fn by_start(&self) -> (u64, Tgid) {
        (self.leader_start, self.tgid)
    }
}
