// SPDX-License-Identifier: GPL-2.0

//! Read-only /proc files: `proc_create_data()` and `proc_remove()` from
//! procfs, with seq_file's `single_open()` producing the content.

use super::bindings;
use core::{fmt, marker::PhantomData, ptr::NonNull};
use kernel::{
    c_str,
    error::code::{ENOMEM, ENOSPC},
    ffi,
    prelude::*,
    str::CStr,
    sync::Arc,
};

/// What a read-only /proc file shows.
pub(crate) trait ProcShow: Send + Sync + 'static {
    /// Writes the whole content of the file. Called in process context (it
    /// may sleep) each time a reader starts from offset 0, and called again
    /// with a larger buffer when the content did not fit.
    fn show(&self, out: &mut SeqOutput<'_>) -> Result;
}

/// The output buffer handed to [`ProcShow::show`].
///
/// # Invariants
///
/// `seq` is the live `seq_file` of the read in progress, for `'a`.
pub(crate) struct SeqOutput<'a> {
    seq: NonNull<bindings::seq_file>,
    _seq: PhantomData<&'a mut bindings::seq_file>,
}

impl SeqOutput<'_> {
    /// Formats `args` into the file, for `write!` and `writeln!`. Fails with
    /// `ENOSPC` once the buffer is full; seq_file then calls `show` again
    /// with a larger one.
    pub(crate) fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> Result {
        fmt::Write::write_fmt(self, args).map_err(|_| ENOSPC)
    }

    /// Writes the kernel symbol at `addr` as `%pS` does: `name+0xoff/0xsize`,
    /// with ` [module]` for a module's.
    pub(crate) fn kernel_symbol(&mut self, addr: usize) -> Result {
        // SAFETY: by the type invariant `seq` is live; the format takes one
        // pointer argument, which %pS only looks up, never dereferences.
        unsafe {
            bindings::seq_printf(
                self.seq.as_ptr(),
                c_str!("%pS").as_char_ptr(),
                addr as *const ffi::c_void,
            )
        };
        if self.overflowed() {
            Err(ENOSPC)
        } else {
            Ok(())
        }
    }

    /// Whether the buffer filled up, so that seq_file will retry.
    fn overflowed(&self) -> bool {
        // SAFETY: by the type invariant `seq` is live; seq_has_overflowed()
        // is this comparison, a static inline bindgen cannot bind.
        unsafe { (*self.seq.as_ptr()).count == (*self.seq.as_ptr()).size }
    }
}

impl fmt::Write for SeqOutput<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // SAFETY: by the type invariant `seq` is live; `s` is valid for
        // `s.len()` bytes.
        let ret = unsafe { bindings::seq_write(self.seq.as_ptr(), s.as_ptr().cast(), s.len()) };
        if ret == 0 {
            Ok(())
        } else {
            Err(fmt::Error)
        }
    }
}

/// A /proc file that shows a `T`. Dropping it removes the file.
///
/// # Invariants
///
/// `entry` was returned by `proc_create_data()` with `ProcOps::<T>::OPS` and
/// a pointer to the `T` in `data` as the entry's private data, and has not
/// been removed yet.
pub(crate) struct ProcFile<T: ProcShow> {
    entry: NonNull<bindings::proc_dir_entry>,
    /// Only held: procfs reaches the `T` through the entry's private data.
    _data: Arc<T>,
}

// SAFETY: a proc entry may be removed from any thread; `T` is `Send + Sync`.
unsafe impl<T: ProcShow> Send for ProcFile<T> {}
// SAFETY: `&ProcFile` gives access to nothing but `&T`, and `T` is `Sync`.
unsafe impl<T: ProcShow> Sync for ProcFile<T> {}

impl<T: ProcShow> ProcFile<T> {
    /// Creates /proc/`name` with permission bits `mode`, showing `data`.
    pub(crate) fn new(name: &CStr, mode: u16, data: Arc<T>) -> Result<Self> {
        let private: *const T = &*data;
        // SAFETY: `name` is NUL-terminated and procfs copies it; the ops table
        // is a constant promoted to a static; `private` stays valid until
        // `drop` has removed the entry, because `Self` holds `data` until then.
        let entry = unsafe {
            bindings::proc_create_data(
                name.as_char_ptr(),
                mode,
                core::ptr::null_mut(),
                ProcOps::<T>::build(),
                private.cast_mut().cast(),
            )
        };
        // proc_create_data() says only NULL when it fails: out of memory is
        // its common cause (a duplicate name also WARNs in the kernel log).
        let entry = NonNull::new(entry).ok_or(ENOMEM)?;
        // INVARIANT: `entry` was just created as described.
        Ok(Self {
            entry,
            _data: data,
        })
    }
}

impl<T: ProcShow> Drop for ProcFile<T> {
    fn drop(&mut self) {
        // SAFETY: by the type invariant `entry` is live. proc_remove() waits
        // for readers inside our callbacks to leave and makes later calls on
        // files still open fail with EIO, so `_data` is no longer reachable
        // from procfs when it is dropped after this.
        unsafe { bindings::proc_remove(self.entry.as_ptr()) };
    }
}

/// The `proc_ops` of a [`ProcFile<T>`].
struct ProcOps<T>(PhantomData<T>);

impl<T: ProcShow> ProcOps<T> {
    const OPS: bindings::proc_ops = bindings::proc_ops {
        proc_open: Some(Self::open),
        proc_read_iter: Some(bindings::seq_read_iter),
        proc_lseek: Some(bindings::seq_lseek),
        proc_release: Some(bindings::single_release),
        // SAFETY: every other field is a flag word or an optional function
        // pointer, for which all-zero means "none".
        ..unsafe { core::mem::zeroed() }
    };

    /// The ops table, as a `'static` (the constant is promoted).
    const fn build() -> &'static bindings::proc_ops {
        &Self::OPS
    }

    /// `proc_open`: starts a seq_file whose private data is the `T`.
    unsafe extern "C" fn open(inode: *mut bindings::inode, file: *mut bindings::file) -> ffi::c_int {
        // SAFETY: procfs calls `proc_open` with the inode of a live entry made
        // by `ProcFile::<T>::new`, whose private data is a pointer to its `T`.
        let data = unsafe { bindings::pde_data(inode) };
        // SAFETY: `file` is the file being opened; `show` has the signature
        // single_open() expects, and `data` outlives the open file (see
        // `ProcFile::drop`).
        unsafe { bindings::single_open(file, Some(Self::show), data) }
    }

    /// single_open()'s `show`: formats the whole file.
    unsafe extern "C" fn show(seq: *mut bindings::seq_file, _v: *mut ffi::c_void) -> ffi::c_int {
        // SAFETY: seq_file calls `show` with the live seq_file that `open`
        // made, whose `private` is the `T` pointer passed to single_open().
        let data = unsafe { &*(*seq).private.cast::<T>() };
        let mut out = SeqOutput {
            // SAFETY: seq_file never calls `show` with a NULL seq_file.
            seq: unsafe { NonNull::new_unchecked(seq) },
            _seq: PhantomData,
        };
        match data.show(&mut out) {
            Ok(()) => 0,
            // Not an error: seq_file retries with a larger buffer.
            Err(_) if out.overflowed() => 0,
            Err(e) => e.to_errno(),
        }
    }
}
