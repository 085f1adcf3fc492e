// SPDX-License-Identifier: GPL-2.0

//! /proc/lattop_traces: every call trace the profiler keeps, of every task
//! the reader sees, with each user frame's file and offset; root only, as
//! /proc/lattop. The format is documented in the UAPI header.

use super::{report::Comm, Profiler, TraceEntry, TracesRow};
use crate::sort;
use crate::sys::{
    compat::cstr_text,
    gfp_quiet,
    namespace::View,
    procfs::{kernel_symbol, ProcFile, ProcSnapshot, SnapshotBuffer, SYMBOL_LEN},
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
        let symbols = KernelSymbols::of(&copy.entries)?;
        writeln!(out, "{}", cstr_text(uapi::TRACES_HEADER))?;
        for (number, path) in copy.files.iter() {
            write!(out, "file {} ", number)?;
            write_path(out, path)?;
            writeln!(out)?;
        }
        for row in copy.rows.iter() {
            write_task(out, row)?;
            for entry in copy.entries.get(row.entries.clone()).unwrap_or(&[]) {
                write_trace(out, entry, &symbols)?;
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

fn write_trace(out: &mut SnapshotBuffer, entry: &TraceEntry, symbols: &KernelSymbols) -> Result {
    writeln!(
        out,
        "trace {} {} {}",
        entry.sleeps.total_ns / 1000,
        entry.sleeps.count,
        entry.sleeps.max_ns / 1000
    )?;
    for &frame in entry.trace.kernel() {
        write!(out, "k ")?;
        match symbols.get(frame) {
            Some(text) => out.write_bytes(text)?,
            None => out.kernel_symbol(frame)?,
        }
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

/// The kernel frames' symbols, each looked up once a read: traces share
/// most of their kernel frames, and a kallsyms lookup is most of a frame's
/// cost (1,000 tasks of 32 traces: some 96,000 frames, a few hundred
/// addresses).
struct KernelSymbols {
    /// Each address once, sorted, with where its text is in `text`.
    spans: KVVec<(usize, core::ops::Range<usize>)>,
    text: KVVec<u8>,
}

impl KernelSymbols {
    /// The symbols of every kernel frame of `entries`.
    fn of(entries: &[TraceEntry]) -> Result<Self> {
        let frames = entries.iter().map(|e| e.trace.kernel().len()).sum();
        let mut all = KVVec::with_capacity(frames, gfp_quiet())?;
        for entry in entries {
            all.extend_from_slice(entry.trace.kernel(), gfp_quiet())?;
        }
        // Not core's sort: see crate::sort.
        sort::sort_by_key(&mut all, |&addr| addr);
        let mut symbols = Self {
            spans: KVVec::new(),
            text: KVVec::new(),
        };
        let mut symbol = [0u8; SYMBOL_LEN];
        for (i, &addr) in all.iter().enumerate() {
            if i > 0 && all[i - 1] == addr {
                continue;
            }
            let len = kernel_symbol(addr, &mut symbol);
            let start = symbols.text.len();
            symbols
                .text
                .extend_from_slice(&symbol[..len], gfp_quiet())?;
            symbols
                .spans
                .push((addr, start..start + len), gfp_quiet())?;
        }
        Ok(symbols)
    }

    /// The text of the symbol at `addr`, if it is one of the frames.
    fn get(&self, addr: usize) -> Option<&[u8]> {
        let i = self.spans.binary_search_by_key(&addr, |(a, _)| *a).ok()?;
        self.text.get(self.spans.get(i)?.1.clone())
    }
}
