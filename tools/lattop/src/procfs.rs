// SPDX-License-Identifier: GPL-2.0

//! Where the snapshot files are, and reading one in full.

use std::ffi::CStr;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::abi::{LATTOP_PROC_DIR, LATTOP_PROC_INFO};

/// Names the directory standing in for /proc, so that tests can point the CLI
/// at a canned tree.
pub const PROC_ROOT_ENV: &str = "LATTOP_PROC";

/// ESRCH from asm-generic/errno-base.h: what opening a process's info file
/// returns once the process is gone. std has no ErrorKind for it.
const ESRCH: i32 = 3;

/// $LATTOP_PROC, or /proc when it is unset or empty.
pub fn proc_root() -> PathBuf {
    match std::env::var_os(PROC_ROOT_ENV) {
        Some(root) if !root.is_empty() => PathBuf::from(root),
        _ => PathBuf::from("/proc"),
    }
}

/// <root>/allpids/info, or <root>/allpids/<pid>/info for one process.
pub fn info_path(root: &Path, pid: Option<u32>) -> PathBuf {
    let mut path = root.join(uapi_str(LATTOP_PROC_DIR));
    if let Some(pid) = pid {
        path.push(pid.to_string());
    }
    path.push(uapi_str(LATTOP_PROC_INFO));
    path
}

/// A name the UAPI header defines, as bindgen gives it: NUL-terminated bytes.
pub(crate) fn uapi_str(name: &'static [u8]) -> &'static str {
    CStr::from_bytes_with_nul(name)
        .ok()
        .and_then(|name| name.to_str().ok())
        .expect("the UAPI header's names are ASCII strings")
}

/// A snapshot file that could not be read.
#[derive(Debug)]
pub struct ReadError {
    pub path: PathBuf,
    pub error: io::Error,
    /// Said instead of the OS error when it is more to the point.
    pub explanation: Option<&'static str>,
    /// Added after the OS error: the likely cause.
    pub hint: Option<&'static str>,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.path.display())?;
        match self.explanation {
            Some(explanation) => write!(f, "{explanation}")?,
            None => write!(f, "{}", os_message(&self.error))?,
        }
        if let Some(hint) = self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ReadError {}

/// Reads the snapshot of one process (`pid`) or of all, in full: the module
/// takes the snapshot at open and serves it until close, so one open and
/// reads to EOF see one consistent snapshot.
pub fn read_snapshot(root: &Path, pid: Option<u32>) -> Result<(PathBuf, Vec<u8>), ReadError> {
    let path = info_path(root, pid);
    match std::fs::read(&path) {
        Ok(bytes) => Ok((path, bytes)),
        Err(error) => {
            let (explanation, hint) = explain(root, pid, &error);
            Err(ReadError {
                path,
                error,
                explanation,
                hint,
            })
        }
    }
}

/// What a failure to read most likely means, beyond the OS's words.
fn explain(
    root: &Path,
    pid: Option<u32>,
    error: &io::Error,
) -> (Option<&'static str>, Option<&'static str>) {
    const NO_PROCESS: Option<&str> = Some("no such process");
    if error.raw_os_error() == Some(ESRCH) {
        return (NO_PROCESS, None);
    }
    if error.kind() != io::ErrorKind::NotFound {
        return (None, None);
    }
    if pid.is_some() && root.join(uapi_str(LATTOP_PROC_DIR)).is_dir() {
        // The module is there; it is the process that is not.
        (NO_PROCESS, None)
    } else {
        (None, Some("is the lattop module loaded?"))
    }
}

/// The OS's message without std's " (os error N)" suffix.
pub(crate) fn os_message(error: &io::Error) -> String {
    let message = error.to_string();
    match message.rfind(" (os error ") {
        Some(suffix) => message[..suffix].to_string(),
        None => message,
    }
}
