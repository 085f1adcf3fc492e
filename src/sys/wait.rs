// SPDX-License-Identifier: GPL-2.0

//! A wait queue that blocking reads sleep on and poll()/epoll register with.
//!
//! epoll keeps its entries on a polled queue for as long as the *file*
//! lives, which can outlast the queue here (procfs releases our side of an
//! open file at rmmod while user space still holds it). So a queue that was
//! ever polled is torn down as signalfd's is: `wake_up_pollfree()` tells
//! epoll to drop its entries, then an RCU grace period passes before the
//! memory goes.

use super::compat::{pin_init, PinInit};
use super::{bindings, layout::assert_size};
use core::{
    marker::PhantomPinned,
    sync::atomic::{AtomicBool, Ordering::Relaxed},
};
use kernel::{error::code::ERESTARTSYS, prelude::*, sync::LockClassKey, types::Opaque};

/// A `wait_queue_head`.
///
/// # Invariants
///
/// `head` is initialised; `polled` is set before any poll table is given
/// `head`.
#[pin_data(PinnedDrop)]
pub(crate) struct WaitQueue {
    #[pin]
    head: Opaque<bindings::wait_queue_head>,
    polled: AtomicBool,
    #[pin]
    _pin: PhantomPinned,
}

// Embedded here; an entry is on `wait_interruptible`'s stack.
assert_size!(
    bindings::wait_queue_head,
    WAIT_QUEUE_HEAD_SIZE,
    WAIT_QUEUE_HEAD_ALIGN
);
assert_size!(
    bindings::wait_queue_entry,
    WAIT_QUEUE_ENTRY_SIZE,
    WAIT_QUEUE_ENTRY_ALIGN
);

// SAFETY: wait queues are made to be woken and waited on from any thread;
// their own spinlock guards them.
unsafe impl Send for WaitQueue {}
// SAFETY: as above.
unsafe impl Sync for WaitQueue {}

/// Creates a [`WaitQueue`] initialiser with a lockdep class of its own.
macro_rules! new_wait_queue {
    ($name:literal) => {
        $crate::sys::wait::WaitQueue::new(
            kernel::c_str!($name),
            $crate::sys::compat::lock_class(kernel::static_lock_class!()),
        )
    };
}
pub(crate) use new_wait_queue;

impl WaitQueue {
    /// An initialiser, named `name` for lockdep.
    pub(crate) fn new(name: &'static CStr, key: &'static LockClassKey) -> impl PinInit<Self> {
        pin_init!(Self {
            head <- Opaque::ffi_init(|slot| {
                let key = super::lock_class_key(key);
                // SAFETY: `slot` is valid for writing a wait_queue_head; the
                // name and key live forever.
                unsafe { bindings::__init_waitqueue_head(slot, name.as_char_ptr(), key) }
            }),
            polled: AtomicBool::new(false),
            _pin: PhantomPinned,
        })
    }

    /// Wakes every waiter and poller with the poll events `mask`. Safe in
    /// interrupt context; never under a runqueue lock (it wakes tasks).
    pub(crate) fn wake_poll(&self, mask: u32) {
        // SAFETY: `head` is initialised (type invariant).
        unsafe { bindings::wake_up_poll(self.head.get(), mask) };
    }

    /// Registers `table`'s poller on this queue (what a `poll` op does
    /// before it reports the file's state).
    pub(crate) fn register_poll(&self, table: &PollTable) {
        // INVARIANT: set before the table may hold `head`.
        self.polled.store(true, Relaxed);
        // SAFETY: `table` holds the file and poll table of a running poll
        // op; the queue outlives the file's registration (see `drop`).
        unsafe { bindings::poll_wait(table.file, self.head.get(), table.table) };
    }

    /// Sleeps (interruptibly) until `ready()` is true, checking it after each
    /// wake-up. Fails with `ERESTARTSYS` when a signal comes first.
    pub(crate) fn wait_interruptible(&self, mut ready: impl FnMut() -> bool) -> Result {
        let entry = Opaque::<bindings::wait_queue_entry>::uninit();
        // SAFETY: `entry` lives on this stack frame, which outlives its time
        // on the queue (finish_wait() below takes it off).
        unsafe { bindings::init_wait_entry(entry.get(), 0) };
        let result = loop {
            // As ___wait_event(): queue first, then test, so a wake-up
            // between the test and schedule() is not lost.
            // SAFETY: `head` and `entry` are initialised.
            let pending_signal = unsafe {
                bindings::prepare_to_wait_event(
                    self.head.get(),
                    entry.get(),
                    bindings::TASK_INTERRUPTIBLE as _,
                )
            };
            if ready() {
                break Ok(());
            }
            if pending_signal != 0 {
                break Err(ERESTARTSYS);
            }
            // SAFETY: process context, no lock held (callers wait outside
            // their locks).
            unsafe { bindings::schedule() };
        };
        // SAFETY: `entry` was queued on `head` by prepare_to_wait_event().
        unsafe { bindings::finish_wait(self.head.get(), entry.get()) };
        result
    }
}

#[pinned_drop]
impl PinnedDrop for WaitQueue {
    fn drop(self: Pin<&mut Self>) {
        if !self.polled.load(Relaxed) {
            return;
        }
        // SAFETY: `head` is initialised; wake_up_pollfree() makes epoll
        // remove its entries; the grace period after it lets a concurrent
        // epoll finish with the queue before it is freed.
        unsafe {
            bindings::wake_up_pollfree(self.head.get());
            bindings::synchronize_rcu();
        }
    }
}

/// The arguments of a `poll` file operation.
pub(crate) struct PollTable {
    file: *mut bindings::file,
    table: *mut bindings::poll_table_struct,
}

impl PollTable {
    /// # Safety
    ///
    /// `file` and `table` must be the arguments of a running `poll` op.
    pub(crate) unsafe fn new(
        file: *mut bindings::file,
        table: *mut bindings::poll_table_struct,
    ) -> Self {
        Self { file, table }
    }
}

/// Poll events, as `poll` ops report them.
pub(crate) const POLLIN: u32 = bindings::LATTOP_CONST_POLLIN;
pub(crate) const POLLPRI: u32 = bindings::LATTOP_CONST_POLLPRI;
pub(crate) const POLLERR: u32 = bindings::LATTOP_CONST_POLLERR;
pub(crate) const POLLHUP: u32 = bindings::LATTOP_CONST_POLLHUP;
