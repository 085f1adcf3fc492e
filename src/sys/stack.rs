// SPDX-License-Identifier: GPL-2.0

//! Call traces: kernel frames with `stack_trace_save_tsk()`, user frames by
//! walking the frame-pointer chain a word at a time with page faults off (the
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
    /// The key of no stack, whose frames are none: what a task that never
    /// blocked with its user stack read has kept.
    pub(crate) const NONE: Self = Self {
        ip: 0,
        bp: 0,
        first_return: 0,
    };

    /// The key of the current task's user stack, from schedule() (see
    /// [`read_user_word`]): one word read. Never all zeros, the key of
    /// no stack ([`Self::NONE`]), but for a task whose `ip` is 0, which
    /// has no frames to keep either.
    #[inline]
    pub(crate) fn of_current(ip: usize, bp: usize) -> Self {
        // The record's second word, the return address. `bp` is the user's
        // to choose: one near the top of the address space wraps to a
        // kernel-side or null address, which the read refuses.
        let first_return = if is_frame_pointer(bp) {
            read_user_word(bp.wrapping_add(core::mem::size_of::<usize>()))
        } else {
            0
        };
        Self {
            ip,
            bp,
            first_return,
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

    /// Fills `frames` with the frames this key starts, from schedule() as
    /// the key was: see [`user_trace`].
    pub(crate) fn walk(&self, frames: &mut [usize]) -> usize {
        user_trace(self.ip, self.bp, frames)
    }
}

/// Whether `fp` can be a frame pointer: non-null and aligned.
#[inline]
fn is_frame_pointer(fp: usize) -> bool {
    fp != 0 && fp % core::mem::align_of::<usize>() == 0
}

/// The word at user address `addr` of the current task, or 0 if it cannot
/// be read without faulting (in a frame record, a 0 ends the chain as an
/// unreadable word does). Only from the current task in schedule(), before
/// it switches out (see the helper): the callers here are the block hooks'
/// `in_schedule` path.
#[inline]
fn read_user_word(addr: usize) -> usize {
    // SAFETY: the helper checks that `addr` is a user address and reads it
    // with page faults disabled, returning 0 instead of faulting.
    unsafe { bindings::user_word_nofault(addr as *const ffi::c_ulong) as usize }
}

/// The frame record at user address `fp`: the caller's frame pointer, then
/// the return address (0 where unreadable); `None` if `fp` cannot be one.
fn read_frame_record(fp: usize) -> Option<[usize; 2]> {
    if !is_frame_pointer(fp) {
        return None;
    }
    let next = read_user_word(fp);
    let ret = read_user_word(fp.checked_add(core::mem::size_of::<usize>())?);
    Some([next, ret])
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
