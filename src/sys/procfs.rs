// SPDX-License-Identifier: GPL-2.0

//! Read-only /proc files whose content is a snapshot: rendered once when the
//! file is opened, then served to every read of that open file, so a reader
//! sees one moment however it reads (any sizes, pread at any offset), and
//! the renderer runs once per open (seq_file would rerun it for each larger
//! buffer it tries, each run seeing a later moment). The snapshot is freed
//! on close. Opening one for writing fails with `EACCES`: none takes input.
//! Built on procfs's `proc_mkdir_data()`, `proc_create_data()` and
//! `proc_remove()`.

use super::{
    bindings,
    layout::{assert_offset, assert_size},
};
use core::{fmt, marker::PhantomData, ptr::NonNull};
use kernel::{
    error::code::{EACCES, ENOMEM},
    ffi,
    prelude::*,
    str::CStr,
    sync::Arc,
};

/// What a snapshot /proc file shows.
pub(crate) trait ProcSnapshot: Send + Sync + 'static {
    /// Renders the whole content. Called in process context (it may sleep)
    /// once per open of the file.
    fn render(&self, out: &mut SnapshotBuffer) -> Result;
}

/// The content of a snapshot being rendered: text or bytes.
pub(crate) struct SnapshotBuffer {
    bytes: KVVec<u8>,
}

impl SnapshotBuffer {
    /// Takes `bytes`, rendered elsewhere, as the whole content: no copy.
    pub(crate) fn adopt(&mut self, bytes: KVVec<u8>) {
        self.bytes = bytes;
    }

    /// Formats `args` into the text, for `write!` and `writeln!`.
    pub(crate) fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> Result {
        fmt::Write::write_fmt(self, args).map_err(|_| ENOMEM)
    }

    /// Appends `bytes` as they are.
    pub(crate) fn write_bytes(&mut self, bytes: &[u8]) -> Result {
        self.bytes.extend_from_slice(bytes, super::gfp_quiet())?;
        Ok(())
    }

    /// Appends the kernel symbol at `addr` as `%pS` shows it:
    /// `name+0xoff/0xsize`, with ` [module]` for a module's.
    pub(crate) fn kernel_symbol(&mut self, addr: usize) -> Result {
        let mut symbol = [0u8; SYMBOL_LEN];
        let len = kernel_symbol(addr, &mut symbol);
        self.bytes
            .extend_from_slice(&symbol[..len], super::gfp_quiet())?;
        Ok(())
    }
}

/// The room a kernel symbol's text may take (KSYM_SYMBOL_LEN).
pub(crate) const SYMBOL_LEN: usize = bindings::LATTOP_CONST_KSYM_SYMBOL_LEN;

/// Writes the kernel symbol at `addr` into `symbol` as `%pS` shows it;
/// returns its length.
pub(crate) fn kernel_symbol(addr: usize, symbol: &mut [u8; SYMBOL_LEN]) -> usize {
    // SAFETY: `symbol` has the room sprint_symbol() may fill
    // (KSYM_SYMBOL_LEN); it only looks `addr` up, never dereferences it.
    let len = unsafe { bindings::sprint_symbol(symbol.as_mut_ptr().cast(), addr as ffi::c_ulong) };
    usize::try_from(len).unwrap_or(0).min(symbol.len())
}

impl fmt::Write for SnapshotBuffer {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.bytes
            .extend_from_slice(s.as_bytes(), super::gfp_quiet())
            .map_err(|_| fmt::Error)
    }
}

/// A /proc file that shows a `T`. Dropping it removes the file.
pub(crate) struct ProcFile<T: ProcSnapshot> {
    /// First: the entry is removed before the data it points to goes.
    _entry: ProcEntry,
    /// Only held: procfs reaches the `T` through the entry's private data.
    _data: Arc<T>,
}

impl<T: ProcSnapshot> ProcFile<T> {
    /// Creates /proc/`name` with permission bits `mode`, showing `data`.
    pub(crate) fn new(name: &CStr, mode: u16, data: Arc<T>) -> Result<Self> {
        Self::create(name, mode, None, data)
    }

    /// Creates `name` in the directory `parent`.
    pub(crate) fn new_in(
        parent: &Arc<ProcDir>,
        name: &CStr,
        mode: u16,
        data: Arc<T>,
    ) -> Result<Self> {
        Self::create(name, mode, Some(parent.clone()), data)
    }

    fn create(name: &CStr, mode: u16, parent: Option<Arc<ProcDir>>, data: Arc<T>) -> Result<Self> {
        let private: *const T = &*data;
        // SAFETY: the ops are `ProcOps::<T>`'s, which take the private data
        // for a `T`; `Self` keeps `data` until the entry is removed.
        let entry = unsafe {
            ProcEntry::create(name, mode, parent, ProcOps::<T>::build(), private.cast())
        }?;
        Ok(Self {
            _entry: entry,
            _data: data,
        })
    }
}

/// A file's entry under /proc. Dropping it removes it.
///
/// # Invariants
///
/// `entry` was returned by `proc_create_data()` and has not been removed yet.
pub(super) struct ProcEntry {
    entry: NonNull<bindings::proc_dir_entry>,
    /// The directory it is in, kept until the file is removed.
    _parent: Option<Arc<ProcDir>>,
}

// SAFETY: a proc entry may be removed from any thread.
unsafe impl Send for ProcEntry {}
// SAFETY: `&ProcEntry` gives access to nothing.
unsafe impl Sync for ProcEntry {}

impl ProcEntry {
    /// Creates the file `name` in `parent` (`None`: /proc) with `ops`.
    ///
    /// # Safety
    ///
    /// `ops` must accept `private` as the entry's private data for as long as
    /// the returned entry lives.
    pub(super) unsafe fn create(
        name: &CStr,
        mode: u16,
        parent: Option<Arc<ProcDir>>,
        ops: &'static bindings::proc_ops,
        private: *const ffi::c_void,
    ) -> Result<Self> {
        let parent_entry = parent
            .as_ref()
            .map_or(core::ptr::null_mut(), |dir| dir.entry.as_ptr());
        // SAFETY: `name` is NUL-terminated (procfs copies it); `ops` is
        // static; `private` stays valid as long as the entry (the caller's
        // promise) and `parent_entry` (NULL: /proc) is kept by `Self`.
        let entry = unsafe {
            bindings::proc_create_data(
                name.as_char_ptr(),
                mode,
                parent_entry,
                ops,
                private.cast_mut(),
            )
        };
        // proc_create_data() says only NULL when it fails: out of memory is
        // its common cause (a duplicate name also WARNs in the kernel log).
        let entry = NonNull::new(entry).ok_or(ENOMEM)?;
        // INVARIANT: `entry` was just created.
        Ok(Self {
            entry,
            _parent: parent,
        })
    }
}

impl Drop for ProcEntry {
    fn drop(&mut self) {
        // SAFETY: `entry` is live (type invariant). proc_remove() waits for
        // callers in the entry's ops and releases its open files (later
        // calls get EIO), so the private data is unreachable once it returns.
        unsafe { bindings::proc_remove(self.entry.as_ptr()) };
    }
}

/// A directory under /proc. Dropping it removes it; the files and
/// directories in it hold it (`Arc`), so it goes after them.
///
/// # Invariants
///
/// `entry` was returned by `proc_mkdir_data()` and has not been removed yet.
pub(crate) struct ProcDir {
    entry: NonNull<bindings::proc_dir_entry>,
    _parent: Option<Arc<ProcDir>>,
}

// SAFETY: a proc entry may be created and removed from any thread.
unsafe impl Send for ProcDir {}
// SAFETY: `&ProcDir` only lends its entry to procfs calls that lock inside.
unsafe impl Sync for ProcDir {}

impl ProcDir {
    /// Creates the directory `name` with permission bits `mode`, in /proc
    /// or in `parent`.
    pub(crate) fn new(name: &CStr, mode: u16, parent: Option<&Arc<ProcDir>>) -> Result<Arc<Self>> {
        let parent = parent.cloned();
        let parent_entry = parent
            .as_ref()
            .map_or(core::ptr::null_mut(), |dir| dir.entry.as_ptr());
        // SAFETY: `name` is NUL-terminated and procfs copies it;
        // `parent_entry` is NULL (/proc) or a live directory kept by `Self`.
        let entry = unsafe {
            bindings::proc_mkdir_data(
                name.as_char_ptr(),
                mode,
                parent_entry,
                core::ptr::null_mut(),
            )
        };
        let entry = NonNull::new(entry).ok_or(ENOMEM)?;
        // INVARIANT: just created.
        Ok(Arc::new(
            Self {
                entry,
                _parent: parent,
            },
            GFP_KERNEL,
        )?)
    }
}

impl Drop for ProcDir {
    fn drop(&mut self) {
        // SAFETY: `entry` is live (type invariant); what it contains was
        // removed first (each holds an `Arc` of it).
        unsafe { bindings::proc_remove(self.entry.as_ptr()) };
    }
}

/// One open file's snapshot: what `file->private_data` owns.
type Snapshot = KVVec<u8>;

// Built here and by proc_stream.rs, all-zero but for the fields each names.
assert_size!(bindings::proc_ops, PROC_OPS_SIZE, PROC_OPS_ALIGN);
assert_offset!(bindings::proc_ops, proc_open, PROC_OPS_PROC_OPEN);
assert_offset!(bindings::proc_ops, proc_read, PROC_OPS_PROC_READ);
assert_offset!(bindings::proc_ops, proc_lseek, PROC_OPS_PROC_LSEEK);
assert_offset!(bindings::proc_ops, proc_release, PROC_OPS_PROC_RELEASE);

/// The `proc_ops` of a [`ProcFile<T>`].
struct ProcOps<T>(PhantomData<T>);

impl<T: ProcSnapshot> ProcOps<T> {
    const OPS: bindings::proc_ops = bindings::proc_ops {
        proc_open: Some(Self::open),
        proc_read: Some(Self::read),
        proc_lseek: Some(bindings::default_llseek),
        proc_release: Some(Self::release),
        // SAFETY: every other field is a flag word or an optional function
        // pointer, for which all-zero means "none".
        ..unsafe { core::mem::zeroed() }
    };

    /// The ops table, as a `'static` (the constant is promoted).
    const fn build() -> &'static bindings::proc_ops {
        &Self::OPS
    }

    /// `proc_open`: renders the snapshot and hands it to the open file.
    unsafe extern "C" fn open(
        inode: *mut bindings::inode,
        file: *mut bindings::file,
    ) -> ffi::c_int {
        // SAFETY: procfs calls `proc_open` with the inode of a live entry made
        // by `ProcFile::<T>::new`, whose private data points to its `T`, which
        // outlives the call (see `ProcFile::drop`).
        let data = unsafe { &*bindings::pde_data(inode).cast::<T>() };
        // SAFETY: `file` is the file being opened.
        if unsafe { bindings::file_mode(file) } & bindings::LATTOP_CONST_FMODE_WRITE != 0 {
            return EACCES.to_errno();
        }
        let mut text = SnapshotBuffer {
            bytes: KVVec::new(),
        };
        if let Err(e) = data.render(&mut text) {
            return e.to_errno();
        }
        let snapshot = match KBox::new(text.bytes, GFP_KERNEL) {
            Ok(snapshot) => snapshot,
            Err(_) => return ENOMEM.to_errno(),
        };
        // SAFETY: `file` is the file being opened; `release` takes the box
        // back.
        unsafe { bindings::file_set_private(file, KBox::into_raw(snapshot).cast()) };
        0
    }

    /// `proc_read`: copies from the snapshot at `*pos`.
    unsafe extern "C" fn read(
        file: *mut bindings::file,
        buf: *mut ffi::c_char,
        count: usize,
        pos: *mut bindings::loff_t,
    ) -> isize {
        // SAFETY: `open` stored a live snapshot in this open file, which
        // `release` alone frees, after the last read.
        let snapshot = unsafe { &*bindings::file_private(file).cast::<Snapshot>() };
        // SAFETY: `buf` is the reader's user buffer of `count` bytes, `pos`
        // its offset; simple_read_from_buffer() checks both and copies with
        // copy_to_user().
        unsafe {
            bindings::simple_read_from_buffer(
                buf.cast(),
                count,
                pos,
                snapshot.as_ptr().cast(),
                snapshot.len(),
            )
        }
    }

    /// `proc_release`: frees the snapshot.
    unsafe extern "C" fn release(
        _inode: *mut bindings::inode,
        file: *mut bindings::file,
    ) -> ffi::c_int {
        // SAFETY: `open` stored the box in this file, and procfs releases a
        // file once.
        drop(unsafe { KBox::from_raw(bindings::file_private(file).cast::<Snapshot>()) });
        0
    }
}
