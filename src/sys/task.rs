// SPDX-License-Identifier: GPL-2.0

//! Read-only views of a `struct task_struct` that the scheduler hands a
//! probe: the fields lattop records, read without taking any lock.

use super::{
    bindings,
    compat::OnRq,
    layout::{self, assert_offset},
};
use core::marker::PhantomData;

/// The length of a task's `comm`, with its NUL.
pub(crate) const COMM_LEN: usize = bindings::TASK_COMM_LEN as usize;
/// The words a `comm` fills.
pub(crate) const COMM_WORDS: usize = COMM_LEN / 8;
const _: () = assert!(COMM_WORDS * 8 == COMM_LEN);

/// The bytes of a `comm` kept as words.
pub(crate) fn comm_bytes(words: [u64; COMM_WORDS]) -> [u8; COMM_LEN] {
    let mut comm = [0u8; COMM_LEN];
    for (chunk, word) in comm.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&word.to_ne_bytes());
    }
    comm
}

/// `name` as a task's `comm` holds it: at most [`COMM_LEN`] - 1 bytes, NUL
/// padded (strscpy_pad()'s copy), as words.
pub(crate) fn comm_words_of(name: &[u8]) -> [u64; COMM_WORDS] {
    let mut comm = [0u8; COMM_LEN];
    let len = name.len().min(COMM_LEN - 1);
    comm[..len].copy_from_slice(&name[..len]);
    let mut words = [0u64; COMM_WORDS];
    for (i, word) in words.iter_mut().enumerate() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&comm[i * 8..i * 8 + 8]);
        *word = u64::from_ne_bytes(bytes);
    }
    words
}

/// Fails the build unless GCC's field `$offset` of `task_struct` has the
/// size `$size` of `$ty` and is aligned for it: [`TaskView::field`] reads it so.
macro_rules! task_field {
    ($offset:ident, $size:ident, $ty:ty) => {
        const _: () = {
            assert!(
                layout::$size == core::mem::size_of::<$ty>()
                    && layout::$offset % core::mem::align_of::<$ty>() == 0,
                concat!(
                    "task_struct's ",
                    stringify!($offset),
                    " is not a ",
                    stringify!($ty)
                )
            );
        };
    };
}

/// A task the caller knows to be alive for `'a`: the scheduler's `p` in a
/// probe on its paths, or the current task. bindgen's layout of
/// `task_struct` does not match GCC's: the fields the hooks read on every
/// event are read at GCC's offsets (`src/layout.c`), the others by the C
/// helpers.
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

    /// The `T` at byte `offset` of the task, read once (`READ_ONCE`).
    ///
    /// # Safety
    ///
    /// `offset` must be GCC's offset of a `T` field of `task_struct` (the
    /// constants of [`task_field!`]).
    #[inline(always)]
    unsafe fn field<T: Copy>(&self, offset: usize) -> T {
        // SAFETY: `ptr` is live (type invariant), and the caller guarantees
        // that an aligned `T` lies at `offset` in it.
        unsafe {
            self.ptr
                .cast::<u8>()
                .add(offset)
                .cast::<T>()
                .read_volatile()
        }
    }

    /// The thread id (`pid` in the kernel's words).
    #[inline]
    pub(crate) fn tid(&self) -> i32 {
        task_field!(TASK_PID, TASK_PID_SIZE, i32);
        // SAFETY: `pid` is a `pid_t` at TASK_PID (checked above).
        unsafe { self.field(layout::TASK_PID) }
    }

    /// The process id (`tgid`).
    #[inline]
    pub(crate) fn tgid(&self) -> i32 {
        task_field!(TASK_TGID, TASK_TGID_SIZE, i32);
        // SAFETY: `tgid` is a `pid_t` at TASK_TGID (checked above).
        unsafe { self.field(layout::TASK_TGID) }
    }

    /// When the task was created, in ns of the monotonic clock: with the tid,
    /// it tells a reused tid from the task that had it before.
    #[inline]
    pub(crate) fn start_time(&self) -> u64 {
        task_field!(TASK_START_TIME, TASK_START_TIME_SIZE, u64);
        // SAFETY: `start_time` is a `u64` at TASK_START_TIME (checked above).
        unsafe { self.field(layout::TASK_START_TIME) }
    }

    /// The `T` at byte `offset` of the task's `signal_struct`, read once.
    ///
    /// # Safety
    ///
    /// `offset` must be GCC's offset of a `T` field of `signal_struct`.
    #[inline(always)]
    unsafe fn signal_field<T: Copy>(&self, offset: usize) -> T {
        // SAFETY: the signal_struct is live (see `signal`), and the caller
        // guarantees that an aligned `T` lies at `offset` in it.
        unsafe { self.signal().add(offset).cast::<T>().read_volatile() }
    }

    /// The task's `signal_struct`, as bytes: set at fork, never replaced,
    /// and released with the task_struct (`__put_task_struct()`), so live
    /// while the task is.
    #[inline(always)]
    fn signal(&self) -> *const u8 {
        task_field!(TASK_SIGNAL, TASK_SIGNAL_SIZE, *const u8);
        // SAFETY: `signal` is a pointer at TASK_SIGNAL (checked above).
        unsafe { self.field(layout::TASK_SIGNAL) }
    }

    /// Whether a thread of its group has not exited yet (a process whose
    /// threads have all exited is a zombie, or gone): `signal->live`.
    #[inline]
    pub(crate) fn group_is_live(&self) -> bool {
        const _: () = assert!(layout::SIGNAL_LIVE_SIZE == 4 && layout::SIGNAL_LIVE % 4 == 0);
        // SAFETY: `live` is an `atomic_t`, one `int`, at SIGNAL_LIVE
        // (checked above).
        unsafe { self.signal_field::<i32>(layout::SIGNAL_LIVE) > 0 }
    }

    /// Threads in its thread group: `signal->nr_threads`.
    #[inline]
    pub(crate) fn nr_threads(&self) -> u32 {
        const _: () =
            assert!(layout::SIGNAL_NR_THREADS_SIZE == 4 && layout::SIGNAL_NR_THREADS % 4 == 0);
        // SAFETY: `nr_threads` is an `int` at SIGNAL_NR_THREADS (checked above).
        let n = unsafe { self.signal_field::<i32>(layout::SIGNAL_NR_THREADS) };
        u32::try_from(n).unwrap_or(0)
    }

    /// The CPU time of its group's exited threads, ns:
    /// `signal->sum_sched_runtime`.
    #[inline]
    pub(crate) fn exited_threads_runtime_ns(&self) -> u64 {
        const _: () = assert!(
            layout::SIGNAL_SUM_SCHED_RUNTIME_SIZE == 8 && layout::SIGNAL_SUM_SCHED_RUNTIME % 8 == 0
        );
        // SAFETY: `sum_sched_runtime` is a `u64` at SIGNAL_SUM_SCHED_RUNTIME
        // (checked above).
        unsafe { self.signal_field(layout::SIGNAL_SUM_SCHED_RUNTIME) }
    }

    /// The process after this one on the task list (`next_task()`), or
    /// null back at `init_task`. What it points to is only live under the
    /// RCU read lock, and was a process when this one was reached under it.
    #[inline]
    pub(crate) fn next_process(&self) -> *const bindings::task_struct {
        task_field!(TASK_TASKS, TASK_TASKS_SIZE, [usize; 2]);
        let node = self.ptr.cast::<u8>().wrapping_add(layout::TASK_TASKS);
        // SAFETY: `tasks` is a list_head at TASK_TASKS of the live task.
        let next = unsafe { list_next(node) }.wrapping_sub(layout::TASK_TASKS);
        let init_task = core::ptr::addr_of!(bindings::init_task);
        if core::ptr::eq(next.cast(), init_task) {
            core::ptr::null()
        } else {
            next.cast()
        }
    }

    /// The first thread on its thread group's list (`signal->thread_head`),
    /// or null if there is none; live under the RCU read lock, as
    /// [`Self::next_process`]'s.
    #[inline]
    pub(crate) fn first_thread(&self) -> *const bindings::task_struct {
        const _: () = assert!(layout::SIGNAL_THREAD_HEAD_SIZE == 2 * size_of::<usize>());
        // SAFETY: `thread_head` is a list_head in the live signal_struct.
        let head = unsafe { self.signal().add(layout::SIGNAL_THREAD_HEAD) };
        // SAFETY: as above.
        unsafe { thread_after(head, head) }
    }

    /// The thread after this one in its group's list (`__next_thread()`),
    /// or null past the last; live under the RCU read lock.
    #[inline]
    pub(crate) fn next_thread(&self) -> *const bindings::task_struct {
        task_field!(TASK_THREAD_NODE, TASK_THREAD_NODE_SIZE, [usize; 2]);
        // SAFETY: `thread_head` is a list_head in the live signal_struct.
        let head = unsafe { self.signal().add(layout::SIGNAL_THREAD_HEAD) };
        let node = self.ptr.cast::<u8>().wrapping_add(layout::TASK_THREAD_NODE);
        // SAFETY: `thread_node` is a list_head at TASK_THREAD_NODE of the
        // live task.
        unsafe { thread_after(node, head) }
    }

    /// When the task's thread-group leader was created: with the tgid, it
    /// tells a process from a later one reusing its tgid.
    pub(crate) fn leader_start_time(&self) -> u64 {
        // SAFETY: `ptr` is live (type invariant). The leader outlives the
        // call: a leader replaced by exec is freed after a grace period.
        unsafe { bindings::task_leader_start_time(self.ptr) }
    }

    /// The task's command name as two words, NUL-padded: what the hooks
    /// copy on every block. It can change under us (prctl, exec), which at
    /// worst yields a mix of the old and new names, as perf's copy can.
    #[inline]
    pub(crate) fn comm_words(&self) -> [u64; COMM_WORDS] {
        task_field!(TASK_COMM, TASK_COMM_SIZE, [u64; COMM_WORDS]);
        // SAFETY: `comm` is TASK_COMM_LEN bytes at TASK_COMM, 8-aligned
        // (checked above); any bytes make valid words.
        unsafe { self.field(layout::TASK_COMM) }
    }

    /// Whether the task may be in uninterruptible sleep ('D'): false is
    /// sure, true is to be confirmed with `state_letter()`, a call, which a
    /// walk over every thread then makes only for these. `task_state_index()`
    /// reports 'D' only for a `__state` with TASK_UNINTERRUPTIBLE, or, on
    /// PREEMPT_RT, TASK_RTLOCK_WAIT.
    #[inline]
    pub(crate) fn may_be_uninterruptible(&self) -> bool {
        self.state() & (bindings::TASK_UNINTERRUPTIBLE | bindings::TASK_RTLOCK_WAIT) != 0
    }

    /// The task's command name, NUL-padded.
    pub(crate) fn comm(&self) -> [u8; COMM_LEN] {
        comm_bytes(self.comm_words())
    }

    /// The scheduler's run-queue accounting of the task (delay
    /// accounting's `sched_info`, updated under the task's runqueue lock):
    /// read by the hooks that hold that lock.
    #[inline]
    pub(crate) fn queue_times(&self) -> QueueTimes {
        task_field!(TASK_LAST_QUEUED, TASK_LAST_QUEUED_SIZE, u64);
        QueueTimes {
            run_delay: self.run_delay(),
            // SAFETY: `sched_info.last_queued` is an `unsigned long long`
            // at TASK_LAST_QUEUED (checked above).
            last_queued: unsafe { self.field(layout::TASK_LAST_QUEUED) },
        }
    }

    /// Its [`QueueTimes::run_delay`] alone: the hooks that only note it
    /// (a task leaving its CPU) read this field, not both.
    #[inline]
    pub(crate) fn run_delay(&self) -> u64 {
        task_field!(TASK_RUN_DELAY, TASK_RUN_DELAY_SIZE, u64);
        // SAFETY: `sched_info.run_delay` is an `unsigned long long` at
        // TASK_RUN_DELAY (checked above).
        unsafe { self.field(layout::TASK_RUN_DELAY) }
    }

    /// When the task last came on a CPU (`sched_info.last_arrival`, on its
    /// run queue's clock): context_switch() sets it for a task that waited
    /// for the CPU (`last_queued` set), after the `sched_switch` tracepoint.
    #[inline]
    pub(crate) fn last_arrival(&self) -> u64 {
        task_field!(TASK_LAST_ARRIVAL, TASK_LAST_ARRIVAL_SIZE, u64);
        // SAFETY: `sched_info.last_arrival` is an `unsigned long long` at
        // TASK_LAST_ARRIVAL (checked above).
        unsafe { self.field(layout::TASK_LAST_ARRIVAL) }
    }

    /// The CPU time the task has had in all, ns (`se.sum_exec_runtime`,
    /// which every scheduling class's update_curr() grows, under the run
    /// queue's lock, on the run queue's task clock).
    #[inline]
    pub(crate) fn sum_exec_runtime(&self) -> u64 {
        task_field!(TASK_SUM_EXEC_RUNTIME, TASK_SUM_EXEC_RUNTIME_SIZE, u64);
        // SAFETY: `se.sum_exec_runtime` is a `u64` at TASK_SUM_EXEC_RUNTIME
        // (checked above).
        unsafe { self.field(layout::TASK_SUM_EXEC_RUNTIME) }
    }

    /// The CPU the task is on, or was last on (`task_cpu()`): for both
    /// tasks of a `sched_switch`, the CPU that runs the hook.
    #[inline]
    pub(crate) fn cpu(&self) -> usize {
        task_field!(TASK_CPU, TASK_CPU_SIZE, u32);
        // SAFETY: `thread_info.cpu` is a `u32` at TASK_CPU (checked above).
        let cpu: u32 = unsafe { self.field(layout::TASK_CPU) };
        cpu as usize
    }

    /// Whether this is a kernel thread, which has no user stack.
    #[inline]
    pub(crate) fn is_kernel_thread(&self) -> bool {
        task_field!(TASK_FLAGS, TASK_FLAGS_SIZE, u32);
        // SAFETY: `flags` is an `unsigned int` at TASK_FLAGS (checked above).
        let flags: u32 = unsafe { self.field(layout::TASK_FLAGS) };
        flags & bindings::PF_KTHREAD != 0
    }

    /// Whether this is a CPU's idle task (pid 0), which lattop does not
    /// profile.
    #[inline]
    pub(crate) fn is_idle(&self) -> bool {
        self.tid() == 0
    }

    /// Whether the task's state is a sleeping one (not `TASK_RUNNING`): on a
    /// run queue, a task asleep there (EEVDF's delayed dequeue), where one
    /// woken and waiting for a CPU is `TASK_RUNNING` again.
    #[inline]
    pub(crate) fn has_sleeping_state(&self) -> bool {
        self.state() != 0
    }

    /// Whether the task is blocking for the last time, in do_task_dead().
    pub(crate) fn is_dead(&self) -> bool {
        self.state() & bindings::TASK_DEAD != 0
    }

    /// The task's `__state`.
    #[inline]
    fn state(&self) -> u32 {
        task_field!(TASK_STATE, TASK_STATE_SIZE, u32);
        // SAFETY: `__state` is an `unsigned int` at TASK_STATE (checked above).
        unsafe { self.field(layout::TASK_STATE) }
    }

    /// Whether the task is on a run queue (`on_rq`: queued, or moving
    /// between two while queued). Of a task `sched_migrate_task` moves,
    /// this tells a queued task's move from a wake-up's choice of CPU.
    #[inline]
    pub(crate) fn is_on_rq(&self) -> bool {
        task_field!(TASK_ON_RQ, TASK_ON_RQ_SIZE, OnRq);
        // SAFETY: `on_rq` is an `OnRq` at TASK_ON_RQ (checked above).
        let on_rq: OnRq = unsafe { self.field(layout::TASK_ON_RQ) };
        on_rq != 0
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

/// A task's run-queue accounting, as kernel/sched/stats.h keeps it.
#[derive(Clone, Copy)]
pub(crate) struct QueueTimes {
    /// The time it has spent runnable and waiting for a CPU, in all, ns:
    /// grown when it reaches a CPU, and when it leaves a runqueue it waited
    /// on to migrate.
    pub(crate) run_delay: u64,
    /// When its present wait for a CPU began, on its runqueue's clock
    /// (`sched_clock`, as lattop's): set when it is enqueued (woken, or
    /// moved to another CPU) or preempted, 0 once it runs.
    pub(crate) last_queued: u64,
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
        task_field!(TASK_STACK, TASK_STACK_SIZE, usize);
        // SAFETY: `stack` is a pointer at TASK_STACK (checked above).
        let stack: usize = unsafe { self.field(layout::TASK_STACK) };
        // task_pt_regs(), inline: a call would cost more than the sum.
        let regs = stack.wrapping_add(layout::TASK_PT_REGS_IN_STACK) as *const bindings::pt_regs;
        // SAFETY: a user task's registers lie at TASK_PT_REGS_IN_STACK of
        // its kernel stack (`src/layout.c`), which lives as long as the task.
        let regs = unsafe { &*regs };
        Some(UserRegs {
            ip: regs.ip as usize,
            bp: regs.bp as usize,
        })
    }
}

/// The `next` link of the `list_head` at `node`, read once (`READ_ONCE()`,
/// as the RCU list walks read it).
///
/// # Safety
///
/// `node` must point to a live `list_head`.
#[inline(always)]
unsafe fn list_next(node: *const u8) -> *const u8 {
    const _: () = assert!(layout::LIST_HEAD_NEXT == 0);
    // SAFETY: the caller guarantees a live list_head, whose `next` pointer
    // is its first word (checked above).
    unsafe { node.cast::<*const u8>().read_volatile() }
}

/// The task whose `thread_node` follows `node` on the thread list `head`
/// (`list_next_or_null_rcu()`), or null at the end.
///
/// # Safety
///
/// `node` and `head` must point to live `list_head`s of one thread list.
#[inline(always)]
unsafe fn thread_after(node: *const u8, head: *const u8) -> *const bindings::task_struct {
    // SAFETY: the caller guarantees a live list_head at `node`.
    let next = unsafe { list_next(node) };
    if core::ptr::eq(next, head) {
        core::ptr::null()
    } else {
        next.wrapping_sub(layout::TASK_THREAD_NODE).cast()
    }
}
