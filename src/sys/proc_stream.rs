// SPDX-License-Identifier: GPL-2.0

//! /proc files that are channels rather than content: each open file has a
//! session of its own that user space writes requests to and reads
//! messages from, and polls. Not seekable (`stream_open()`).
//!
//! A session lives from open to release. procfs calls release for every
//! open file when the entry is removed (rmmod), even while user space still
//! holds the file; calls after that get EIO from procfs without reaching
//! us. A read blocked in our op would stall that removal, so the owner must
//! wake and end its sessions before it removes the entry (the notifier's
//! `shut_down`, at unload).

use super::{
    bindings,
    layout::assert_offset,
    procfs::{ProcDir, ProcEntry},
    wait::PollTable,
};
use core::marker::PhantomData;
use kernel::{
    ffi,
    prelude::*,
    str::CStr,
    sync::Arc,
    uaccess::{UserSlice, UserSliceReader, UserSliceWriter},
};

/// What a stream /proc file does.
pub(crate) trait ProcStream: Send + Sync + 'static {
    /// One open file's state.
    type Session: Send + Sync;

    /// Process context, at open.
    fn open(&self) -> Result<Self::Session>;

    /// Takes `input` (all of one write() call); returns the bytes consumed.
    fn write(&self, session: &Self::Session, input: UserSliceReader) -> Result<usize>;

    /// Fills `out` (one read() call's buffer); returns the bytes written.
    /// `nonblock`: the file is O_NONBLOCK.
    fn read(&self, session: &Self::Session, out: UserSliceWriter, nonblock: bool) -> Result<usize>;

    /// Registers `table` on the session's wait queue and returns its poll
    /// events (`EPOLL*` bits).
    fn poll(&self, session: &Self::Session, table: &PollTable) -> u32;
}

/// A stream /proc file served by a `T`. Dropping it removes the file.
pub(crate) struct StreamFile<T: ProcStream> {
    /// First: the entry is removed before the data it points to goes.
    _entry: ProcEntry,
    _data: Arc<T>,
}

impl<T: ProcStream> StreamFile<T> {
    /// Creates `name` with permission bits `mode` in `parent`.
    pub(crate) fn new_in(
        parent: &Arc<ProcDir>,
        name: &CStr,
        mode: u16,
        data: Arc<T>,
    ) -> Result<Self> {
        let private: *const T = &*data;
        // SAFETY: `StreamOps::<T>` takes the private data for a `T`; `Self`
        // keeps `data` until the entry is removed.
        let entry = unsafe {
            ProcEntry::create(
                name,
                mode,
                Some(parent.clone()),
                StreamOps::<T>::build(),
                private.cast(),
            )
        }?;
        Ok(Self {
            _entry: entry,
            _data: data,
        })
    }
}

// The fields named below; the size is asserted in procfs.rs.
assert_offset!(bindings::proc_ops, proc_open, PROC_OPS_PROC_OPEN);
assert_offset!(bindings::proc_ops, proc_read, PROC_OPS_PROC_READ);
assert_offset!(bindings::proc_ops, proc_write, PROC_OPS_PROC_WRITE);
assert_offset!(bindings::proc_ops, proc_poll, PROC_OPS_PROC_POLL);
assert_offset!(bindings::proc_ops, proc_release, PROC_OPS_PROC_RELEASE);

/// The `proc_ops` of a [`StreamFile<T>`]; `file->private_data` owns a
/// `KBox<T::Session>`.
struct StreamOps<T>(PhantomData<T>);

impl<T: ProcStream> StreamOps<T> {
    const OPS: bindings::proc_ops = bindings::proc_ops {
        proc_open: Some(Self::open),
        proc_read: Some(Self::read),
        proc_write: Some(Self::write),
        proc_poll: Some(Self::poll),
        proc_release: Some(Self::release),
        // SAFETY: every other field is a flag word or an optional function
        // pointer, for which all-zero means "none".
        ..unsafe { core::mem::zeroed() }
    };

    const fn build() -> &'static bindings::proc_ops {
        &Self::OPS
    }

    /// The `T` and the session of an open file.
    ///
    /// # Safety
    ///
    /// `file` must be an open file of a live `StreamFile<T>`, between its
    /// `open` and `release`.
    unsafe fn parts<'a>(file: *mut bindings::file) -> (&'a T, &'a T::Session) {
        // SAFETY: the entry's private data is its `T` (see `StreamFile::new_in`),
        // alive while procfs calls our ops; `open` stored the session, which
        // only `release` frees.
        unsafe {
            let data = &*bindings::pde_data(bindings::file_inode(file)).cast::<T>();
            let session = &*bindings::file_private(file).cast::<T::Session>();
            (data, session)
        }
    }

    unsafe extern "C" fn open(
        inode: *mut bindings::inode,
        file: *mut bindings::file,
    ) -> ffi::c_int {
        // SAFETY: procfs calls `proc_open` with a live entry of ours.
        let data = unsafe { &*bindings::pde_data(inode).cast::<T>() };
        let session = match data
            .open()
            .and_then(|s| KBox::new(s, GFP_KERNEL).map_err(Into::into))
        {
            Ok(session) => session,
            Err(e) => return e.to_errno(),
        };
        // SAFETY: `file` is being opened: not seekable, no positions.
        unsafe { bindings::stream_open(inode, file) };
        // SAFETY: `release` takes the box back.
        unsafe { bindings::file_set_private(file, KBox::into_raw(session).cast()) };
        0
    }

    unsafe extern "C" fn read(
        file: *mut bindings::file,
        buf: *mut ffi::c_char,
        count: usize,
        _pos: *mut bindings::loff_t,
    ) -> isize {
        // SAFETY: procfs calls `proc_read` on an open file of ours.
        let (data, session) = unsafe { Self::parts(file) };
        // SAFETY: `file` is open.
        let nonblock =
            unsafe { bindings::file_flags(file) } & bindings::LATTOP_CONST_O_NONBLOCK != 0;
        let out = UserSlice::new(super::compat::user_ptr(buf as usize), count).writer();
        match data.read(session, out, nonblock) {
            Ok(n) => n as isize,
            Err(e) => e.to_errno() as isize,
        }
    }

    unsafe extern "C" fn write(
        file: *mut bindings::file,
        buf: *const ffi::c_char,
        count: usize,
        _pos: *mut bindings::loff_t,
    ) -> isize {
        // SAFETY: procfs calls `proc_write` on an open file of ours.
        let (data, session) = unsafe { Self::parts(file) };
        let input = UserSlice::new(super::compat::user_ptr(buf as usize), count).reader();
        match data.write(session, input) {
            Ok(n) => n as isize,
            Err(e) => e.to_errno() as isize,
        }
    }

    unsafe extern "C" fn poll(
        file: *mut bindings::file,
        table: *mut bindings::poll_table_struct,
    ) -> ffi::c_uint {
        // SAFETY: procfs calls `proc_poll` on an open file of ours.
        let (data, session) = unsafe { Self::parts(file) };
        // SAFETY: these are the arguments of this running poll op.
        let table = unsafe { PollTable::new(file, table) };
        data.poll(session, &table)
    }

    unsafe extern "C" fn release(
        _inode: *mut bindings::inode,
        file: *mut bindings::file,
    ) -> ffi::c_int {
        // SAFETY: `open` stored the box in this file, and procfs releases a
        // file once.
        drop(unsafe { KBox::from_raw(bindings::file_private(file).cast::<T::Session>()) });
        0
    }
}
