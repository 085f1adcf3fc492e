// SPDX-License-Identifier: GPL-2.0

//! lattop's CLI: reads the kernel module's binary snapshots and prints them,
//! watches its threshold notifiers, and reports the profiler's call traces.
//! A library, with one module per concern, so that the tests reach the
//! decoder and the output formats and more subcommands can share them.

pub mod abi;
pub mod decode;
pub mod errno;
pub mod error;
pub mod info;
pub mod procfs;
pub mod report;
pub mod snapshot;
pub mod symbolize;
pub mod top;
pub mod traces;
pub mod watch;
