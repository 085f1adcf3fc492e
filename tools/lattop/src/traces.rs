// SPDX-License-Identifier: GPL-2.0

//! Reads /proc/lattop_traces: every call trace the module keeps, of every
//! task, with each user frame's file and offset. The format is documented
//! in the UAPI header (`include/uapi/linux/lattop.h`); this is its one
//! parser, strict about what it knows and silent about lines it does not.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use crate::abi::{LATTOP_PROC_TRACES, LATTOP_TRACES_HEADER};
use crate::procfs::uapi_str;

/// /proc/lattop_traces under `root` (see [`crate::procfs::proc_root`]).
pub fn traces_path(root: &std::path::Path) -> PathBuf {
    root.join(uapi_str(LATTOP_PROC_TRACES))
}

/// Everything one read of the file holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Traces {
    /// The files user frames are in, by number.
    pub files: BTreeMap<u16, PathBuf>,
    /// Worst task first, as the module lists them.
    pub tasks: Vec<Task>,
}

/// One task and its traces.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub tid: i32,
    pub tgid: i32,
    pub comm: String,
    /// A kernel thread, which has no user frames.
    pub kernel_thread: bool,
    pub exited: bool,
    pub sleeps: u64,
    pub total_us: u64,
    pub max_us: u64,
    pub traces: Vec<Trace>,
}

/// One call path and the sleeps spent in it (at least `trace_threshold_us`
/// each: shorter sleeps count in the task's figures, not in a trace).
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub total_us: u64,
    pub count: u64,
    pub max_us: u64,
    /// Innermost first, as the kernel prints them (`name+0xoff/0xsize`).
    pub kernel: Vec<String>,
    /// Innermost first.
    pub user: Vec<UserFrame>,
}

/// A user frame: its address, and where its code is if the module named it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserFrame {
    pub addr: u64,
    /// The file's number (see [`Traces::files`]) and the offset in it.
    pub file: Option<(u16, u64)>,
}

/// Why the text is not a traces file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based; 0 for the file as a whole.
    pub line: usize,
    pub what: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.what)
        } else {
            write!(f, "line {}: {}", self.line, self.what)
        }
    }
}

impl std::error::Error for ParseError {}

/// The header line this parser reads.
pub fn header() -> &'static str {
    uapi_str(LATTOP_TRACES_HEADER)
}

/// Parses a whole file.
pub fn parse(text: &[u8]) -> Result<Traces, ParseError> {
    let mut lines = text.split(|&b| b == b'\n').enumerate();
    let first = lines.next().map(|(_, l)| l).unwrap_or_default();
    if first != header().as_bytes() {
        let what = match std::str::from_utf8(first) {
            Ok(l) if l.starts_with("lattop-traces ") => {
                format!(
                    "format {l:?} is not the one this lattop reads ({:?})",
                    header()
                )
            }
            _ => "not a lattop traces file (no \"lattop-traces\" header)".to_string(),
        };
        return Err(ParseError { line: 1, what });
    }
    let mut traces = Traces::default();
    for (index, raw) in lines {
        let line = index + 1;
        let error = |what: String| ParseError { line, what };
        if raw.is_empty() {
            continue;
        }
        let (word, rest) = split_word(raw);
        match word {
            b"file" => {
                let (number, path) = split_word(rest);
                let number =
                    number_of::<u16>(number).ok_or_else(|| error("bad file number".into()))?;
                if number == 0 {
                    return Err(error("file number 0".into()));
                }
                traces.files.insert(number, unescape_path(path));
            }
            b"task" => traces.tasks.push(parse_task(rest).map_err(error)?),
            b"trace" => {
                let task = traces
                    .tasks
                    .last_mut()
                    .ok_or_else(|| error("a trace before any task".into()))?;
                task.traces.push(parse_trace(rest).map_err(error)?);
            }
            b"k" => {
                let trace = current_trace(&mut traces)
                    .ok_or_else(|| error("a frame before any trace".into()))?;
                trace
                    .kernel
                    .push(String::from_utf8_lossy(rest).into_owned());
            }
            b"u" => {
                let trace = current_trace(&mut traces)
                    .ok_or_else(|| error("a frame before any trace".into()))?;
                trace.user.push(parse_user_frame(rest).map_err(error)?);
            }
            // A later format's lines: skipped, as the header promises.
            _ => {}
        }
    }
    Ok(traces)
}

fn current_trace(traces: &mut Traces) -> Option<&mut Trace> {
    traces.tasks.last_mut()?.traces.last_mut()
}

/// The first space-separated word and the rest after the space.
fn split_word(line: &[u8]) -> (&[u8], &[u8]) {
    match line.iter().position(|&b| b == b' ') {
        Some(at) => (&line[..at], &line[at + 1..]),
        None => (line, &[]),
    }
}

fn number_of<T: std::str::FromStr>(word: &[u8]) -> Option<T> {
    std::str::from_utf8(word).ok()?.parse().ok()
}

fn hex_of(word: &[u8]) -> Option<u64> {
    let digits = word.strip_prefix(b"0x")?;
    u64::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

/// Exactly `N` space-separated words.
fn words<const N: usize>(rest: &[u8]) -> Result<[&[u8]; N], String> {
    let words: Vec<&[u8]> = rest.split(|&b| b == b' ').collect();
    words
        .try_into()
        .map_err(|w: Vec<&[u8]>| format!("{} fields where {N} were expected", w.len()))
}

fn parse_task(rest: &[u8]) -> Result<Task, String> {
    let [tid, tgid, comm, kind, state, sleeps, total, max] = words::<8>(rest)?;
    let num = |w: &[u8], name: &str| number_of::<u64>(w).ok_or(format!("bad {name}"));
    Ok(Task {
        tid: number_of(tid).ok_or("bad tid")?,
        tgid: number_of(tgid).ok_or("bad tgid")?,
        comm: String::from_utf8_lossy(comm).into_owned(),
        kernel_thread: match kind {
            b"user" => false,
            b"kernel" => true,
            _ => return Err("bad kind (user or kernel)".into()),
        },
        exited: match state {
            b"live" => false,
            b"exited" => true,
            _ => return Err("bad state (live or exited)".into()),
        },
        sleeps: num(sleeps, "sleep count")?,
        total_us: num(total, "total")?,
        max_us: num(max, "max")?,
        traces: Vec::new(),
    })
}

fn parse_trace(rest: &[u8]) -> Result<Trace, String> {
    let [total, count, max] = words::<3>(rest)?;
    let num = |w: &[u8], name: &str| number_of::<u64>(w).ok_or(format!("bad trace {name}"));
    Ok(Trace {
        total_us: num(total, "total")?,
        count: num(count, "count")?,
        max_us: num(max, "max")?,
        kernel: Vec::new(),
        user: Vec::new(),
    })
}

fn parse_user_frame(rest: &[u8]) -> Result<UserFrame, String> {
    let [addr, file, offset] = words::<3>(rest)?;
    let addr = hex_of(addr).ok_or("bad user frame address")?;
    let file = match (file, offset) {
        (b"-", b"-") => None,
        _ => Some((
            number_of::<u16>(file)
                .filter(|&n| n != 0)
                .ok_or("bad file number")?,
            hex_of(offset).ok_or("bad file offset")?,
        )),
    };
    Ok(UserFrame { addr, file })
}

/// A path with the module's `\ooo` escapes undone.
fn unescape_path(escaped: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    let mut bytes = Vec::with_capacity(escaped.len());
    let mut i = 0;
    while i < escaped.len() {
        let octal = escaped
            .get(i + 1..i + 4)
            .filter(|d| escaped[i] == b'\\' && d.iter().all(|b| (b'0'..=b'7').contains(b)))
            .map(|d| d.iter().fold(0u32, |v, b| v * 8 + u32::from(b - b'0')))
            .and_then(|v| u8::try_from(v).ok());
        match octal {
            Some(byte) => {
                bytes.push(byte);
                i += 4;
            }
            None => {
                bytes.push(escaped[i]);
                i += 1;
            }
        }
    }
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "lattop-traces 1
file 1 /lattop/bin/named_frames
file 2 /tmp/a\\040b\\012c\\134
task 72 72 named_frames user exited 5 152653 31421
trace 152653 5 31421
k hrtimer_nanosleep+0x5e/0xa2
k ext4_foo+0x1/0x2 [ext4]
u 0x45e373 1 0x5e373
u 0x7f00 - -
task 11 11 kworker/0:1 kernel live 1 247958 247958
trace 247958 1 247958
k worker_thread+0x190/0x1c5
future line the parser skips
";

    #[test]
    fn parses_every_kind_of_line() {
        let t = parse(SAMPLE.as_bytes()).unwrap();
        assert_eq!(t.files[&1], PathBuf::from("/lattop/bin/named_frames"));
        assert_eq!(t.files[&2], PathBuf::from("/tmp/a b\nc\\"));
        assert_eq!(t.tasks.len(), 2);
        let task = &t.tasks[0];
        assert_eq!(
            (task.tid, task.tgid, task.comm.as_str()),
            (72, 72, "named_frames")
        );
        assert!(task.exited && !task.kernel_thread);
        assert_eq!(
            (task.sleeps, task.total_us, task.max_us),
            (5, 152653, 31421)
        );
        let trace = &task.traces[0];
        assert_eq!(
            trace.kernel,
            ["hrtimer_nanosleep+0x5e/0xa2", "ext4_foo+0x1/0x2 [ext4]"]
        );
        assert_eq!(
            trace.user,
            [
                UserFrame {
                    addr: 0x45e373,
                    file: Some((1, 0x5e373))
                },
                UserFrame {
                    addr: 0x7f00,
                    file: None
                }
            ]
        );
        assert!(t.tasks[1].kernel_thread && !t.tasks[1].exited);
    }

    #[test]
    fn refuses_other_files_and_versions() {
        assert!(parse(b"")
            .unwrap_err()
            .what
            .contains("not a lattop traces file"));
        assert!(parse(b"PID TGID COMM\n")
            .unwrap_err()
            .what
            .contains("not a lattop"));
        assert!(parse(b"lattop-traces 2\n")
            .unwrap_err()
            .what
            .contains("not the one"));
    }

    #[test]
    fn truncated_input_parses_as_far_as_it_goes_or_errs() {
        // Every prefix of a good file: a clear error or a partial parse,
        // never a panic.
        for end in 0..SAMPLE.len() {
            let _ = parse(&SAMPLE.as_bytes()[..end]);
        }
        let cut = "lattop-traces 1\ntask 1 1 a user live 1 2";
        assert_eq!(parse(cut.as_bytes()).unwrap_err().line, 2);
    }

    #[test]
    fn hostile_lines_are_errors_with_their_line() {
        for (bad, line) in [
            ("lattop-traces 1\ntrace 1 1 1\n", 2),
            ("lattop-traces 1\nk foo\n", 2),
            (
                "lattop-traces 1\ntask 1 1 a user live 1 1 1\nu 0x1 0 0x1\n",
                3,
            ),
            (
                "lattop-traces 1\ntask 1 1 a user live 1 1 1\ntrace 1 1 1\nu zz - -\n",
                4,
            ),
            ("lattop-traces 1\ntask 1 1 a alien live 1 1 1\n", 2),
            ("lattop-traces 1\ntask 99999999999 1 a user live 1 1 1\n", 2),
            ("lattop-traces 1\nfile 70000 /x\n", 2),
            ("lattop-traces 1\nfile 0 /x\n", 2),
            (
                "lattop-traces 1\ntask 1 1 a user live 1 1 18446744073709551616\n",
                2,
            ),
        ] {
            assert_eq!(parse(bad.as_bytes()).unwrap_err().line, line, "{bad:?}");
        }
        // Binary garbage after a good header.
        let mut garbage = b"lattop-traces 1\n".to_vec();
        garbage.extend((0..=255u8).cycle().take(4096));
        let _ = parse(&garbage);
    }
}
