// SPDX-License-Identifier: GPL-2.0

//! Everything a subcommand can fail with, worded for a one-line message.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::decode::DecodeError;
use crate::procfs::ReadError;
use crate::traces::ParseError;
use crate::watch::WatchError;

#[derive(Debug)]
pub enum CliError {
    Read(ReadError),
    Decode {
        path: PathBuf,
        error: DecodeError,
    },
    Write(io::Error),
    Watch(WatchError),
    /// /proc/lattop_traces (or a saved copy) is not what it should be.
    Traces {
        path: PathBuf,
        error: ParseError,
    },
    /// Options that make no sense together or alone.
    Usage(String),
    /// The terminal could not be driven (`lattop top`).
    Terminal(io::Error),
}

impl CliError {
    /// A closed pipe (`lattop info | head`) is the reader's choice, not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Write(error) if error.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Read(error) => write!(f, "{error}"),
            CliError::Decode { path, error } => write!(f, "{}: {error}", path.display()),
            CliError::Write(error) => write!(f, "writing the output: {error}"),
            CliError::Watch(error) => write!(f, "{error}"),
            CliError::Traces { path, error } => write!(f, "{}: {error}", path.display()),
            CliError::Usage(what) => write!(f, "{what}"),
            CliError::Terminal(error) => write!(f, "the terminal: {error}"),
        }
    }
}

impl std::error::Error for CliError {}

impl From<ReadError> for CliError {
    fn from(error: ReadError) -> Self {
        CliError::Read(error)
    }
}

impl From<WatchError> for CliError {
    fn from(error: WatchError) -> Self {
        match error {
            // The output's failure, whichever subcommand wrote it: a closed
            // pipe is then no failure either.
            WatchError::Write(error) => CliError::Write(error),
            error => CliError::Watch(error),
        }
    }
}

impl From<io::Error> for CliError {
    fn from(error: io::Error) -> Self {
        CliError::Write(error)
    }
}
