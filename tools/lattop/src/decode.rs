// SPDX-License-Identifier: GPL-2.0

//! Decodes the binary snapshot of /proc/allpids/info (see
//! include/uapi/linux/lattop.h) into typed values.
//!
//! Every field is read by copying bytes out of the buffer at the offset, and
//! with the width, of the bindgen-generated struct, so the input may have any
//! alignment and a change to the header either carries through or fails to
//! compile. Lengths are checked before any field is read: no input panics.
//!
//! Records grow at the end. A record must hold at least the fields of the
//! first ABI version of its struct ([`PROCESS_RECORD_MIN_LEN`],
//! [`THREAD_RECORD_MIN_LEN`]); a field added since (`run_delay`, `acct`) is read when
//! the record covers all of it, and is all zeros otherwise, as a module built
//! before it would have had nothing to report. Bytes past the struct this
//! build knows are ignored.

use std::mem::{offset_of, size_of, size_of_val};

use crate::abi::{
    lattop_acct as AcctRecord, lattop_delay as DelayRecord, lattop_info_header as Header,
    lattop_latency as LatencyRecord, lattop_process_record as ProcessRecord,
    lattop_record as RecordHeader, lattop_thread_record as ThreadRecord, LATTOP_ABI_VERSION,
    LATTOP_INFO_MAGIC, LATTOP_TAG_PROCESS, LATTOP_TAG_THREAD,
};
use crate::snapshot::{Acct, Delay, Latency, Process, Snapshot, Thread};

mod error;
pub use error::DecodeError;

/// Integers read from native-endian bytes.
pub(crate) trait NativeInt: Sized {
    fn from_bytes(bytes: &[u8]) -> Self;
}

macro_rules! impl_native_int {
    ($($int:ty),*) => {$(
        impl NativeInt for $int {
            fn from_bytes(bytes: &[u8]) -> Self {
                let mut raw = [0; size_of::<$int>()];
                raw.copy_from_slice(bytes);
                <$int>::from_ne_bytes(raw)
            }
        }
    )*};
}
impl_native_int!(u8, u16, u32, u64, i32, i64);

/// Reads an integer like `_like` (used only for its type) at `offset`.
pub(crate) fn read_like<T: NativeInt>(_like: &T, bytes: &[u8], offset: usize) -> T {
    T::from_bytes(&bytes[offset..offset + size_of::<T>()])
}

/// Reads field `$field` of generated struct `$struct` out of `$bytes`, which
/// start at the struct and cover the field (callers check this first: the
/// slice indexing cannot fail then). The field's type, hence its width, is
/// the generated one: a wider field in the header will not compile here.
macro_rules! read_field {
    ($bytes:expr, $struct:ty, $field:ident) => {{
        let template = <$struct>::default();
        $crate::decode::read_like(
            &template.$field,
            $bytes,
            ::core::mem::offset_of!($struct, $field),
        )
    }};
}
pub(crate) use read_field;

/// The bytes of field `$field` (an array or a nested struct) of `$struct`.
macro_rules! field_bytes {
    ($bytes:expr, $struct:ty, $field:ident) => {{
        let template = <$struct>::default();
        let offset = offset_of!($struct, $field);
        &$bytes[offset..offset + size_of_val(&template.$field)]
    }};
}

/// The bytes of field `$field` of `$struct` when `$bytes` (the start of a
/// record, possibly shorter than `$struct`) cover all of it; None when the
/// record ends before the field's end, as one from an older module does.
macro_rules! optional_field_bytes {
    ($bytes:expr, $struct:ty, $field:ident) => {{
        let template = <$struct>::default();
        let offset = offset_of!($struct, $field);
        $bytes.get(offset..offset + size_of_val(&template.$field))
    }};
}

/// The shortest process record this build reads: struct
/// lattop_process_record up to `latency`, as the first ABI version's module
/// wrote it. A record this long has `run_delay` all zeros.
pub const PROCESS_RECORD_MIN_LEN: usize = offset_of!(ProcessRecord, run_delay);

/// The shortest thread record this build reads: struct lattop_thread_record
/// up to `latency`, as for [`PROCESS_RECORD_MIN_LEN`].
pub const THREAD_RECORD_MIN_LEN: usize = offset_of!(ThreadRecord, run_delay);

/// Decodes one whole snapshot, as read from /proc/allpids/info.
pub fn decode(bytes: &[u8]) -> Result<Snapshot, DecodeError> {
    let mut snapshot = decode_header(bytes)?;
    let mut offset = usize::from(snapshot.header_size);
    let mut records_found: u64 = 0;
    while offset < bytes.len() {
        let record = record_at(bytes, offset)?;
        match u32::from(read_field!(record, RecordHeader, tag)) {
            LATTOP_TAG_PROCESS => {
                let known = known_part::<ProcessRecord>(record, offset, PROCESS_RECORD_MIN_LEN)?;
                let process = decode_process(known);
                snapshot.processes.push(process);
            }
            LATTOP_TAG_THREAD => {
                let known = known_part::<ThreadRecord>(record, offset, THREAD_RECORD_MIN_LEN)?;
                let thread = decode_thread(known);
                let Some(process) = snapshot.processes.last_mut() else {
                    let tid = thread.tid;
                    return Err(DecodeError::ThreadBeforeProcess { offset, tid });
                };
                process.threads.push(thread);
            }
            // A tag from a newer ABI: skipped whole, by its length.
            _ => {}
        }
        offset += record.len();
        records_found += 1;
    }
    if records_found != u64::from(snapshot.record_count) {
        return Err(DecodeError::RecordCountMismatch {
            record_count: snapshot.record_count,
            found: records_found,
        });
    }
    Ok(snapshot)
}

/// Checks the header and returns a snapshot with its fields and no process.
fn decode_header(bytes: &[u8]) -> Result<Snapshot, DecodeError> {
    let known_size = size_of::<Header>();
    if bytes.len() < known_size {
        return Err(DecodeError::HeaderTruncated {
            len: bytes.len(),
            need: known_size,
        });
    }
    let magic = read_field!(bytes, Header, magic);
    if magic != LATTOP_INFO_MAGIC {
        return Err(DecodeError::BadMagic { found: magic });
    }
    let abi_version = read_field!(bytes, Header, abi_version);
    if u32::from(abi_version) != LATTOP_ABI_VERSION {
        return Err(DecodeError::UnsupportedVersion { found: abi_version });
    }
    let header_size = read_field!(bytes, Header, header_size);
    if usize::from(header_size) < known_size {
        return Err(DecodeError::HeaderSizeTooSmall {
            header_size,
            need: known_size,
        });
    }
    if !header_size.is_multiple_of(8) {
        return Err(DecodeError::HeaderSizeMisaligned { header_size });
    }
    let total_size = read_field!(bytes, Header, total_size);
    if total_size != bytes.len() as u64 {
        return Err(DecodeError::SizeMismatch {
            total_size,
            len: bytes.len(),
        });
    }
    if usize::from(header_size) > bytes.len() {
        return Err(DecodeError::HeaderPastEnd {
            header_size,
            len: bytes.len(),
        });
    }
    Ok(Snapshot {
        abi_version,
        header_size,
        record_count: read_field!(bytes, Header, record_count),
        flags: read_field!(bytes, Header, flags),
        snapshot_ns: read_field!(bytes, Header, snapshot_ns),
        total_size,
        processes: Vec::new(),
    })
}

/// The whole record starting at `offset`, once its length is checked.
fn record_at(bytes: &[u8], offset: usize) -> Result<&[u8], DecodeError> {
    let rest = &bytes[offset..];
    let header_size = size_of::<RecordHeader>();
    if rest.len() < header_size {
        return Err(DecodeError::RecordTruncated {
            offset,
            need: header_size as u64,
            left: rest.len(),
        });
    }
    let length = read_field!(rest, RecordHeader, length);
    if (length as usize) < header_size || !length.is_multiple_of(8) {
        return Err(DecodeError::RecordLengthInvalid { offset, length });
    }
    rest.get(..length as usize)
        .ok_or(DecodeError::RecordTruncated {
            offset,
            need: u64::from(length),
            left: rest.len(),
        })
}

/// What this build knows of a record: its first size_of::<T>() bytes, or all
/// of it when it is shorter (from an older module) but holds `min_len`, the
/// fields every version has. Bytes past size_of::<T>() are fields of a newer
/// ABI, ignored.
fn known_part<T>(record: &[u8], offset: usize, min_len: usize) -> Result<&[u8], DecodeError> {
    if record.len() < min_len {
        return Err(DecodeError::RecordTooShort {
            offset,
            tag: read_field!(record, RecordHeader, tag),
            length: read_field!(record, RecordHeader, length),
            need: min_len,
        });
    }
    Ok(&record[..record.len().min(size_of::<T>())])
}

fn decode_process(record: &[u8]) -> Process {
    Process {
        pid: read_field!(record, ProcessRecord, pid),
        ppid: read_field!(record, ProcessRecord, ppid),
        uid: read_field!(record, ProcessRecord, uid),
        gid: read_field!(record, ProcessRecord, gid),
        comm: decode_comm(field_bytes!(record, ProcessRecord, comm)),
        state: decode_state(read_field!(record, ProcessRecord, state)),
        nr_threads: read_field!(record, ProcessRecord, nr_threads),
        start_time_ns: read_field!(record, ProcessRecord, start_time_ns),
        utime_ns: read_field!(record, ProcessRecord, utime_ns),
        stime_ns: read_field!(record, ProcessRecord, stime_ns),
        cpu_ns: read_field!(record, ProcessRecord, cpu_ns),
        minflt: read_field!(record, ProcessRecord, minflt),
        majflt: read_field!(record, ProcessRecord, majflt),
        nvcsw: read_field!(record, ProcessRecord, nvcsw),
        nivcsw: read_field!(record, ProcessRecord, nivcsw),
        rss_file: read_field!(record, ProcessRecord, rss_file),
        rss_anon: read_field!(record, ProcessRecord, rss_anon),
        rss_shmem: read_field!(record, ProcessRecord, rss_shmem),
        vsize: read_field!(record, ProcessRecord, vsize),
        nr_fds: read_field!(record, ProcessRecord, nr_fds),
        latency: decode_latency(field_bytes!(record, ProcessRecord, latency)),
        run_delay: optional_field_bytes!(record, ProcessRecord, run_delay)
            .map(decode_latency)
            .unwrap_or_default(),
        acct: optional_field_bytes!(record, ProcessRecord, acct)
            .map(decode_acct)
            .unwrap_or_default(),
        threads: Vec::new(),
    }
}

fn decode_thread(record: &[u8]) -> Thread {
    Thread {
        tid: read_field!(record, ThreadRecord, tid),
        pid: read_field!(record, ThreadRecord, pid),
        comm: decode_comm(field_bytes!(record, ThreadRecord, comm)),
        state: decode_state(read_field!(record, ThreadRecord, state)),
        cpu: read_field!(record, ThreadRecord, cpu),
        prio: read_field!(record, ThreadRecord, prio),
        policy: read_field!(record, ThreadRecord, policy),
        utime_ns: read_field!(record, ThreadRecord, utime_ns),
        stime_ns: read_field!(record, ThreadRecord, stime_ns),
        cpu_ns: read_field!(record, ThreadRecord, cpu_ns),
        nvcsw: read_field!(record, ThreadRecord, nvcsw),
        nivcsw: read_field!(record, ThreadRecord, nivcsw),
        blocked_ns: read_field!(record, ThreadRecord, blocked_ns),
        latency: decode_latency(field_bytes!(record, ThreadRecord, latency)),
        run_delay: optional_field_bytes!(record, ThreadRecord, run_delay)
            .map(decode_latency)
            .unwrap_or_default(),
        acct: optional_field_bytes!(record, ThreadRecord, acct)
            .map(decode_acct)
            .unwrap_or_default(),
    }
}

fn decode_latency(bytes: &[u8]) -> Latency {
    Latency {
        sleeps: read_field!(bytes, LatencyRecord, sleeps),
        total_ns: read_field!(bytes, LatencyRecord, total_ns),
        max_ns: read_field!(bytes, LatencyRecord, max_ns),
    }
}

fn decode_acct(bytes: &[u8]) -> Acct {
    let delay = |bytes: &[u8]| Delay {
        count: read_field!(bytes, DelayRecord, count),
        total_ns: read_field!(bytes, DelayRecord, total_ns),
    };
    Acct {
        groups: read_field!(bytes, AcctRecord, groups),
        cpu: delay(field_bytes!(bytes, AcctRecord, cpu)),
        blkio: delay(field_bytes!(bytes, AcctRecord, blkio)),
        swapin: delay(field_bytes!(bytes, AcctRecord, swapin)),
        freepages: delay(field_bytes!(bytes, AcctRecord, freepages)),
        thrashing: delay(field_bytes!(bytes, AcctRecord, thrashing)),
        compact: delay(field_bytes!(bytes, AcctRecord, compact)),
        wpcopy: delay(field_bytes!(bytes, AcctRecord, wpcopy)),
        irq: delay(field_bytes!(bytes, AcctRecord, irq)),
        read_bytes: read_field!(bytes, AcctRecord, read_bytes),
        write_bytes: read_field!(bytes, AcctRecord, write_bytes),
        cancelled_write_bytes: read_field!(bytes, AcctRecord, cancelled_write_bytes),
        rchar: read_field!(bytes, AcctRecord, rchar),
        wchar: read_field!(bytes, AcctRecord, wchar),
        syscr: read_field!(bytes, AcctRecord, syscr),
        syscw: read_field!(bytes, AcctRecord, syscw),
    }
}

/// A NUL-padded command name: up to its first NUL, invalid UTF-8 replaced.
fn decode_comm(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// The state letter; '?' for a byte that is not a printable ASCII character,
/// so that no output format has to cope with control characters.
fn decode_state(byte: u8) -> char {
    if byte.is_ascii_graphic() {
        char::from(byte)
    } else {
        '?'
    }
}
