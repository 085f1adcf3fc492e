// SPDX-License-Identifier: GPL-2.0

//! /proc/lattop_traces: every call trace the profiler keeps, of every task
//! the reader sees, with each user frame's file and offset; root only, as
//! /proc/lattop. The format is documented in the UAPI header.

use super::{report::Comm, Profiler, TraceEntry, TracesRow};
use crate::sys::{
    namespace::View,
    procfs::{ProcFile, ProcSnapshot, SnapshotBuffer},
    uapi,
};
use kernel::{prelude::*, sync::Arc};

/// The file's content: the profiler's traces, copied out and formatted.
pub(crate) struct TracesFile {
    profiler: Arc<Profiler>,
}

impl TracesFile {
    /// Creates /proc/lattop_traces; it goes away when the returned file is
    /// dropped.
    pub(crate) fn register(profiler: Arc<Profiler>) -> Result<ProcFile<TracesFile>> {
        ProcFile::new(
            uapi::PROC_TRACES,
            0o400,
            Arc::new(TracesFile { profiler }, GFP_KERNEL)?,
        )
    }
}

impl ProcSnapshot for TracesFile {
    fn render(&self, out: &mut SnapshotBuffer) -> Result {
        // Copied under the lock, formatted (symbols looked up) after it.
        // Rendered at open, by the reader, whose pid namespace it is.
        let copy = self.profiler.all_traces(&View::current())?;
        writeln!(out, "{}", uapi::TRACES_HEADER)?;
        for (number, path) in copy.files.iter() {
            write!(out, "file {} ", number)?;
            write_path(out, path)?;
            writeln!(out)?;
        }
        for row in copy.rows.iter() {
            write_task(out, row)?;
            for entry in copy.entries.get(row.entries.clone()).unwrap_or(&[]) {
                write_trace(out, entry)?;
            }
        }
        Ok(())
    }
}

/// Writes `path` with its control bytes and backslashes as `\ooo` octal
/// escapes (as /proc/mounts does), so that it stays on its line.
fn write_path(out: &mut SnapshotBuffer, path: &[u8]) -> Result {
    for chunk in path.split_inclusive(|&b| needs_escape(b)) {
        match chunk.split_last() {
            Some((&last, rest)) if needs_escape(last) => {
                out.write_bytes(rest)?;
                write!(out, "\\{:03o}", last)?;
            }
            _ => out.write_bytes(chunk)?,
        }
    }
    Ok(())
}

fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == 0x7f || byte == b'\\'
}

fn write_task(out: &mut SnapshotBuffer, row: &TracesRow) -> Result {
    writeln!(
        out,
        "task {} {} {} {} {} {} {} {}",
        row.tid,
        row.tgid,
        Comm(row.comm),
        if row.kernel_thread { "kernel" } else { "user" },
        if row.exited { "exited" } else { "live" },
        row.sleeps.count,
        row.sleeps.total_ns / 1000,
        row.sleeps.max_ns / 1000
    )?;
    Ok(())
}

fn write_trace(out: &mut SnapshotBuffer, entry: &TraceEntry) -> Result {
    writeln!(
        out,
        "trace {} {} {}",
        entry.sleeps.total_ns / 1000,
        entry.sleeps.count,
        entry.sleeps.max_ns / 1000
    )?;
    for &frame in entry.trace.kernel() {
        write!(out, "k ")?;
        out.kernel_symbol(frame)?;
        writeln!(out)?;
    }
    for (&frame, file) in entry.trace.user().iter().zip(entry.user_files.iter()) {
        match file.get() {
            Some((number, offset)) => writeln!(out, "u 0x{:x} {} 0x{:x}", frame, number, offset)?,
            None => writeln!(out, "u 0x{:x} - -", frame)?,
        }
    }
    Ok(())
}
