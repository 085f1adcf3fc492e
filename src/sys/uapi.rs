// SPDX-License-Identifier: GPL-2.0

//! lattop's user ABI, from `include/uapi/linux/lattop.h` through bindgen:
//! the header's string macros as `CStr`s.

use super::{bindings, layout::assert_size};
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
/// The name of the all-traces file under /proc.
pub(crate) const PROC_TRACES: &CStr = uapi_str(bindings::LATTOP_PROC_TRACES);
/// The first line of the all-traces file.
pub(crate) const TRACES_HEADER: &CStr = uapi_str(bindings::LATTOP_TRACES_HEADER);
/// The name of the module's counters under /proc.
pub(crate) const PROC_STATS: &CStr = uapi_str(bindings::LATTOP_PROC_STATS);

/// /proc/allpids: the directory of the bulk-transfer files.
pub(crate) const PROC_DIR: &CStr = uapi_str(bindings::LATTOP_PROC_DIR);
/// The name of a bulk-transfer file in it.
pub(crate) const PROC_INFO: &CStr = uapi_str(bindings::LATTOP_PROC_INFO);

pub(crate) use bindings::{
    lattop_info_header as InfoHeader, lattop_latency as Latency,
    lattop_process_record as ProcessRecord, lattop_record as RecordHeader,
    lattop_thread_record as ThreadRecord, LATTOP_ABI_VERSION as ABI_VERSION,
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
    /// `bytes` as a `Self`, to fill in place: `None` unless they are
    /// exactly its size and aligned for it.
    fn from_bytes_mut(bytes: &mut [u8]) -> Option<&mut Self> {
        let ptr = bytes.as_mut_ptr().cast::<Self>();
        if bytes.len() != core::mem::size_of::<Self>() || !ptr.is_aligned() {
            return None;
        }
        // Any bytes are a valid `Self`: integers without padding, the
        // trait's safety contract.
        // SAFETY: `bytes` is valid for reads and writes of a `Self` (its
        // size, aligned for it), borrowed for the result's lifetime.
        let this = unsafe { &mut *ptr };
        Some(this)
    }

    /// Its bytes, as user space reads them.
    fn as_bytes(&self) -> &[u8] {
        // SAFETY: `self` is valid for its size, every byte of which is
        // initialised (the trait's safety contract).
        unsafe {
            core::slice::from_raw_parts(
                core::ptr::from_ref(self).cast::<u8>(),
                core::mem::size_of::<Self>(),
            )
        }
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

// Records are whole 8-byte words.
const _: () = assert!(record_size::<ProcessRecord>() > 0);
const _: () = assert!(record_size::<ThreadRecord>() > 0);

/// /proc/anypid: the directory of the notifier files applied to each process.
pub(crate) const PROC_ANYPID: &CStr = uapi_str(bindings::LATTOP_PROC_ANYPID);
/// The notifier directory, in /proc/anypid, /proc/allpids and each
/// /proc/allpids/<pid>.
pub(crate) const PROC_NOTIFIER: &CStr = uapi_str(bindings::LATTOP_PROC_NOTIFIER);
/// Events a threshold queues at most.
pub(crate) const EVENT_QUEUE_LEN: usize = bindings::LATTOP_EVENT_QUEUE_LEN as usize;

pub(crate) use bindings::{lattop_event as Event, lattop_threshold as ThresholdRequest};

/// `struct lattop_threshold`'s flags.
pub(crate) const THRESHOLD_LEVEL: u32 = bindings::LATTOP_THRESHOLD_LEVEL;
pub(crate) const THRESHOLD_UP: u32 = bindings::LATTOP_THRESHOLD_UP;
pub(crate) const THRESHOLD_DOWN: u32 = bindings::LATTOP_THRESHOLD_DOWN;
pub(crate) const THRESHOLD_ONESHOT: u32 = bindings::LATTOP_THRESHOLD_ONESHOT;
pub(crate) const THRESHOLD_PRESENT: u32 = bindings::LATTOP_THRESHOLD_PRESENT;
pub(crate) const SLEEP_FIRINGS_PER_PERIOD: usize =
    bindings::LATTOP_SLEEP_FIRINGS_PER_PERIOD as usize;

/// `enum lattop_delivery`.
pub(crate) const DELIVER_POLL: u32 = bindings::lattop_delivery_LATTOP_DELIVER_POLL;
pub(crate) const DELIVER_EVENTFD: u32 = bindings::lattop_delivery_LATTOP_DELIVER_EVENTFD;
pub(crate) const DELIVER_SIGNAL: u32 = bindings::lattop_delivery_LATTOP_DELIVER_SIGNAL;

/// `enum lattop_event_kind`.
pub(crate) const EVENT_CROSSED: u32 = bindings::lattop_event_kind_LATTOP_EVENT_CROSSED;
pub(crate) const EVENT_EXITED: u32 = bindings::lattop_event_kind_LATTOP_EVENT_EXITED;

/// `enum lattop_resource`.
pub(crate) mod resource {
    use super::bindings;
    pub(crate) const MEMORY_USAGE: u32 = bindings::lattop_resource_LATTOP_RESOURCE_MEMORY_USAGE;
    pub(crate) const SHM_USAGE: u32 = bindings::lattop_resource_LATTOP_RESOURCE_SHM_USAGE;
    pub(crate) const FD_COUNT: u32 = bindings::lattop_resource_LATTOP_RESOURCE_FD_COUNT;
    pub(crate) const THREAD_COUNT: u32 = bindings::lattop_resource_LATTOP_RESOURCE_THREAD_COUNT;
    pub(crate) const CPU_USAGE: u32 = bindings::lattop_resource_LATTOP_RESOURCE_CPU_USAGE;
    pub(crate) const SLEEP_LATENCY: u32 = bindings::lattop_resource_LATTOP_RESOURCE_SLEEP_LATENCY;
    pub(crate) const BLOCKED_TIME: u32 = bindings::lattop_resource_LATTOP_RESOURCE_BLOCKED_TIME;
    pub(crate) const PROCESS_COUNT: u32 = bindings::lattop_resource_LATTOP_RESOURCE_PROCESS_COUNT;

    use super::uapi_str;
    use kernel::str::CStr;
    /// Each resource's notifier file.
    pub(crate) const NAME_MEMORY_USAGE: &CStr =
        uapi_str(bindings::LATTOP_RESOURCE_NAME_MEMORY_USAGE);
    pub(crate) const NAME_SHM_USAGE: &CStr = uapi_str(bindings::LATTOP_RESOURCE_NAME_SHM_USAGE);
    pub(crate) const NAME_FD_COUNT: &CStr = uapi_str(bindings::LATTOP_RESOURCE_NAME_FD_COUNT);
    pub(crate) const NAME_THREAD_COUNT: &CStr =
        uapi_str(bindings::LATTOP_RESOURCE_NAME_THREAD_COUNT);
    pub(crate) const NAME_CPU_USAGE: &CStr = uapi_str(bindings::LATTOP_RESOURCE_NAME_CPU_USAGE);
    pub(crate) const NAME_SLEEP_LATENCY: &CStr =
        uapi_str(bindings::LATTOP_RESOURCE_NAME_SLEEP_LATENCY);
    pub(crate) const NAME_BLOCKED_TIME: &CStr =
        uapi_str(bindings::LATTOP_RESOURCE_NAME_BLOCKED_TIME);
    pub(crate) const NAME_PROCESS_COUNT: &CStr =
        uapi_str(bindings::LATTOP_RESOURCE_NAME_PROCESS_COUNT);
}

// SAFETY: integers only, no padding (checked below).
unsafe impl UapiStruct for Event {}
// SAFETY: integers only, no padding (checked below): any bytes are a value.
unsafe impl super::compat::FromBytes for ThresholdRequest {}
// SAFETY: integers only, no padding (checked below): every byte is initialised.
unsafe impl super::compat::AsBytes for Event {}

const _: () = assert!(record_size::<Event>() > 0);

// No padding: GCC has none in any struct of the header (src/layout.c
// compiles it with -Wpadded as an error), so each of its sizes is the sum
// of the fields; bindgen's sizes are GCC's, so bindgen's layouts have no
// padding either, and every field sits at the same offset, the sum of the
// fields before it, in both.
assert_size!(
    InfoHeader,
    LATTOP_INFO_HEADER_SIZE,
    LATTOP_INFO_HEADER_ALIGN
);
assert_size!(RecordHeader, LATTOP_RECORD_SIZE, LATTOP_RECORD_ALIGN);
assert_size!(Latency, LATTOP_LATENCY_SIZE, LATTOP_LATENCY_ALIGN);
assert_size!(
    ProcessRecord,
    LATTOP_PROCESS_RECORD_SIZE,
    LATTOP_PROCESS_RECORD_ALIGN
);
assert_size!(
    ThreadRecord,
    LATTOP_THREAD_RECORD_SIZE,
    LATTOP_THREAD_RECORD_ALIGN
);
assert_size!(
    ThresholdRequest,
    LATTOP_THRESHOLD_SIZE,
    LATTOP_THRESHOLD_ALIGN
);
assert_size!(Event, LATTOP_EVENT_SIZE, LATTOP_EVENT_ALIGN);
