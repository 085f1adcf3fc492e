// SPDX-License-Identifier: GPL-2.0

//! `lattop report`: where tasks slept, from /proc/lattop_traces, with user
//! frames named: a table, JSON, or folded stacks for flame graphs; once, or
//! every interval as what changed in it.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use serde::Serialize;

use crate::error::CliError;
use crate::procfs::{proc_root, ReadError};
use crate::symbolize::UserNames;
use crate::traces::{parse, traces_path, Task, Trace, Traces};

#[derive(Debug, Args)]
#[command(after_help = REPORT_HELP)]
pub struct ReportArgs {
    /// Read a saved copy of /proc/lattop_traces instead (its binaries must
    /// still be where it says for user frames to be named)
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// One JSON document (one per interval with --interval)
    #[arg(long, conflicts_with = "folded")]
    pub json: bool,
    /// Folded stacks for flame graphs: "comm;outermost;...;innermost US",
    /// user frames before kernel frames
    #[arg(long)]
    pub folded: bool,
    /// Only the threads of process PID
    #[arg(long, value_name = "PID")]
    pub pid: Option<i32>,
    /// Only thread TID
    #[arg(long, value_name = "TID")]
    pub tid: Option<i32>,
    /// Only threads whose command name is COMM (exactly)
    #[arg(long, value_name = "COMM")]
    pub comm: Option<String>,
    /// Only user threads
    #[arg(long, conflicts_with = "kernel_only")]
    pub user_only: bool,
    /// Only kernel threads
    #[arg(long)]
    pub kernel_only: bool,
    /// Only threads that slept at least US microseconds in all (in the
    /// interval, with --interval)
    #[arg(long, value_name = "US")]
    pub min_us: Option<u64>,
    /// Only threads that slept at most US microseconds in all (in the
    /// interval, with --interval)
    #[arg(long, value_name = "US")]
    pub max_us: Option<u64>,
    /// Traces shown under each thread in the table, worst first (0: all)
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub traces: usize,
    /// Print what changed every SECONDS, until interrupted or --count
    #[arg(long, value_name = "SECONDS")]
    pub interval: Option<f64>,
    /// Stop after N intervals
    #[arg(long, value_name = "N", requires = "interval")]
    pub count: Option<u64>,
}

const REPORT_HELP: &str = "\
Every trace is a call path a thread slept in (sleeps of at least the module's
trace_threshold_us each) with their count, total and longest. Kernel frames
are printed as the kernel prints them; user frames as function+0xoff (binary),
named from the binary's symbols even after the process has exited, or
binary+0xoffset for a stripped binary, or [unknown] 0xADDR outside any file.

A read lists an exited thread once more, then the module forgets it (as for
/proc/lattop): save a copy (cat /proc/lattop_traces > FILE) to report on it
again with --input FILE.

Flame graph: lattop report --folded > out.folded, then
  inferno-flamegraph < out.folded > out.svg   (cargo install inferno)
  flamegraph.pl out.folded > out.svg          (github.com/brendangregg/FlameGraph)
";

/// Which tasks a report keeps.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub pid: Option<i32>,
    pub tid: Option<i32>,
    pub comm: Option<String>,
    pub user_only: bool,
    pub kernel_only: bool,
    pub min_us: Option<u64>,
    pub max_us: Option<u64>,
}

impl Filter {
    pub fn from_args(args: &ReportArgs) -> Self {
        Filter {
            pid: args.pid,
            tid: args.tid,
            comm: args.comm.clone(),
            user_only: args.user_only,
            kernel_only: args.kernel_only,
            min_us: args.min_us,
            max_us: args.max_us,
        }
    }

    pub fn keeps(&self, task: &Task) -> bool {
        self.pid.is_none_or(|pid| task.tgid == pid)
            && self.tid.is_none_or(|tid| task.tid == tid)
            && self.comm.as_ref().is_none_or(|comm| &task.comm == comm)
            && !(self.user_only && task.kernel_thread)
            && (!self.kernel_only || task.kernel_thread)
            && self.min_us.is_none_or(|min| task.total_us >= min)
            && self.max_us.is_none_or(|max| task.total_us <= max)
    }

    /// `traces` with only the tasks this keeps.
    pub fn apply(&self, mut traces: Traces) -> Traces {
        traces.tasks.retain(|task| self.keeps(task));
        traces
    }
}

/// Reads and parses /proc/lattop_traces, or `input`.
pub fn read_traces(input: Option<&PathBuf>) -> Result<Traces, CliError> {
    let path = input.cloned().unwrap_or_else(|| traces_path(&proc_root()));
    let bytes = std::fs::read(&path).map_err(|error| {
        let hint = (input.is_none() && error.kind() == io::ErrorKind::NotFound)
            .then_some("is the lattop module loaded?");
        let hint = hint.or((error.kind() == io::ErrorKind::PermissionDenied)
            .then_some("it is root's only: it shows kernel addresses"));
        CliError::Read(ReadError {
            path: path.clone(),
            error,
            explanation: None,
            hint,
        })
    })?;
    parse(&bytes).map_err(|error| CliError::Traces { path, error })
}

/// What changed from `before` to `now`: each task's and trace's sleeps in
/// between; only tasks that slept. A task is the same if its tid, process
/// and command name are; a trace, if its frames are.
pub fn delta(before: &Traces, now: &Traces) -> Traces {
    let earlier: BTreeMap<(i32, i32, &str), &Task> = before
        .tasks
        .iter()
        .map(|t| ((t.tid, t.tgid, t.comm.as_str()), t))
        .collect();
    let mut changed = Traces {
        files: now.files.clone(),
        tasks: Vec::new(),
    };
    for task in &now.tasks {
        let old = earlier
            .get(&(task.tid, task.tgid, task.comm.as_str()))
            // Fewer sleeps than before: another task reusing the tid.
            .filter(|old| old.sleeps <= task.sleeps && old.total_us <= task.total_us);
        let Some(old) = old else {
            if task.sleeps > 0 {
                changed.tasks.push(task.clone());
            }
            continue;
        };
        if task.sleeps == old.sleeps {
            continue;
        }
        let mut task_delta = task.clone();
        task_delta.sleeps -= old.sleeps;
        task_delta.total_us -= old.total_us;
        task_delta.traces = task
            .traces
            .iter()
            .filter_map(|trace| {
                let prior = old
                    .traces
                    .iter()
                    .find(|t| t.kernel == trace.kernel && t.user == trace.user);
                let (count, total) = match prior {
                    Some(p) if p.count <= trace.count => (p.count, p.total_us),
                    _ => (0, 0),
                };
                (trace.count > count).then(|| Trace {
                    count: trace.count - count,
                    total_us: trace.total_us.saturating_sub(total),
                    ..trace.clone()
                })
            })
            .collect();
        changed.tasks.push(task_delta);
    }
    // The worst in the interval first.
    changed.tasks.sort_by_key(|t| std::cmp::Reverse(t.total_us));
    changed
}

pub fn run(args: &ReportArgs) -> Result<(), CliError> {
    let filter = Filter::from_args(args);
    let format = if args.json {
        Format::Json
    } else if args.folded {
        Format::Folded
    } else {
        Format::Table {
            traces: args.traces,
        }
    };
    let Some(seconds) = args.interval else {
        let traces = filter.apply(read_traces(args.input.as_ref())?);
        let mut out = BufWriter::new(io::stdout().lock());
        write_report(&traces, format, None, &mut out)?;
        out.flush()?;
        return Ok(());
    };
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(CliError::Usage(
            "--interval takes a number of seconds above 0".into(),
        ));
    }
    let period = Duration::from_secs_f64(seconds);
    let mut before = read_traces(args.input.as_ref())?;
    let mut next = Instant::now() + period;
    let mut interval = 0;
    while args.count.is_none_or(|count| interval < count) {
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
        next += period;
        interval += 1;
        let now = read_traces(args.input.as_ref())?;
        let changed = filter.apply(delta(&before, &now));
        let mut out = io::stdout().lock();
        write_report(&changed, format, Some((interval, seconds)), &mut out)?;
        out.flush()?;
        before = now;
    }
    Ok(())
}

/// How a report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// At most `traces` traces a task (0: all).
    Table {
        traces: usize,
    },
    Json,
    Folded,
}

/// Prints `traces` in `format`; `interval` is (number, seconds) of an
/// interval's report.
pub fn write_report(
    traces: &Traces,
    format: Format,
    interval: Option<(u64, f64)>,
    out: &mut impl Write,
) -> io::Result<()> {
    let names = UserNames::resolve(traces);
    match format {
        Format::Table { traces: shown } => {
            if let Some((n, seconds)) = interval {
                writeln!(out, "# interval {n}: the last {seconds} s")?;
            }
            write_table(traces, &names, shown, out)
        }
        Format::Json => write_json(traces, &names, interval, out),
        Format::Folded => {
            if let Some((n, seconds)) = interval {
                writeln!(out, "# interval {n}: the last {seconds} s")?;
            }
            write_folded(traces, &names, out)
        }
    }
}

pub const TABLE_HEADER: [&str; 7] = [
    "TID", "PID", "SLEEPS", "TOTAL_US", "MAX_US", "STATE", "COMM",
];

/// A table of tasks, worst first, each followed by its worst traces.
pub fn write_table(
    traces: &Traces,
    names: &UserNames,
    shown: usize,
    out: &mut impl Write,
) -> io::Result<()> {
    let rows: Vec<[String; 7]> = traces
        .tasks
        .iter()
        .map(|t| {
            [
                t.tid.to_string(),
                t.tgid.to_string(),
                t.sleeps.to_string(),
                t.total_us.to_string(),
                t.max_us.to_string(),
                state(t).to_string(),
                t.comm.clone(),
            ]
        })
        .collect();
    let mut widths = TABLE_HEADER.map(str::len);
    for row in &rows {
        for (width, field) in widths.iter_mut().zip(row) {
            *width = (*width).max(field.chars().count());
        }
    }
    let line = |fields: &[String]| {
        let mut text = String::new();
        for (i, (field, width)) in fields.iter().zip(widths).enumerate() {
            match i {
                6 => text.push_str(field),
                5 => text.push_str(&format!("{field:<width$} ")),
                _ => text.push_str(&format!("{field:>width$} ")),
            }
        }
        text
    };
    writeln!(out, "{}", line(&TABLE_HEADER.map(String::from)))?;
    for (task, row) in traces.tasks.iter().zip(&rows) {
        writeln!(out, "{}", line(row))?;
        let mut worst: Vec<&Trace> = task.traces.iter().collect();
        worst.sort_by_key(|t| std::cmp::Reverse(t.total_us));
        let limit = if shown == 0 { worst.len() } else { shown };
        for trace in worst.into_iter().take(limit) {
            writeln!(
                out,
                "    {} us in {} sleeps, max {} us:",
                trace.total_us, trace.count, trace.max_us
            )?;
            for frame in &trace.kernel {
                writeln!(out, "        {frame}")?;
            }
            for frame in &trace.user {
                writeln!(out, "        {}", names.name(frame).full)?;
            }
        }
    }
    Ok(())
}

fn state(task: &Task) -> &'static str {
    match (task.kernel_thread, task.exited) {
        (_, true) => "exited",
        (true, false) => "kthread",
        (false, false) => "live",
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    interval: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seconds: Option<f64>,
    tasks: Vec<JsonTask<'a>>,
}

#[derive(Serialize)]
struct JsonTask<'a> {
    tid: i32,
    pid: i32,
    comm: &'a str,
    kind: &'static str,
    exited: bool,
    sleeps: u64,
    total_us: u64,
    max_us: u64,
    traces: Vec<JsonTrace<'a>>,
}

#[derive(Serialize)]
struct JsonTrace<'a> {
    total_us: u64,
    count: u64,
    max_us: u64,
    kernel: &'a [String],
    user: Vec<JsonUserFrame>,
}

#[derive(Serialize)]
struct JsonUserFrame {
    addr: u64,
    file: Option<String>,
    offset: Option<u64>,
    function: String,
    name: String,
}

fn write_json(
    traces: &Traces,
    names: &UserNames,
    interval: Option<(u64, f64)>,
    out: &mut impl Write,
) -> io::Result<()> {
    let tasks = traces
        .tasks
        .iter()
        .map(|t| JsonTask {
            tid: t.tid,
            pid: t.tgid,
            comm: &t.comm,
            kind: if t.kernel_thread { "kernel" } else { "user" },
            exited: t.exited,
            sleeps: t.sleeps,
            total_us: t.total_us,
            max_us: t.max_us,
            traces: t
                .traces
                .iter()
                .map(|trace| JsonTrace {
                    total_us: trace.total_us,
                    count: trace.count,
                    max_us: trace.max_us,
                    kernel: &trace.kernel,
                    user: trace
                        .user
                        .iter()
                        .map(|frame| {
                            let name = names.name(frame);
                            JsonUserFrame {
                                addr: frame.addr,
                                file: frame
                                    .file
                                    .and_then(|(n, _)| traces.files.get(&n))
                                    .map(|p| p.to_string_lossy().into_owned()),
                                offset: frame.file.map(|(_, offset)| offset),
                                function: name.function,
                                name: name.full,
                            }
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let report = JsonReport {
        interval: interval.map(|(n, _)| n),
        seconds: interval.map(|(_, s)| s),
        tasks,
    };
    serde_json::to_writer(&mut *out, &report)?;
    writeln!(out)
}

/// Folded stacks, one line per distinct stack: `comm;user frames outermost
/// first;kernel frames outermost first TOTAL_US`, the totals of every task
/// with that command name and stack added up.
pub fn write_folded(traces: &Traces, names: &UserNames, out: &mut impl Write) -> io::Result<()> {
    let mut stacks: BTreeMap<String, u64> = BTreeMap::new();
    for task in &traces.tasks {
        for trace in &task.traces {
            let mut frames = vec![folded_frame(&task.comm)];
            frames.extend(
                trace
                    .user
                    .iter()
                    .rev()
                    .map(|f| folded_frame(&names.name(f).function)),
            );
            frames.extend(
                trace
                    .kernel
                    .iter()
                    .rev()
                    .map(|f| folded_frame(kernel_function(f))),
            );
            *stacks.entry(frames.join(";")).or_default() += trace.total_us;
        }
    }
    for (stack, total) in stacks {
        writeln!(out, "{stack} {total}")?;
    }
    Ok(())
}

/// A kernel frame's function: `name+0xoff/0xsize [module]` without the
/// offset and the module.
fn kernel_function(frame: &str) -> &str {
    frame.split(['+', ' ']).next().unwrap_or(frame)
}

/// A frame as one folded field: no `;` (the separator) and no blank (the
/// value's), which flame graph tools would misread.
fn folded_frame(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            ';' => ':',
            c if c.is_whitespace() => '_',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traces::UserFrame;

    fn trace(total_us: u64, count: u64, kernel: &[&str], user: &[u64]) -> Trace {
        Trace {
            total_us,
            count,
            max_us: total_us,
            kernel: kernel.iter().map(|s| s.to_string()).collect(),
            user: user
                .iter()
                .map(|&addr| UserFrame { addr, file: None })
                .collect(),
        }
    }

    fn task(tid: i32, comm: &str, kernel_thread: bool, traces: Vec<Trace>) -> Task {
        Task {
            tid,
            tgid: tid,
            comm: comm.into(),
            kernel_thread,
            exited: false,
            sleeps: traces.iter().map(|t| t.count).sum(),
            total_us: traces.iter().map(|t| t.total_us).sum(),
            max_us: 0,
            traces,
        }
    }

    fn sample() -> Traces {
        Traces {
            files: Default::default(),
            tasks: vec![
                task(
                    1,
                    "a b;c",
                    false,
                    vec![trace(
                        100,
                        2,
                        &["schedule+0x1/0x2", "do_sys+0x3/0x4 [mod]"],
                        &[0x10, 0x20],
                    )],
                ),
                task(
                    2,
                    "kw",
                    true,
                    vec![trace(30, 1, &["worker_thread+0x1/0x2"], &[])],
                ),
                task(
                    3,
                    "x",
                    false,
                    vec![trace(
                        5,
                        1,
                        &["schedule+0x1/0x2", "do_sys+0x3/0x4 [mod]"],
                        &[0x10, 0x20],
                    )],
                ),
                task(
                    4,
                    "x",
                    false,
                    vec![trace(
                        7,
                        1,
                        &["schedule+0x1/0x2", "do_sys+0x3/0x4 [mod]"],
                        &[0x10, 0x20],
                    )],
                ),
            ],
        }
    }

    #[test]
    fn folded_lines_are_comm_then_user_then_kernel_outermost_first() {
        let mut out = Vec::new();
        write_folded(&sample(), &UserNames::default(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "a_b:c;[unknown]_0x20;[unknown]_0x10;do_sys;schedule 100\n\
             kw;worker_thread 30\n\
             x;[unknown]_0x20;[unknown]_0x10;do_sys;schedule 12\n"
        );
        // Parsed back, the values add up to the traces' totals.
        let sum: u64 = text
            .lines()
            .map(|l| l.rsplit_once(' ').unwrap().1.parse::<u64>().unwrap())
            .sum();
        assert_eq!(sum, 100 + 30 + 5 + 7);
    }

    #[test]
    fn filters_keep_exactly_their_tasks() {
        let kept = |filter: Filter| -> Vec<i32> {
            filter.apply(sample()).tasks.iter().map(|t| t.tid).collect()
        };
        assert_eq!(kept(Filter::default()), [1, 2, 3, 4]);
        assert_eq!(
            kept(Filter {
                pid: Some(3),
                ..Default::default()
            }),
            [3]
        );
        assert_eq!(
            kept(Filter {
                tid: Some(4),
                ..Default::default()
            }),
            [4]
        );
        assert_eq!(
            kept(Filter {
                comm: Some("x".into()),
                ..Default::default()
            }),
            [3, 4]
        );
        assert_eq!(
            kept(Filter {
                user_only: true,
                ..Default::default()
            }),
            [1, 3, 4]
        );
        assert_eq!(
            kept(Filter {
                kernel_only: true,
                ..Default::default()
            }),
            [2]
        );
        assert_eq!(
            kept(Filter {
                min_us: Some(7),
                ..Default::default()
            }),
            [1, 2, 4]
        );
        assert_eq!(
            kept(Filter {
                max_us: Some(7),
                ..Default::default()
            }),
            [3, 4]
        );
    }

    #[test]
    fn deltas_are_what_changed() {
        let before = sample();
        let mut now = sample();
        // Task 1: one more sleep in its trace and a new trace.
        now.tasks[0].traces[0].count += 1;
        now.tasks[0].traces[0].total_us += 50;
        now.tasks[0]
            .traces
            .push(trace(9, 1, &["other+0x1/0x2"], &[]));
        now.tasks[0].sleeps += 2;
        now.tasks[0].total_us += 59;
        // Task 5: new.
        now.tasks.push(task(
            5,
            "new",
            false,
            vec![trace(3, 1, &["n+0x1/0x2"], &[])],
        ));
        // Task 3's tid reused by a task with fewer sleeps.
        now.tasks[2] = task(3, "x", false, vec![]);
        let d = delta(&before, &now);
        let ids: Vec<i32> = d.tasks.iter().map(|t| t.tid).collect();
        assert_eq!(ids, [1, 5]);
        assert_eq!((d.tasks[0].sleeps, d.tasks[0].total_us), (2, 59));
        let traces: Vec<(u64, u64)> = d.tasks[0]
            .traces
            .iter()
            .map(|t| (t.count, t.total_us))
            .collect();
        assert_eq!(traces, [(1, 50), (1, 9)]);
    }

    #[test]
    fn the_table_aligns_its_columns() {
        let mut out = Vec::new();
        write_table(&sample(), &UserNames::default(), 1, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let rows: Vec<&str> = text.lines().filter(|l| !l.starts_with("    ")).collect();
        let at = rows[0].find("COMM").unwrap();
        assert!(rows.iter().skip(1).all(|r| r.len() > at), "{text}");
        assert!(text.contains("        [unknown] 0x10\n"));
        assert!(rows[1].ends_with(" a b;c"), "{text}");
    }
}
