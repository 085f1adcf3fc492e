// SPDX-License-Identifier: GPL-2.0

//! /proc/lattop: the latency report, root only (mode 0400: it shows kernel
//! addresses). The format is documented in README.md: a header line, then
//! one line per task, worst first, each followed by its worst call trace.

use super::{task_table::ReportRow, Profiler};
use crate::{
    params,
    sys::{
        compat::cstr_text,
        namespace::View,
        procfs::{ProcFile, ProcSnapshot, SnapshotBuffer},
        task::COMM_LEN,
        uapi,
    },
};
use kernel::{prelude::*, sync::Arc};

/// The report's content: the profiler's table, copied out and formatted.
pub(crate) struct Report {
    profiler: Arc<Profiler>,
}

impl Report {
    /// Creates /proc/lattop; it goes away when the returned file is dropped.
    pub(crate) fn register(profiler: Arc<Profiler>) -> Result<ProcFile<Report>> {
        ProcFile::new(
            uapi::PROC_REPORT,
            0o400,
            Arc::new(Report { profiler }, GFP_KERNEL)?,
        )
    }
}

impl ProcSnapshot for Report {
    fn render(&self, out: &mut SnapshotBuffer) -> Result {
        // Copied under the lock, formatted after it. Rendered at open: the
        // current task is the reader, whose pid namespace the rows are of.
        let rows = self
            .profiler
            .report_rows(params::MAX_ROWS.get() as usize, &View::current())?;
        writeln!(out, "{}", cstr_text(uapi::REPORT_HEADER))?;
        for row in rows.iter() {
            write_row(out, row)?;
        }
        Ok(())
    }
}

fn write_row(out: &mut SnapshotBuffer, row: &ReportRow) -> Result {
    let comm = Comm(row.comm);
    writeln!(
        out,
        "{} {} {} {} {} {}",
        row.tid,
        row.tgid,
        comm,
        row.sleeps.count,
        row.sleeps.total_ns / 1000,
        row.sleeps.max_ns / 1000
    )?;
    let Some(worst) = &row.worst else {
        return Ok(());
    };
    writeln!(
        out,
        "  trace {} {} {}",
        worst.sleeps.total_ns / 1000,
        worst.sleeps.count,
        worst.sleeps.max_ns / 1000
    )?;
    for &frame in worst.trace.kernel() {
        write!(out, "    ")?;
        out.kernel_symbol(frame)?;
        writeln!(out)?;
    }
    for &frame in worst.trace.user() {
        writeln!(out, "    [user] 0x{:x}", frame)?;
    }
    Ok(())
}

/// A task's command name as one white-space-free word: up to its NUL,
/// blanks as `_`, other unprintable bytes as `?`.
pub(super) struct Comm(pub(super) [u8; COMM_LEN]);

impl core::fmt::Display for Comm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for &byte in self.0.iter().take_while(|&&b| b != 0) {
            let c = match byte {
                b' ' | b'\t' => '_',
                0x21..=0x7e => char::from(byte),
                _ => '?',
            };
            core::fmt::Write::write_char(f, c)?;
        }
        Ok(())
    }
}
