// SPDX-License-Identifier: GPL-2.0

//! Call traces: kernel frames with `stack_trace_save_tsk()`, user frames by
//! walking the frame-pointer chain with `copy_from_user_nofault()` (the
//! kernel's `stack_trace_save_user()` is not exported to modules). Both are
//! safe in atomic context: neither sleeps nor takes a scheduler lock.

use super::{bindings, task::TaskView};
use kernel::ffi;

/// Fills `frames` with the kernel return addresses of `task`, innermost
/// first, leaving out the scheduler's own functions; returns how many.
/// `task` must not be running: a blocked task, whose stack is intact.
pub(crate) fn kernel_trace(task: &TaskView<'_>, frames: &mut [usize]) -> usize {
    let len = u32::try_from(frames.len()).unwrap_or(u32::MAX);
    // SAFETY: `task` is live (TaskView's invariant); `frames` is writable for
    // `len` entries of the size of `unsigned long`.
    let n = unsafe {
        bindings::stack_trace_save_tsk(
            task.as_ptr(),
            frames.as_mut_ptr().cast::<ffi::c_ulong>(),
            len,
            0,
        )
    };
    n as usize
}

/// What identifies a user stack cheaply: the instruction and frame pointers
/// the task entered the kernel with, and the return address of its first
/// frame record. A task that blocks again with the same key is, but for
/// pathological code, on the same call path, so its frames can be reused.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct UserStackKey {
    ip: usize,
    bp: usize,
    first_return: usize,
}

impl UserStackKey {
    /// The key of the current task's user stack: one frame-record read.
    pub(crate) fn of_current(ip: usize, bp: usize) -> Self {
        let record = read_frame_record(bp).unwrap_or([0, 0]);
        Self {
            ip,
            bp,
            first_return: record[1],
        }
    }

    /// The key as three words, to keep in atomics.
    pub(crate) fn to_words(self) -> [usize; 3] {
        [self.ip, self.bp, self.first_return]
    }

    /// The key [`Self::to_words`] gave.
    pub(crate) fn from_words(words: [usize; 3]) -> Self {
        Self {
            ip: words[0],
            bp: words[1],
            first_return: words[2],
        }
    }

    /// Fills `frames` with the frames this key starts: see [`user_trace`].
    pub(crate) fn walk(&self, frames: &mut [usize]) -> usize {
        user_trace(self.ip, self.bp, frames)
    }
}

/// The frame record at user address `fp`: the caller's frame pointer, then
/// the return address; `None` if it cannot be read.
fn read_frame_record(fp: usize) -> Option<[usize; 2]> {
    if fp == 0 || fp % core::mem::align_of::<usize>() != 0 {
        return None;
    }
    let mut record = [0usize; 2];
    // SAFETY: `record` is writable for its size; copy_from_user_nofault()
    // checks the user address and returns non-zero instead of faulting.
    let failed = unsafe {
        bindings::copy_from_user_nofault(
            record.as_mut_ptr().cast(),
            fp as *const ffi::c_void,
            core::mem::size_of_val(&record),
        )
    };
    (failed == 0).then_some(record)
}

/// Fills `frames` with the user return addresses of the current task, from
/// `ip` and the frame pointer `bp` it entered the kernel with: the innermost
/// first, then one per frame until the chain ends, turns back, or cannot be
/// read. A program built without frame pointers yields a short trace, as
/// with perf. Returns how many frames were written.
fn user_trace(ip: usize, bp: usize, frames: &mut [usize]) -> usize {
    if frames.is_empty() || ip == 0 {
        return 0;
    }
    frames[0] = ip;
    let mut n = 1;
    let mut fp = bp;
    while n < frames.len() {
        let Some(record) = read_frame_record(fp) else {
            break;
        };
        if record[1] == 0 {
            break;
        }
        frames[n] = record[1];
        n += 1;
        // The stack grows down: each caller's frame is above its callee's.
        if record[0] <= fp {
            break;
        }
        fp = record[0];
    }
    n
}
