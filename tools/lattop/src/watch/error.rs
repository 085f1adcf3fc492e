// SPDX-License-Identifier: GPL-2.0

//! Why `lattop watch` stopped short, worded for a one-line message.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::abi::{LATTOP_RESOURCE_CPU_USAGE, LATTOP_RESOURCE_SLEEP_LATENCY};
use crate::errno;

use super::args::{resource_name, THRESHOLD_SIZE};
use super::event::EVENT_SIZE;

/// Why watching stopped short.
#[derive(Debug)]
pub enum WatchError {
    Open {
        path: PathBuf,
        error: io::Error,
    },
    Arm {
        path: PathBuf,
        error: io::Error,
    },
    /// write() took fewer bytes than a whole threshold.
    ShortWrite {
        path: PathBuf,
        written: usize,
    },
    Read {
        path: PathBuf,
        error: io::Error,
    },
    /// read() returned bytes that are not a whole number of events.
    PartialEvent {
        path: PathBuf,
        length: usize,
    },
    /// poll() said POLLERR or POLLNVAL.
    PollError {
        path: PathBuf,
        revents: i16,
    },
    /// poll() said POLLHUP, yet read() found neither an event nor the end.
    HangupWithoutEnd {
        path: PathBuf,
    },
    /// A system call other than on the notifier file failed.
    Os {
        call: &'static str,
        error: io::Error,
    },
    /// Writing the output failed: an event's or a signal's line on stdout,
    /// or the "watching" line on stderr.
    Write(io::Error),
}

impl fmt::Display for WatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let describe = errno::describe;
        match self {
            WatchError::Open { path, error } => {
                write!(f, "cannot open {}: {}", path.display(), describe(error))?;
                if error.kind() == io::ErrorKind::NotFound {
                    write!(f, " (is lattop loaded, and is the process alive?)")?;
                }
                Ok(())
            }
            WatchError::Arm { path, error } => {
                write!(f, "cannot arm {}: {}", path.display(), describe(error))?;
                match error.raw_os_error() {
                    Some(libc::EINVAL) => write!(
                        f,
                        " ({} needs --window; no other resource takes one; {} takes no --present)",
                        resource_name(LATTOP_RESOURCE_CPU_USAGE),
                        resource_name(LATTOP_RESOURCE_SLEEP_LATENCY)
                    ),
                    Some(libc::ESRCH) => write!(f, " (the process has exited)"),
                    Some(libc::EPERM) => write!(
                        f,
                        " (anypid and allpids thresholds are armed from the initial pid \
                         namespace, not from a container)"
                    ),
                    Some(libc::EDQUOT) => {
                        write!(f, " (too many thresholds: see max_thresholds_per_user)")
                    }
                    _ => Ok(()),
                }
            }
            WatchError::ShortWrite { path, written } => write!(
                f,
                "cannot arm {}: write() took {written} of {THRESHOLD_SIZE} bytes",
                path.display()
            ),
            WatchError::Read { path, error } => {
                write!(f, "cannot read {}: {}", path.display(), describe(error))
            }
            WatchError::PartialEvent { path, length } => write!(
                f,
                "{}: read() returned {length} bytes, not whole {EVENT_SIZE}-byte events",
                path.display()
            ),
            WatchError::PollError { path, revents } => write!(
                f,
                "{}: poll() reported an error (revents {revents:#x})",
                path.display()
            ),
            WatchError::HangupWithoutEnd { path } => write!(
                f,
                "{}: poll() reported POLLHUP but read() found no end of file",
                path.display()
            ),
            WatchError::Os { call, error } => write!(f, "{call}: {}", describe(error)),
            WatchError::Write(error) => write!(f, "writing the output: {error}"),
        }
    }
}

impl std::error::Error for WatchError {}
