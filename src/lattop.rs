// SPDX-License-Identifier: GPL-2.0

//! lattop: a latency profiler and kernel-introspection module.
//!
//! `sys` wraps the kernel APIs the `kernel` crate lacks (all of lattop's
//! `unsafe` is there); the modules above it are safe Rust, one per concern.

use kernel::prelude::*;

mod params;
mod report;
mod sys;

module! {
    type: Lattop,
    name: "lattop",
    author: "The lattop developers",
    description: "Latency profiler and kernel introspection",
    license: "GPL",
}

struct Lattop {
    _report: sys::procfs::ProcFile<report::Report>,
}

impl kernel::Module for Lattop {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let report = report::Report::register()?;
        pr_info!("loaded: /proc/lattop lists up to {} rows\n", params::MAX_ROWS.get());
        Ok(Self { _report: report })
    }
}

impl Drop for Lattop {
    fn drop(&mut self) {
        pr_info!("unloaded\n");
    }
}
