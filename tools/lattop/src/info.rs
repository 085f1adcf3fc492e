// SPDX-License-Identifier: GPL-2.0

//! `lattop info`: one snapshot, printed as a table or as JSON.

use std::io::{self, BufWriter, Write};

use clap::Args;

use crate::abi::{
    LATTOP_ACCT_CPU_DELAY, LATTOP_ACCT_DELAYS, LATTOP_ACCT_IO_CALLS, LATTOP_ACCT_IO_STORAGE,
    LATTOP_PROC_DIR, LATTOP_PROC_INFO,
};
use crate::decode::decode;
use crate::error::CliError;
use crate::procfs::{proc_root, read_snapshot, uapi_str};
use crate::snapshot::{Acct, Delay, Process, Snapshot, Thread};

// Macros rather than consts so that the help text can concat! them.
macro_rules! process_header {
    () => {
        "PID PPID UID STATE THREADS FDS RSS_KB VSIZE_KB UTIME_MS STIME_MS SLEEPS SLEEP_TOTAL_US SLEEP_MAX_US RUNQ_WAITS RUNQ_TOTAL_US RUNQ_MAX_US COMM"
    };
}
macro_rules! thread_header {
    () => {
        "TID STATE CPU PRIO POLICY UTIME_MS STIME_MS NVCSW NIVCSW BLOCKED_MS SLEEPS SLEEP_TOTAL_US SLEEP_MAX_US RUNQ_WAITS RUNQ_TOTAL_US RUNQ_MAX_US COMM"
    };
}

/// --delays: the kernel's accounting, one column pair per kind of delay.
macro_rules! delays_columns {
    () => {
        "CPU_RUNS CPU_WAIT_US BLKIO BLKIO_US SWAPIN SWAPIN_US RECLAIM RECLAIM_US THRASH THRASH_US COMPACT COMPACT_US WPCOPY WPCOPY_US IRQ IRQ_US READ_KB WRITE_KB CANCELLED_KB RCHAR_KB WCHAR_KB SYSCR SYSCW COMM"
    };
}

pub const PROCESS_HEADER: &str = process_header!();
pub const PROCESS_DELAYS_HEADER: &str = concat!("PID ", delays_columns!());
pub const THREAD_DELAYS_HEADER: &str = concat!("TID ", delays_columns!());
pub const THREAD_HEADER: &str = thread_header!();

/// Thread lines, and the thread header line, start with this.
pub const THREAD_INDENT: &str = "  ";

/// The subcommand's one-line description; the file names are the UAPI
/// header's.
pub fn about() -> String {
    format!(
        "Print one snapshot of every process (or of one) from /proc/{}",
        uapi_str(LATTOP_PROC_DIR)
    )
}

/// The text after the options in `lattop info --help`.
fn info_help() -> String {
    format!(
        concat!(
            "Table output: a header line, then one line per process, columns\n",
            "separated by white space:\n  ",
            process_header!(),
            "\n\n",
            "With --threads, a second header line, indented by two spaces, and under\n",
            "each process one line per thread, indented the same:\n    ",
            thread_header!(),
            "\n\n",
            "Columns are the include/uapi/linux/lattop.h fields of the same name,\n",
            "except: THREADS nr_threads, FDS nr_fds, RSS_KB (rss_file + rss_anon +\n",
            "rss_shmem) / 1024, VSIZE_KB vsize / 1024, UTIME_MS STIME_MS BLOCKED_MS\n",
            "utime_ns stime_ns blocked_ns / 10^6, SLEEPS SLEEP_TOTAL_US SLEEP_MAX_US\n",
            "latency.sleeps, latency.total_ns / 1000, latency.max_ns / 1000,\n",
            "RUNQ_WAITS RUNQ_TOTAL_US RUNQ_MAX_US run_delay.sleeps,\n",
            "run_delay.total_ns / 1000, run_delay.max_ns / 1000 (all truncated).\n",
            "run_delay is run-queue delay: each wait for a CPU, from a wake-up, a\n",
            "preemption or a new task's first wake-up to running; it is 0 when the\n",
            "module does not measure it (hooks=kprobe) or predates it.\n",
            "COMM comes last, white space in it replaced by '_'.\n\n",
            "With --delays, the kernel's own accounting (what taskstats and\n",
            "getdelays report: the acct fields) instead, PID (or TID) first:\n  PID ",
            delays_columns!(),
            "\n",
            "a count and a total (us) for each kind of delay: cpu (CPU_RUNS is\n",
            "runs on a CPU, CPU_WAIT_US the time waiting for one), blkio, swapin,\n",
            "freepages (RECLAIM), thrashing, compact, wpcopy, irq; then read_bytes,\n",
            "write_bytes, cancelled_write_bytes, rchar, wchar / 1024, syscr, syscw.\n",
            "A column the kernel does not provide for that task (its group is not\n",
            "in acct.groups: no delay accounting in the kernel, or off when the\n",
            "task was born) shows '-'.\n\n",
            "--json prints one JSON document: {{\"abi_version\", \"flags\", \"snapshot_ns\",\n",
            "\"processes\": [...]}}, each process and its \"threads\" (always included)\n",
            "with the field names of include/uapi/linux/lattop.h; \"latency\" and\n",
            "\"run_delay\" are objects {{\"sleeps\", \"total_ns\", \"max_ns\"}} (run_delay\n",
            "all 0 from a module that predates it); \"acct\" is an object of\n",
            "\"groups\", the delays as {{\"count\", \"total_ns\"}} and the I/O counters\n",
            "(groups 0 from a module that predates it).\n\n",
            "Reads $LATTOP_PROC/{dir}/{info} (LATTOP_PROC defaults to /proc). Exits 1,\n",
            "with a one-line message, when the file cannot be read or decoded."
        ),
        dir = uapi_str(LATTOP_PROC_DIR),
        info = uapi_str(LATTOP_PROC_INFO),
    )
}

/// The --pid option's help.
fn pid_help() -> String {
    format!(
        "Only this process (reads {}/<PID>/{})",
        uapi_str(LATTOP_PROC_DIR),
        uapi_str(LATTOP_PROC_INFO)
    )
}

#[derive(Debug, Args)]
#[command(after_help = info_help())]
pub struct InfoArgs {
    #[arg(long, help = pid_help(), value_parser = clap::value_parser!(u32).range(1..))]
    pub pid: Option<u32>,
    /// Also a line for each thread, under its process
    #[arg(long)]
    pub threads: bool,
    /// One JSON document instead of the table (threads always included)
    #[arg(long)]
    pub json: bool,
    /// The kernel's delay and I/O accounting instead of lattop's columns
    #[arg(long, conflicts_with = "json")]
    pub delays: bool,
}

pub fn run(args: &InfoArgs) -> Result<(), CliError> {
    let (path, bytes) = read_snapshot(&proc_root(), args.pid)?;
    let snapshot = decode(&bytes).map_err(|error| CliError::Decode { path, error })?;
    let mut out = BufWriter::new(io::stdout().lock());
    if args.json {
        write_json(&snapshot, &mut out)?;
    } else {
        let view = if args.delays {
            View::Delays
        } else {
            View::Main
        };
        write_table(&snapshot, view, args.threads, &mut out)?;
    }
    out.flush()?;
    Ok(())
}

pub fn write_json(snapshot: &Snapshot, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer(&mut *out, snapshot)?;
    writeln!(out)
}

/// Which columns the table shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// lattop's own: PROCESS_HEADER and THREAD_HEADER.
    Main,
    /// The kernel's accounting (--delays).
    Delays,
}

pub fn write_table(
    snapshot: &Snapshot,
    view: View,
    with_threads: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    let (process_header, thread_header) = match view {
        View::Main => (PROCESS_HEADER, THREAD_HEADER),
        View::Delays => (PROCESS_DELAYS_HEADER, THREAD_DELAYS_HEADER),
    };
    let mut processes = Table::new(process_header);
    let mut threads = Table::new(thread_header);
    let mut order = Vec::new();
    for process in &snapshot.processes {
        let row = match view {
            View::Main => process_row(process),
            View::Delays => delays_row(process.pid, &process.acct, &process.comm),
        };
        order.push(Line::Process(processes.push(row)));
        if with_threads {
            for thread in &process.threads {
                let row = match view {
                    View::Main => thread_row(thread),
                    View::Delays => delays_row(thread.tid, &thread.acct, &thread.comm),
                };
                order.push(Line::Thread(threads.push(row)));
            }
        }
    }
    processes.write_line(0, "", out)?;
    if with_threads {
        threads.write_line(0, THREAD_INDENT, out)?;
    }
    for line in order {
        match line {
            Line::Process(index) => processes.write_line(index, "", out)?,
            Line::Thread(index) => threads.write_line(index, THREAD_INDENT, out)?,
        }
    }
    Ok(())
}

/// A line of the output, after the headers: the index of its row in the
/// process or the thread table (each padded to its own column widths).
enum Line {
    Process(usize),
    Thread(usize),
}

fn process_row(process: &Process) -> Vec<String> {
    let rss = process
        .rss_file
        .saturating_add(process.rss_anon)
        .saturating_add(process.rss_shmem);
    vec![
        process.pid.to_string(),
        process.ppid.to_string(),
        process.uid.to_string(),
        process.state.to_string(),
        process.nr_threads.to_string(),
        process.nr_fds.to_string(),
        (rss / 1024).to_string(),
        (process.vsize / 1024).to_string(),
        (process.utime_ns / 1_000_000).to_string(),
        (process.stime_ns / 1_000_000).to_string(),
        process.latency.sleeps.to_string(),
        (process.latency.total_ns / 1_000).to_string(),
        (process.latency.max_ns / 1_000).to_string(),
        process.run_delay.sleeps.to_string(),
        (process.run_delay.total_ns / 1_000).to_string(),
        (process.run_delay.max_ns / 1_000).to_string(),
        table_comm(&process.comm),
    ]
}

fn thread_row(thread: &Thread) -> Vec<String> {
    vec![
        thread.tid.to_string(),
        thread.state.to_string(),
        thread.cpu.to_string(),
        thread.prio.to_string(),
        thread.policy.to_string(),
        (thread.utime_ns / 1_000_000).to_string(),
        (thread.stime_ns / 1_000_000).to_string(),
        thread.nvcsw.to_string(),
        thread.nivcsw.to_string(),
        (thread.blocked_ns / 1_000_000).to_string(),
        thread.latency.sleeps.to_string(),
        (thread.latency.total_ns / 1_000).to_string(),
        (thread.latency.max_ns / 1_000).to_string(),
        thread.run_delay.sleeps.to_string(),
        (thread.run_delay.total_ns / 1_000).to_string(),
        (thread.run_delay.max_ns / 1_000).to_string(),
        table_comm(&thread.comm),
    ]
}

/// A --delays line: `id`'s accounting, a group the kernel does not provide
/// shown as '-'.
fn delays_row(id: i32, acct: &Acct, comm: &str) -> Vec<String> {
    let shown = |group: u32, value: u64| match acct.groups & group {
        0 => "-".to_string(),
        _ => value.to_string(),
    };
    let delay = |group: u32, delay: &Delay| {
        [
            shown(group, delay.count),
            shown(group, delay.total_ns / 1_000),
        ]
    };
    let mut row = vec![id.to_string()];
    row.extend(delay(LATTOP_ACCT_CPU_DELAY, &acct.cpu));
    for kind in [
        &acct.blkio,
        &acct.swapin,
        &acct.freepages,
        &acct.thrashing,
        &acct.compact,
        &acct.wpcopy,
        &acct.irq,
    ] {
        row.extend(delay(LATTOP_ACCT_DELAYS, kind));
    }
    for bytes in [
        acct.read_bytes,
        acct.write_bytes,
        acct.cancelled_write_bytes,
    ] {
        row.push(shown(LATTOP_ACCT_IO_STORAGE, bytes / 1024));
    }
    for bytes in [acct.rchar, acct.wchar] {
        row.push(shown(LATTOP_ACCT_IO_CALLS, bytes / 1024));
    }
    for calls in [acct.syscr, acct.syscw] {
        row.push(shown(LATTOP_ACCT_IO_CALLS, calls));
    }
    row.push(table_comm(comm));
    row
}

/// A command name as one white-space-free table field: white space becomes
/// '_', other control characters '?', and an empty name "-".
fn table_comm(comm: &str) -> String {
    if comm.is_empty() {
        return "-".to_string();
    }
    comm.chars()
        .map(|c| match c {
            c if c.is_whitespace() => '_',
            c if c.is_control() => '?',
            c => c,
        })
        .collect()
}

/// Lines of one kind, their header line first, padded to common column
/// widths: the first column left-aligned (so only thread lines start with
/// white space), the numbers right-aligned, the command name last, unpadded.
struct Table {
    lines: Vec<Vec<String>>,
    widths: Vec<usize>,
}

impl Table {
    fn new(header: &str) -> Self {
        let mut table = Table {
            lines: Vec::new(),
            widths: Vec::new(),
        };
        table.push(header.split(' ').map(str::to_string).collect());
        table
    }

    /// Adds a line; returns its index for write_line.
    fn push(&mut self, line: Vec<String>) -> usize {
        self.widths.resize(self.widths.len().max(line.len()), 0);
        for (width, field) in self.widths.iter_mut().zip(&line) {
            *width = (*width).max(field.chars().count());
        }
        self.lines.push(line);
        self.lines.len() - 1
    }

    fn write_line(&self, index: usize, indent: &str, out: &mut impl Write) -> io::Result<()> {
        let line = &self.lines[index];
        let mut text = String::from(indent);
        for (column, (field, &width)) in line.iter().zip(&self.widths).enumerate() {
            if column == 0 {
                text.push_str(&format!("{field:<width$}"));
            } else if column + 1 == line.len() {
                text.push(' ');
                text.push_str(field);
            } else {
                text.push_str(&format!(" {field:>width$}"));
            }
        }
        writeln!(out, "{text}")
    }
}
