// SPDX-License-Identifier: GPL-2.0

//! The scheduler's tracepoints, reached as LTTng reaches them: found by
//! name with `for_each_kernel_tracepoint()`, armed with
//! `tracepoint_probe_register()`, disarmed with
//! `tracepoint_probe_unregister()` and then
//! `tracepoint_synchronize_unregister()`, after which no probe runs.
//!
//! The probes' signatures are the events' `TP_PROTO` of
//! include/trace/events/sched.h and task.h (6.12), after the `data` pointer
//! every tracepoint probe gets first.

use super::{
    bindings,
    layout::{assert_offset, assert_size},
    task::{comm_words_of, TaskView, COMM_WORDS},
};
use core::ffi::c_void;
use kernel::{alloc::KBox, c_str, ffi, prelude::*};

/// What the scheduler's tracepoints tell.
///
/// Each method runs in the scheduler, with preemption off; `switched` and
/// the wake-up also with a runqueue lock held and interrupts off. They must
/// not sleep, allocate with `GFP_KERNEL`, or wake anything up.
pub(crate) trait SchedEvents: Send + Sync + 'static {
    /// `sched_switch`: this CPU switches from `prev` to `next`. `preempt`
    /// and `prev_state` are `__schedule()`'s: `prev` blocks when
    /// `!preempt && prev_state != TASK_RUNNING`.
    fn switched(&self, preempt: bool, prev: &TaskView<'_>, next: &TaskView<'_>, prev_state: u32);
    /// `sched_wakeup_new`: `task`, new, is runnable for the first time.
    fn woke_new(&self, task: &TaskView<'_>);
    /// `sched_migrate_task`: `task` moves to CPU `dest_cpu`.
    fn migrating(&self, task: &TaskView<'_>, dest_cpu: i32);
    /// `task_rename`: `task`'s command name becomes `comm` (NUL-padded
    /// words, as [`TaskView::comm_words`] reads them), by exec, prctl or a
    /// write to /proc/<pid>/comm. Process context, the task's `task_lock`
    /// held; from the task itself or another.
    fn renamed(&self, task: &TaskView<'_>, comm: [u64; COMM_WORDS]);
}

/// The tracepoints armed, by name, with the probe each gets. Not
/// `sched_wakeup`: the switch reads when a task was woken from its
/// sched_info, so a wake-up costs nothing.
const EVENTS: [&CStr; 4] = [
    c_str!("sched_switch"),
    c_str!("sched_wakeup_new"),
    c_str!("sched_migrate_task"),
    c_str!("task_rename"),
];

// Read below: a tracepoint's name.
assert_size!(bindings::tracepoint, TRACEPOINT_SIZE, TRACEPOINT_ALIGN);
assert_offset!(bindings::tracepoint, name, TRACEPOINT_NAME);

/// The tracepoints of [`EVENTS`], armed with probes calling an `H`.
///
/// # Invariants
///
/// Each non-null entry of `armed` is a kernel tracepoint on which the probe
/// of [`EVENTS`]'s same index is registered with `data` = `&handler`, until
/// `drop`; the box is never moved out of (it is handed out pinned).
pub(crate) struct SchedTracepoints<H: SchedEvents> {
    armed: [*mut bindings::tracepoint; EVENTS.len()],
    handler: H,
}

// SAFETY: the tracepoint pointers are the kernel's, valid for its lifetime
// and touched only by `register` and `drop`; `H` is `Send + Sync`.
unsafe impl<H: SchedEvents> Send for SchedTracepoints<H> {}
// SAFETY: as above; `&SchedTracepoints` only reads the handler.
unsafe impl<H: SchedEvents> Sync for SchedTracepoints<H> {}

/// `for_each_kernel_tracepoint()`'s callback: notes `tp` if it is one of
/// [`EVENTS`].
unsafe extern "C" fn find_event(tp: *mut bindings::tracepoint, found: *mut c_void) {
    // SAFETY: `found` is the array `find_events` passed, alive for the walk.
    let found = unsafe { &mut *found.cast::<[*mut bindings::tracepoint; EVENTS.len()]>() };
    // SAFETY: the kernel passes live tracepoints, whose names are static
    // NUL-terminated strings.
    let name = unsafe { CStr::from_char_ptr((*tp).name) };
    for (slot, wanted) in found.iter_mut().zip(EVENTS) {
        if super::compat::cstr_bytes(name) == super::compat::cstr_bytes(wanted) {
            *slot = tp;
        }
    }
}

/// The kernel's tracepoints named by [`EVENTS`], null where one is missing.
fn find_events() -> [*mut bindings::tracepoint; EVENTS.len()] {
    let mut found = [core::ptr::null_mut(); EVENTS.len()];
    // SAFETY: the callback only writes `found`, which outlives the walk.
    unsafe { bindings::for_each_kernel_tracepoint(Some(find_event), (&raw mut found).cast()) };
    found
}

impl<H: SchedEvents> SchedTracepoints<H> {
    /// Arms the tracepoints with probes calling `handler`. `ENOENT` if
    /// the kernel lacks one; nothing stays armed on failure.
    pub(crate) fn register(handler: H) -> Result<Pin<KBox<Self>>> {
        let found = find_events();
        if let Some(i) = found.iter().position(|tp| tp.is_null()) {
            pr_err!("no tracepoint {}\n", EVENTS[i]);
            return Err(ENOENT);
        }
        let mut this = KBox::new(
            Self {
                armed: [core::ptr::null_mut(); EVENTS.len()],
                handler,
            },
            GFP_KERNEL,
        )?;
        let data = core::ptr::from_ref(&this.handler)
            .cast_mut()
            .cast::<c_void>();
        let probes = Self::probes();
        for i in 0..EVENTS.len() {
            // SAFETY: `found[i]` is a live tracepoint; the probe has its
            // event's signature; `data` lives until `drop` unregisters it.
            let ret = unsafe { bindings::tracepoint_probe_register(found[i], probes[i], data) };
            if ret < 0 {
                // Drop unregisters those armed so far.
                return Err(Error::from_errno(ret));
            }
            // INVARIANT: registered with `data` = `&handler`.
            this.armed[i] = found[i];
        }
        Ok(this.into())
    }

    /// The handler the probes call.
    pub(crate) fn handler(&self) -> &H {
        &self.handler
    }

    /// The probes, in [`EVENTS`]' order, as `tracepoint_probe_register()`
    /// takes them.
    fn probes() -> [*mut c_void; EVENTS.len()] {
        [
            Self::switch_probe as *mut c_void,
            Self::wakeup_new_probe as *mut c_void,
            Self::migrate_probe as *mut c_void,
            Self::rename_probe as *mut c_void,
        ]
    }

    /// `sched_switch`'s probe.
    unsafe extern "C" fn switch_probe(
        data: *mut c_void,
        preempt: bool,
        prev: *mut bindings::task_struct,
        next: *mut bindings::task_struct,
        prev_state: ffi::c_uint,
    ) {
        // SAFETY: `data` is the registered `&handler` (type invariant).
        let handler = unsafe { &*data.cast::<H>() };
        // SAFETY: both tasks are live for the whole tracepoint call: `prev`
        // is current, `next` is on this CPU's runqueue, whose lock is held.
        let (prev, next) = unsafe { (TaskView::from_raw(prev), TaskView::from_raw(next)) };
        handler.switched(preempt, &prev, &next, prev_state);
    }

    /// `sched_wakeup_new`'s probe.
    unsafe extern "C" fn wakeup_new_probe(data: *mut c_void, task: *mut bindings::task_struct) {
        // SAFETY: `data` is the registered `&handler` (type invariant).
        let handler = unsafe { &*data.cast::<H>() };
        // SAFETY: wake_up_new_task() holds the new task's pi_lock.
        let task = unsafe { TaskView::from_raw(task) };
        handler.woke_new(&task);
    }

    /// `sched_migrate_task`'s probe.
    unsafe extern "C" fn migrate_probe(
        data: *mut c_void,
        task: *mut bindings::task_struct,
        dest_cpu: ffi::c_int,
    ) {
        // SAFETY: `data` is the registered `&handler` (type invariant).
        let handler = unsafe { &*data.cast::<H>() };
        // SAFETY: set_task_cpu() runs under the task's runqueue or pi lock.
        let task = unsafe { TaskView::from_raw(task) };
        handler.migrating(&task, dest_cpu);
    }
}

impl<H: SchedEvents> SchedTracepoints<H> {
    /// `task_rename`'s probe.
    unsafe extern "C" fn rename_probe(
        data: *mut c_void,
        task: *mut bindings::task_struct,
        comm: *const ffi::c_char,
    ) {
        // SAFETY: `data` is the registered `&handler` (type invariant).
        let handler = unsafe { &*data.cast::<H>() };
        // SAFETY: __set_task_comm() holds the task's task_lock, and its
        // caller a reference to the task.
        let task = unsafe { TaskView::from_raw(task) };
        // SAFETY: `comm` is the new name, a NUL-terminated string that
        // __set_task_comm() is about to copy (and truncate) into the task.
        let name = unsafe { CStr::from_char_ptr(comm) };
        handler.renamed(&task, comm_words_of(super::compat::cstr_bytes(name)));
    }
}

impl<H: SchedEvents> Drop for SchedTracepoints<H> {
    fn drop(&mut self) {
        let data = core::ptr::from_ref(&self.handler)
            .cast_mut()
            .cast::<c_void>();
        let probes = Self::probes();
        for (tp, probe) in self.armed.iter().zip(probes) {
            if !tp.is_null() {
                // SAFETY: registered with this probe and data (invariant).
                unsafe { bindings::tracepoint_probe_unregister(*tp, probe, data) };
            }
        }
        // SAFETY: no precondition; waits until no CPU runs our probes, so
        // that `handler` may be dropped once this returns.
        unsafe { bindings::tracepoint_synchronize_unregister() };
    }
}
