// SPDX-License-Identifier: GPL-2.0

//! Walking the kernel's processes and their threads, as `for_each_process()`
//! and `for_each_thread()` do, under an RCU read-side critical section, and
//! collecting what they show into room reserved beforehand (nothing may
//! sleep, so allocate, under RCU).

use super::{bindings, gfp_quiet, rcu::RcuReadGuard, task::TaskView, uapi::UapiStruct};
use core::{marker::PhantomData, mem::size_of, ops::ControlFlow};
use kernel::{alloc::KVVec, prelude::*};

/// Calls `f` with the thread-group leader of every process, in the task
/// list's order (creation), until it breaks.
pub(crate) fn for_each_process<'a>(
    rcu: &'a RcuReadGuard,
    mut f: impl FnMut(TaskView<'a>) -> ControlFlow<()>,
) {
    let _ = rcu;
    // SAFETY: init_task is a static, live for ever.
    let mut view = unsafe { TaskView::from_raw(core::ptr::addr_of!(bindings::init_task)) };
    loop {
        // `view` is init_task or a task reached through the task list under
        // `rcu`, so its list links lead to tasks live until `rcu` ends.
        let task = view.next_process();
        if task.is_null() {
            return;
        }
        // SAFETY: a task on the RCU task list stays allocated until `rcu`
        // ends, which `'a` does not outlive.
        view = unsafe { TaskView::from_raw(task) };
        if f(view).is_break() {
            return;
        }
    }
}

/// Every thread of `leader`'s thread group (`for_each_thread()`), as an
/// iterator: a plain loop over it keeps what it adds up in registers, where
/// a closure's captures live in memory unless the closure is inlined.
pub(crate) fn threads<'a>(rcu: &'a RcuReadGuard, leader: TaskView<'a>) -> Threads<'a> {
    let _ = rcu;
    // `leader`'s signal_struct lives as long as it does, and its thread
    // list is RCU-safe.
    Threads {
        next: leader.first_thread(),
        _rcu: PhantomData,
    }
}

/// The iterator [`threads`] returns.
///
/// # Invariants
///
/// `next` is null or a thread on an RCU thread list, reached under the RCU
/// read lock that `'a` borrows.
pub(crate) struct Threads<'a> {
    next: *const bindings::task_struct,
    _rcu: PhantomData<&'a RcuReadGuard>,
}

impl<'a> Iterator for Threads<'a> {
    type Item = TaskView<'a>;

    #[inline(always)]
    fn next(&mut self) -> Option<TaskView<'a>> {
        if self.next.is_null() {
            return None;
        }
        // SAFETY: a thread on the RCU thread list stays allocated until the
        // read lock `'a` borrows ends (type invariant).
        let view = unsafe { TaskView::from_raw(self.next) };
        // INVARIANT: the next thread on the same list, or null.
        self.next = view.next_thread();
        Some(view)
    }
}

/// The thread-group leader of process `tgid` (in the initial pid namespace),
/// if there is such a process.
pub(crate) fn find_process<'a>(rcu: &'a RcuReadGuard, tgid: i32) -> Option<TaskView<'a>> {
    find(rcu, tgid, bindings::pid_type_PIDTYPE_TGID)
}

/// The task (thread) `tid` of the initial pid namespace, if there is one.
pub(crate) fn find_task<'a>(rcu: &'a RcuReadGuard, tid: i32) -> Option<TaskView<'a>> {
    find(rcu, tid, bindings::pid_type_PIDTYPE_PID)
}

/// The task of the initial pid namespace's number `nr` that `kind` (its
/// thread or its thread group) names.
fn find<'a>(rcu: &'a RcuReadGuard, nr: i32, kind: bindings::pid_type) -> Option<TaskView<'a>> {
    let _ = rcu;
    // SAFETY: `init_pid_ns` is a static; find_pid_ns() and pid_task() are
    // to be called under rcu_read_lock(), which `rcu` holds.
    let task = unsafe {
        let pid = bindings::find_pid_ns(nr, core::ptr::addr_of_mut!(bindings::init_pid_ns));
        if pid.is_null() {
            return None;
        }
        bindings::pid_task(pid, kind)
    };
    // SAFETY: a task found under `rcu` stays allocated until it ends.
    (!task.is_null()).then(|| unsafe { TaskView::from_raw(task) })
}

/// The room reserved for a pass of [`collect`] ran out.
pub(crate) struct Full;

/// The items of one pass of [`collect`], in room reserved before it:
/// pushing never allocates.
pub(crate) struct Room<'a, T> {
    items: &'a mut KVVec<T>,
}

impl<T> Room<'_, T> {
    /// Appends `item`, or fails if the room is full.
    pub(crate) fn push(&mut self, item: T) -> Result<(), Full> {
        if self.items.len() == self.items.capacity() {
            return Err(Full);
        }
        // Within the capacity: never allocates.
        self.items.push(item, GFP_NOWAIT).map_err(|_| Full)
    }

    /// Whether nothing was pushed in this pass yet.
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl Room<'_, u8> {
    /// Appends `n` zero bytes, or fails if the room cannot hold them;
    /// returns where they start.
    pub(crate) fn extend_zeroed(&mut self, n: usize) -> Result<usize, Full> {
        let at = self.items.len();
        if self.items.capacity() - at < n {
            return Err(Full);
        }
        // Within the capacity: never allocates.
        self.items.extend_with(n, 0, GFP_NOWAIT).map_err(|_| Full)?;
        Ok(at)
    }

    /// Appends `n` bytes that `write` writes where they go, handed a
    /// pointer aligned to `align`; returns where they start. Fails if the
    /// room cannot hold them (or, never for records, the pointer would not
    /// be aligned).
    ///
    /// # Safety
    ///
    /// `write` initialises all `n` bytes at the pointer it is handed, and
    /// writes nothing else.
    #[inline(always)]
    pub(crate) unsafe fn extend_written(
        &mut self,
        n: usize,
        align: usize,
        write: impl FnOnce(*mut u8),
    ) -> Result<usize, Full> {
        let len = self.items.len();
        if self.items.capacity() - len < n {
            return Err(Full);
        }
        let at = self.items.spare_capacity_mut().as_mut_ptr().cast::<u8>();
        if !(at as usize).is_multiple_of(align) {
            return Err(Full);
        }
        write(at);
        // SAFETY: the `n` bytes past the length are within the capacity,
        // and `write` initialised them (the caller's contract).
        unsafe { super::compat::grow_len(&mut self.items, n) };
        Ok(len)
    }

    /// The record `R` pushed at `at` in this pass (as bytes), to fill in
    /// place; `None` if there is none whole there, or it is misaligned.
    pub(crate) fn record_mut<R: UapiStruct>(&mut self, at: usize) -> Option<&mut R> {
        let bytes = self.items.get_mut(at..at.checked_add(size_of::<R>())?)?;
        R::from_bytes_mut(bytes)
    }

    /// The records `A` at `a` and `B` at `b`, which follows it, both
    /// pushed in this pass (see [`Self::record_mut`]).
    pub(crate) fn two_records_mut<A: UapiStruct, B: UapiStruct>(
        &mut self,
        a: usize,
        b: usize,
    ) -> Option<(&mut A, &mut B)> {
        if a.checked_add(size_of::<A>())? > b {
            return None;
        }
        let (first, second) = self.items.get_mut(a..)?.split_at_mut(b - a);
        let first = first.get_mut(..size_of::<A>())?;
        let second = second.get_mut(..size_of::<B>())?;
        Some((A::from_bytes_mut(first)?, B::from_bytes_mut(second)?))
    }
}

/// How many passes [`collect`] makes before it gives up with `ENOMEM`.
#[derive(Clone, Copy)]
pub(crate) enum Passes {
    /// As many as it takes, doubling the room each time, until allocating
    /// it fails.
    UntilOutOfMemory,
    /// At most this many.
    AtMost(usize),
}

/// Runs `pass` under RCU with room for `room` items, reserved beforehand;
/// when the room runs out (`pass` returns [`Full`], as pushing into a full
/// [`Room`] does), the items are dropped and the pass starts over with
/// twice the room, until it completes or `passes` are spent. Returns the
/// items of the pass that completed, and what it returned.
pub(crate) fn collect<T, R>(
    mut room: usize,
    passes: Passes,
    mut pass: impl FnMut(&RcuReadGuard, &mut Room<'_, T>) -> Result<R, Full>,
) -> Result<(KVVec<T>, R)> {
    let mut left = match passes {
        Passes::UntilOutOfMemory => None,
        Passes::AtMost(n) => Some(n),
    };
    loop {
        match &mut left {
            Some(0) => return Err(ENOMEM),
            Some(n) => *n -= 1,
            None => {}
        }
        let mut items = KVVec::with_capacity(room, gfp_quiet())?;
        let rcu = RcuReadGuard::new();
        let done = pass(&rcu, &mut Room { items: &mut items });
        drop(rcu);
        if let Ok(result) = done {
            return Ok((items, result));
        }
        room = room.saturating_mul(2);
    }
}

/// [`collect`] over every process: calls `f` with the thread-group leader of
/// each (as [`for_each_process`]), which pushes what it wants of it, any
/// number of items, into the room; a full room ends the pass, and the next
/// starts over from the first process. Returns the items, in the task
/// list's order.
pub(crate) fn collect_processes<T>(
    room: usize,
    passes: Passes,
    mut f: impl for<'a> FnMut(&'a RcuReadGuard, TaskView<'a>, &mut Room<'_, T>) -> Result<(), Full>,
) -> Result<KVVec<T>> {
    let (items, ()) = collect(room, passes, |rcu, room| {
        let mut full = false;
        for_each_process(rcu, |leader| match f(rcu, leader, room) {
            Ok(()) => ControlFlow::Continue(()),
            Err(Full) => {
                full = true;
                ControlFlow::Break(())
            }
        });
        if full {
            Err(Full)
        } else {
            Ok(())
        }
    })?;
    Ok(items)
}
