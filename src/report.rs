// SPDX-License-Identifier: GPL-2.0

//! /proc/lattop: the latency report, root only (mode 0400, because it will
//! show kernel addresses). The format is documented in README.md.

use crate::sys::{
    procfs::{ProcFile, ProcShow, SeqOutput},
    uapi,
};
use kernel::{prelude::*, sync::Arc};

/// The report's content.
pub(crate) struct Report;

impl Report {
    /// Creates /proc/lattop; it goes away when the returned file is dropped.
    pub(crate) fn register() -> Result<ProcFile<Report>> {
        ProcFile::new(uapi::PROC_REPORT, 0o400, Arc::new(Report, GFP_KERNEL)?)
    }
}

impl ProcShow for Report {
    fn show(&self, out: &mut SeqOutput<'_>) -> Result {
        writeln!(out, "{}", uapi::REPORT_HEADER)
    }
}
