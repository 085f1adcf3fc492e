// SPDX-License-Identifier: GPL-2.0

//! lattop's CLI: reads the kernel module's binary snapshots and prints them,
//! and watches its threshold notifiers.
//! A library, with one module per concern, so that the tests reach the
//! decoder and the output formats and more subcommands can share them.

pub mod abi;
pub mod decode;
pub mod errno;
pub mod error;
pub mod info;
pub mod procfs;
pub mod snapshot;
pub mod watch;
