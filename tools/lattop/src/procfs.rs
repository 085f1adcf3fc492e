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

/// <root>/allpids/info, or <root>/allpids/<dir>/info for one process (see
/// [`pid_dir`]).
pub fn info_path(root: &Path, pid: Option<u32>) -> PathBuf {
    let mut path = match pid {
        Some(pid) => pid_dir(root, pid),
        None => root.join(uapi_str(LATTOP_PROC_DIR)),
    };
    path.push(uapi_str(LATTOP_PROC_INFO));
    path
}

/// <root>/allpids/<dir>, the directory of process `pid` as the caller's pid
/// namespace numbers it. The module names its directories by the initial
/// namespace's pids (a module's proc entries are the same in every /proc
/// mount); in a container, the one whose info holds `pid`'s record is
/// found by opening each: those of processes outside the container fail
/// with ENOENT. When none does, <root>/allpids/<pid>, whose errors then
/// tell what is wrong.
pub fn pid_dir(root: &Path, pid: u32) -> PathBuf {
    let dir = root.join(uapi_str(LATTOP_PROC_DIR));
    let named = dir.join(pid.to_string());
    if in_initial_pid_namespace(&dir) || record_pid(&named) == Some(pid) {
        return named;
    }
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return named;
    };
    entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_number)
        })
        .find(|path| record_pid(path) == Some(pid))
        .unwrap_or(named)
}

/// Whether the caller sees the initial pid namespace: there, init's
/// directory (pid 1) opens, or is refused with EACCES; from inside a
/// container it is not there (ENOENT).
fn in_initial_pid_namespace(dir: &Path) -> bool {
    let info = dir.join("1").join(uapi_str(LATTOP_PROC_INFO));
    !matches!(std::fs::File::open(info), Err(e) if e.kind() == io::ErrorKind::NotFound)
}

/// The pid of the process record in `<dir>/info`, if it opens and has one.
fn record_pid(dir: &Path) -> Option<u32> {
    let bytes = std::fs::read(dir.join(uapi_str(LATTOP_PROC_INFO))).ok()?;
    let snapshot = crate::decode::decode(&bytes).ok()?;
    let pid = snapshot.processes.first()?.pid;
    u32::try_from(pid).ok()
}

fn is_number(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit())
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
