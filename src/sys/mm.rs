// SPDX-License-Identifier: GPL-2.0

//! Address spaces: a counted reference to a sleeper's, taken in the
//! scheduler, and, in process context, the files its code addresses map.
//! The profiler names a user frame by file and offset with them, so that a
//! frame stays nameable after its process has exited.

use super::{bindings, task::TaskView};
use core::{
    ptr::NonNull,
    sync::atomic::{AtomicUsize, Ordering::Relaxed},
};
use kernel::ffi;

/// A user reference (`mm_users`) to an address space: its mappings stay
/// until the reference is dropped, even if every task using it exits.
///
/// Dropping the last reference has the address space torn down on the
/// system workqueue (`mmput_async()`): not by the dropper, which may hold a
/// lock others wait for, but queued, which wakes a worker: only in process
/// context. The scheduler hooks that take one hand it over in an
/// [`MmSlot`], never drop it.
///
/// # Invariants
///
/// `mm` is a live `mm_struct` on which this holds one `mm_users` reference.
pub(crate) struct MmRef {
    mm: NonNull<bindings::mm_struct>,
}

// SAFETY: an `mm_users` reference may be dropped by any task.
unsafe impl Send for MmRef {}

impl MmRef {
    /// A reference to the address space of `task`, if it has one. Safe in
    /// the scheduler (one atomic increment). `task` must not be running: a
    /// sleeper, or a woken task not yet switched in.
    pub(crate) fn of_task(task: &TaskView<'_>) -> Option<Self> {
        // SAFETY: `task` is live (TaskView's invariant); the helper takes
        // the reference only if the count is not already zero.
        let mm = unsafe { bindings::task_mm_get(task.as_ptr()) };
        // INVARIANT: a non-null result carries one reference.
        NonNull::new(mm).map(|mm| Self { mm })
    }

    /// Looks up mapped files with the address space's lock held for read
    /// (process context: it may sleep).
    pub(crate) fn with_mappings<R>(&self, look: impl FnOnce(&Mappings<'_>) -> R) -> R {
        // SAFETY: `mm` is live (type invariant); the lock is released below.
        unsafe { bindings::mmap_read_lock(self.mm.as_ptr()) };
        let result = look(&Mappings { mm: self });
        // SAFETY: taken above, by this task.
        unsafe { bindings::mmap_read_unlock(self.mm.as_ptr()) };
        result
    }
}

impl Drop for MmRef {
    fn drop(&mut self) {
        // SAFETY: the reference is ours (type invariant); process context
        // (the type's rule), where mmput_async() may queue the teardown.
        unsafe { bindings::mmput_async(self.mm.as_ptr()) };
    }
}

/// A place for one [`MmRef`], which a scheduler hook fills and process
/// context empties, without a lock (the caller orders the two). What is
/// left in it is dropped with it.
///
/// # Invariants
///
/// `mm` is 0 or the address of an `mm_struct` on which this slot holds one
/// `mm_users` reference.
#[derive(Default)]
pub(crate) struct MmSlot {
    mm: AtomicUsize,
}

impl MmSlot {
    /// Keeps `mm`, in an empty slot. Safe in the scheduler: an `mm` already
    /// here (which the caller's protocol rules out) is leaked rather than
    /// dropped where dropping may sleep.
    pub(crate) fn put(&self, mm: Option<MmRef>) {
        let Some(mm) = mm else {
            return;
        };
        let address = mm.mm.as_ptr() as usize;
        // INVARIANT: the reference moves into the slot.
        core::mem::forget(mm);
        let old = self.mm.swap(address, Relaxed);
        debug_assert_eq!(old, 0);
    }

    /// Takes what the slot holds, emptying it.
    pub(crate) fn take(&self) -> Option<MmRef> {
        let address = self.mm.swap(0, Relaxed);
        // INVARIANT: the slot's reference moves into the MmRef.
        NonNull::new(address as *mut bindings::mm_struct).map(|mm| MmRef { mm })
    }
}

impl Drop for MmSlot {
    /// Process context only, as for [`MmRef`].
    fn drop(&mut self) {
        drop(self.take());
    }
}

/// An address space whose lock is held for read: its mappings cannot change.
pub(crate) struct Mappings<'a> {
    mm: &'a MmRef,
}

impl Mappings<'_> {
    /// The file mapped at user address `addr`, and `addr`'s offset in it.
    pub(crate) fn file_at(&self, addr: usize) -> Option<(MappedFile<'_>, u64)> {
        let mut offset = 0u64;
        // SAFETY: the mm is live and its lock held for read (`self`), as
        // vma_lookup() requires.
        let file = unsafe {
            bindings::mapped_file(self.mm.mm.as_ptr(), addr as ffi::c_ulong, &mut offset)
        };
        // INVARIANT: the mapping holds the file while the lock is held.
        NonNull::new(file).map(|file| {
            (
                MappedFile {
                    file,
                    _mappings: self,
                },
                offset,
            )
        })
    }
}

/// A file mapped in a locked address space.
///
/// # Invariants
///
/// `file` is held by a mapping of the address space, whose lock is held
/// for `'a`.
pub(crate) struct MappedFile<'a> {
    file: NonNull<bindings::file>,
    _mappings: &'a Mappings<'a>,
}

impl MappedFile<'_> {
    /// What tells the file from every other while it exists: its device
    /// and inode numbers.
    pub(crate) fn identity(&self) -> (u32, u64) {
        let (mut dev, mut ino) = (0u32, 0u64);
        // SAFETY: `file` is live (type invariant); the helper writes two
        // numbers.
        unsafe { bindings::file_identity(self.file.as_ptr(), &mut dev, &mut ino) };
        (dev, ino)
    }

    /// The file's path, as the calling task's root sees it, written at the
    /// end of `buf`; `None` if it does not fit.
    pub(crate) fn path<'b>(&self, buf: &'b mut [u8]) -> Option<&'b [u8]> {
        let len = ffi::c_int::try_from(buf.len()).ok()?;
        let start = buf.as_mut_ptr();
        // SAFETY: `file` is live (type invariant); d_path() writes at most
        // `len` bytes of `buf` and returns where the path begins, or an error pointer.
        let path = unsafe { bindings::file_d_path(self.file.as_ptr(), start.cast(), len) };
        let at = (path as usize).checked_sub(start as usize)?;
        // An error pointer lies far above `buf`; the path ends with a NUL
        // at the buffer's end.
        buf.get(at..buf.len().checked_sub(1)?)
    }
}
