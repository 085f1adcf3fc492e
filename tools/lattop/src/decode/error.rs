// SPDX-License-Identifier: GPL-2.0

//! The decoder's errors, each naming the byte offset it is about.

use std::fmt;
use std::mem::offset_of;

use crate::abi::{lattop_info_header as Header, LATTOP_ABI_VERSION, LATTOP_INFO_MAGIC};

/// Why a buffer is not a snapshot this build can read; offsets are bytes from
/// the start of the buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer bytes than the header this build knows.
    HeaderTruncated {
        len: usize,
        need: usize,
    },
    BadMagic {
        found: u32,
    },
    UnsupportedVersion {
        found: u16,
    },
    /// header_size smaller than the header this build knows.
    HeaderSizeTooSmall {
        header_size: u16,
        need: usize,
    },
    /// header_size not a multiple of 8, so the records would be misaligned.
    HeaderSizeMisaligned {
        header_size: u16,
    },
    /// total_size is not the number of bytes read: a short or overlong read.
    SizeMismatch {
        total_size: u64,
        len: usize,
    },
    /// The header claims more bytes than the snapshot holds.
    HeaderPastEnd {
        header_size: u16,
        len: usize,
    },
    /// A record (or its 8-byte record header) runs past the end.
    RecordTruncated {
        offset: usize,
        need: u64,
        left: usize,
    },
    /// A record length under 8 or not a multiple of 8.
    RecordLengthInvalid {
        offset: usize,
        length: u32,
    },
    /// A record shorter than the fields every version of the struct its tag
    /// names has (`need`: decode::PROCESS_RECORD_MIN_LEN or
    /// THREAD_RECORD_MIN_LEN).
    RecordTooShort {
        offset: usize,
        tag: u16,
        length: u32,
        need: usize,
    },
    ThreadBeforeProcess {
        offset: usize,
        tid: i32,
    },
    RecordCountMismatch {
        record_count: u32,
        found: u64,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DecodeError::*;
        match *self {
            HeaderTruncated { len, need } => write!(
                f,
                "snapshot truncated: {len} bytes, shorter than its {need}-byte header"
            ),
            BadMagic { found } => write!(
                f,
                "bad magic {found:#010x} at byte 0 (want {LATTOP_INFO_MAGIC:#010x}): not a lattop snapshot"
            ),
            UnsupportedVersion { found } => write!(
                f,
                "unsupported ABI version {found} at byte {} (this lattop reads version {LATTOP_ABI_VERSION})",
                offset_of!(Header, abi_version)
            ),
            HeaderSizeTooSmall { header_size, need } => write!(
                f,
                "header_size {header_size} at byte {} is smaller than the {need}-byte header",
                offset_of!(Header, header_size)
            ),
            HeaderSizeMisaligned { header_size } => write!(
                f,
                "header_size {header_size} at byte {} is not a multiple of 8",
                offset_of!(Header, header_size)
            ),
            SizeMismatch { total_size, len } => write!(
                f,
                "total_size {total_size} at byte {} does not match the {len} bytes read (truncated read?)",
                offset_of!(Header, total_size)
            ),
            HeaderPastEnd { header_size, len } => write!(
                f,
                "header_size {header_size} at byte {} runs past the {len}-byte snapshot",
                offset_of!(Header, header_size)
            ),
            RecordTruncated { offset, need, left } => write!(
                f,
                "record at byte {offset} truncated: needs {need} bytes, {left} left"
            ),
            RecordLengthInvalid { offset, length } => write!(
                f,
                "record at byte {offset} has length {length}: record lengths are multiples of 8, at least 8"
            ),
            RecordTooShort {
                offset,
                tag,
                length,
                need,
            } => write!(
                f,
                "record at byte {offset} with tag {tag} is {length} bytes, shorter than the {need} bytes every such record has"
            ),
            ThreadBeforeProcess { offset, tid } => write!(
                f,
                "thread record at byte {offset} (tid {tid}) comes before any process record"
            ),
            RecordCountMismatch {
                record_count,
                found,
            } => write!(
                f,
                "record_count {record_count} at byte {} but the snapshot holds {found} records",
                offset_of!(Header, record_count)
            ),
        }
    }
}

impl std::error::Error for DecodeError {}
