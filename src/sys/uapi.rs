// SPDX-License-Identifier: GPL-2.0

//! lattop's user ABI, from `include/uapi/linux/lattop.h` through bindgen:
//! the header's string macros as `CStr`s.

use super::bindings;
use kernel::str::CStr;

/// A bindgen'd string macro (bytes with their NUL) as a `CStr`, at compile time.
const fn uapi_str(bytes: &'static [u8]) -> &'static CStr {
    match CStr::from_bytes_with_nul(bytes) {
        Ok(s) => s,
        Err(_) => panic!("a UAPI string macro is not one NUL-terminated string"),
    }
}

/// The name of the report under /proc.
pub(crate) const PROC_REPORT: &CStr = uapi_str(bindings::LATTOP_PROC_REPORT);
/// The first line of the report.
pub(crate) const REPORT_HEADER: &CStr = uapi_str(bindings::LATTOP_REPORT_HEADER);

/// /proc/allpids: the directory of the bulk-transfer files.
pub(crate) const PROC_DIR: &CStr = uapi_str(bindings::LATTOP_PROC_DIR);
/// The name of a bulk-transfer file in it.
pub(crate) const PROC_INFO: &CStr = uapi_str(bindings::LATTOP_PROC_INFO);

pub(crate) use bindings::{
    lattop_info_header as InfoHeader, lattop_latency as Latency, lattop_process_record as ProcessRecord,
    lattop_record as RecordHeader, lattop_thread_record as ThreadRecord, LATTOP_ABI_VERSION as ABI_VERSION,
    LATTOP_INFO_MAGIC as INFO_MAGIC,
};
/// Record tags.
pub(crate) const TAG_PROCESS: u16 = bindings::lattop_record_tag_LATTOP_TAG_PROCESS as u16;
pub(crate) const TAG_THREAD: u16 = bindings::lattop_record_tag_LATTOP_TAG_THREAD as u16;

/// A UAPI struct that goes to user space as its bytes.
///
/// # Safety
///
/// Implementors are `repr(C)` structs of integers and integer arrays whose
/// fields leave no padding (the header spells every pad out), so all their
/// bytes are initialised; their size is a multiple of 8, as records must be.
pub(crate) unsafe trait UapiStruct: Sized {
    /// Its bytes, as user space reads them.
    fn as_bytes(&self) -> &[u8] {
        // SAFETY: `self` is valid for its size, every byte of which is
        // initialised (the trait's safety contract).
        unsafe { core::slice::from_raw_parts(core::ptr::from_ref(self).cast::<u8>(), core::mem::size_of::<Self>()) }
    }
}

/// The size of a UAPI struct, checked to be a multiple of 8 at compile time.
const fn record_size<T>() -> usize {
    let size = core::mem::size_of::<T>();
    assert!(size % 8 == 0, "a UAPI record's size is not a multiple of 8");
    size
}

// SAFETY: all `__u32`/`__u16`/`__u64` fields, naturally aligned, no padding.
unsafe impl UapiStruct for InfoHeader {}
// SAFETY: integers and arrays with explicit pads (see lattop.h).
unsafe impl UapiStruct for ProcessRecord {}
// SAFETY: integers and arrays with explicit pads (see lattop.h).
unsafe impl UapiStruct for ThreadRecord {}

// No padding: each struct is exactly the sum of its fields (checked where
// the sums can be spelled), and records are whole 8-byte words.
const _: () = assert!(core::mem::size_of::<InfoHeader>() == 32);
const _: () = assert!(record_size::<ProcessRecord>() == 8 + 4 * 4 + 16 + 4 + 4 + 8 * 12 + 4 + 4 + 24);
const _: () = assert!(record_size::<ThreadRecord>() == 8 + 4 + 4 + 16 + 4 + 4 + 4 + 4 + 8 * 6 + 24);
