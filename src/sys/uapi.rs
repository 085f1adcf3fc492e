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
