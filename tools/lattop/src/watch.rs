// SPDX-License-Identifier: GPL-2.0

//! `lattop watch`: arms a threshold on a notifier file (see the "Threshold
//! notifier" part of include/uapi/linux/lattop.h) and prints its events as
//! they come, one line each.
//!
//! The libc calls (eventfd, poll, signal masks and waits, the clock) each
//! live in one small function below; the rest is safe code, the notifier
//! file itself opened, written and read through std.

use std::borrow::Cow;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::mem::{self, offset_of, size_of};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::ptr;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{ArgGroup, Args};
use serde::Serialize;

use crate::abi::{
    lattop_event, lattop_threshold, EVENT_KIND_NAMES, LATTOP_DELIVER_EVENTFD, LATTOP_DELIVER_POLL,
    LATTOP_DELIVER_SIGNAL, LATTOP_PROC_ANYPID, LATTOP_PROC_DIR, LATTOP_PROC_NOTIFIER,
    LATTOP_THRESHOLD_DOWN, LATTOP_THRESHOLD_LEVEL, LATTOP_THRESHOLD_ONESHOT, LATTOP_THRESHOLD_UP,
    RESOURCE_NAMES,
};
use crate::decode::read_field;
use crate::errno;
use crate::error::CliError;
use crate::procfs::{proc_root, uapi_str};

/// Bytes of one struct lattop_event, as read() returns them back to back.
pub const EVENT_SIZE: usize = size_of::<lattop_event>();
/// Bytes of the struct lattop_threshold written to arm a notifier.
pub const THRESHOLD_SIZE: usize = size_of::<lattop_threshold>();
/// Events asked for by one read().
const READ_EVENTS: usize = 64;

const WATCH_HELP: &str = concat!(
    "Opens the notifier file of RESOURCE, writes one struct lattop_threshold\n",
    "to it (include/uapi/linux/lattop.h) and waits for its events:\n",
    "  PID      $LATTOP_PROC/allpids/PID/notifier/RESOURCE   that process\n",
    "  anypid   $LATTOP_PROC/anypid/notifier/RESOURCE        each process\n",
    "  allpids  $LATTOP_PROC/allpids/notifier/RESOURCE       their sum\n",
    "(LATTOP_PROC defaults to /proc). Once armed it says\n",
    "\"lattop: watching PATH\" on stderr, then prints one line per event on\n",
    "stdout as it reads it:\n",
    "  TIME_NS KIND pid PID tid TID RESOURCE value VALUE level LEVEL cookie COOKIE lost LOST received_ns RECEIVED_NS\n",
    "KIND is crossed or exited (kindN for a kind this build does not know),\n",
    "RESOURCE the notifier file's name (resourceN likewise), the numbers the\n",
    "struct lattop_event fields, and RECEIVED_NS CLOCK_MONOTONIC, ns, when\n",
    "lattop read the event. With --signal, each signal received prints\n",
    "  signal SIGNO value SIVAL_INT received_ns RECEIVED_NS\n",
    "before the events read after it. --json prints one JSON object per line\n",
    "instead: the struct lattop_event field names, resource and kind as the\n",
    "names above, plus \"received_ns\"; for a signal {\"signal\", \"sival_int\",\n",
    "\"received_ns\"}.\n\n",
    "--above N fires when the value rises to N or more, --below N when it\n",
    "falls below N; N is an integer in the resource's unit, or min or max.\n",
    "--level fires at every change while on that side, not only at the\n",
    "crossing: --above min --level reports any change.\n\n",
    "Exits 0 at the end of the file (after the watched process's exited\n",
    "event) or after --count events. Exits 1 with a one-line message naming\n",
    "the errno when the file cannot be opened, armed or read, e.g.\n",
    "  lattop: cannot arm PATH: Invalid argument (EINVAL)"
);

/// Who a notifier watches: the first argument of `lattop watch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// One process: allpids/<pid>/notifier/.
    Pid(u32),
    /// Each process on its own: anypid/notifier/.
    AnyPid,
    /// The sum over all processes: allpids/notifier/.
    AllPids,
}

/// How the CLI learns that events are queued (enum lattop_delivery).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Poll,
    Eventfd,
    /// The signal number.
    Signal(i32),
}

#[derive(Debug, Args)]
#[command(after_help = WATCH_HELP)]
#[command(group(ArgGroup::new("direction").required(true).args(["above", "below"])))]
#[command(group(ArgGroup::new("delivery").args(["eventfd", "signal", "poll"])))]
pub struct WatchArgs {
    /// A process id, anypid (each process) or allpids (the sum over all)
    #[arg(value_name = "PID|anypid|allpids", value_parser = parse_target)]
    pub target: Target,
    /// The resource: the notifier file's name
    #[arg(value_parser = resource_parser())]
    pub resource: u32,
    /// Fire when the value rises to N or more (LATTOP_THRESHOLD_UP)
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse_level)]
    pub above: Option<i64>,
    /// Fire when the value falls below N (LATTOP_THRESHOLD_DOWN)
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse_level)]
    pub below: Option<i64>,
    /// Fire at every change on that side of N, not only when crossing it
    #[arg(long)]
    pub level: bool,
    /// Stop the threshold after its first event
    #[arg(long)]
    pub oneshot: bool,
    /// Wait on an eventfd the kernel adds 1 to per event
    #[arg(long)]
    pub eventfd: bool,
    /// Wait for signal SIG per event: a number, a name (USR1, SIGUSR1), RTMIN+N
    #[arg(long, value_name = "SIG", value_parser = parse_signal)]
    pub signal: Option<i32>,
    /// Wait with poll() on the notifier file (the default)
    #[arg(long)]
    pub poll: bool,
    /// Averaging window, ms (cpu_usage needs one)
    #[arg(long, value_name = "MS")]
    pub window: Option<u32>,
    /// Echoed in every event
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub cookie: u64,
    /// Exit after N events
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// One JSON object per line instead of text
    #[arg(long)]
    pub json: bool,
}

impl WatchArgs {
    pub fn delivery(&self) -> Delivery {
        match (self.eventfd, self.signal) {
            (true, _) => Delivery::Eventfd,
            (false, Some(signo)) => Delivery::Signal(signo),
            (false, None) => Delivery::Poll,
        }
    }

    /// The threshold these arguments ask for; `eventfd` is the descriptor
    /// written for --eventfd (ignored otherwise).
    pub fn threshold(&self, eventfd: i32) -> lattop_threshold {
        let (level, direction) = match (self.above, self.below) {
            (Some(level), None) => (level, LATTOP_THRESHOLD_UP),
            (None, Some(level)) => (level, LATTOP_THRESHOLD_DOWN),
            _ => unreachable!("clap requires exactly one of --above and --below"),
        };
        let mut flags = direction;
        if self.level {
            flags |= LATTOP_THRESHOLD_LEVEL;
        }
        if self.oneshot {
            flags |= LATTOP_THRESHOLD_ONESHOT;
        }
        let mut threshold = lattop_threshold {
            level,
            cookie: self.cookie,
            flags,
            window_ms: self.window.unwrap_or(0),
            ..Default::default()
        };
        match self.delivery() {
            Delivery::Poll => threshold.delivery = LATTOP_DELIVER_POLL,
            Delivery::Eventfd => {
                threshold.delivery = LATTOP_DELIVER_EVENTFD;
                threshold.eventfd = eventfd;
            }
            Delivery::Signal(signo) => {
                threshold.delivery = LATTOP_DELIVER_SIGNAL;
                threshold.signal = signo;
            }
        }
        threshold
    }
}

/// A pid (1 or more), `anypid` or `allpids`.
pub fn parse_target(text: &str) -> Result<Target, String> {
    if text == uapi_str(LATTOP_PROC_ANYPID) {
        return Ok(Target::AnyPid);
    }
    if text == uapi_str(LATTOP_PROC_DIR) {
        return Ok(Target::AllPids);
    }
    match text.parse::<u32>() {
        Ok(pid) if pid > 0 => Ok(Target::Pid(pid)),
        _ => Err(format!(
            "expected a process id, {} or {}",
            uapi_str(LATTOP_PROC_ANYPID),
            uapi_str(LATTOP_PROC_DIR)
        )),
    }
}

/// A resource's name, one of RESOURCE_NAMES, as its enum lattop_resource value.
fn resource_parser() -> impl TypedValueParser<Value = u32> {
    PossibleValuesParser::new(RESOURCE_NAMES.iter().map(|&(name, _)| name))
        .map(|name| resource_value(&name).expect("a possible value is a known name"))
}

/// A level: an integer (negative allowed), or `min` / `max` for the
/// extremes of i64 (`--above min --level` fires at any change).
pub fn parse_level(text: &str) -> Result<i64, String> {
    match text {
        "min" => Ok(i64::MIN),
        "max" => Ok(i64::MAX),
        _ => text
            .parse()
            .map_err(|error| format!("{error}: expected an integer, min or max")),
    }
}

/// The enum lattop_resource value of a notifier file's name.
pub fn resource_value(name: &str) -> Option<u32> {
    RESOURCE_NAMES
        .iter()
        .find(|&&(known, _)| known == name)
        .map(|&(_, value)| value)
}

/// The notifier file's name of a resource; `resource<N>` for a value this
/// build does not know.
pub fn resource_name(resource: u32) -> Cow<'static, str> {
    match RESOURCE_NAMES.iter().find(|&&(_, value)| value == resource) {
        Some(&(name, _)) => Cow::Borrowed(name),
        None => Cow::Owned(format!("resource{resource}")),
    }
}

/// An event kind's name (`crossed`, `exited`); `kind<N>` for a value this
/// build does not know.
pub fn kind_name(kind: u32) -> Cow<'static, str> {
    match EVENT_KIND_NAMES.iter().find(|&&(_, value)| value == kind) {
        Some(&(name, _)) => Cow::Borrowed(name),
        None => Cow::Owned(format!("kind{kind}")),
    }
}

/// <root>/allpids/<pid>/notifier/<resource>, <root>/anypid/notifier/<resource>
/// or <root>/allpids/notifier/<resource>.
pub fn notifier_path(root: &Path, target: Target, resource: &str) -> PathBuf {
    let mut path = root.to_path_buf();
    match target {
        Target::Pid(pid) => {
            path.push(uapi_str(LATTOP_PROC_DIR));
            path.push(pid.to_string());
        }
        Target::AnyPid => path.push(uapi_str(LATTOP_PROC_ANYPID)),
        Target::AllPids => path.push(uapi_str(LATTOP_PROC_DIR)),
    }
    path.push(uapi_str(LATTOP_PROC_NOTIFIER));
    path.push(resource);
    path
}

/// Signal names from the libc crate's constants, as (name, number).
macro_rules! signal_table {
    ($($name:ident),* $(,)?) => {
        &[$((stringify!($name), libc::$name)),*]
    };
}

/// The standard signals (the realtime ones are RTMIN+N and RTMAX-N).
const SIGNAL_NAMES: &[(&str, i32)] = signal_table![
    SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGIOT, SIGBUS, SIGFPE, SIGKILL, SIGUSR1,
    SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP,
    SIGTTIN, SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPOLL,
    SIGPWR, SIGSYS,
];

/// A signal to wait for: a number, a name with or without SIG (any case),
/// or RTMIN, RTMIN+N, RTMAX, RTMAX-N. Refused: numbers past SIGRTMAX,
/// SIGKILL and SIGSTOP (they cannot be blocked, so cannot be waited for),
/// and those between the standard and the realtime signals, which the C
/// library keeps for itself (and will not block).
pub fn parse_signal(text: &str) -> Result<i32, String> {
    const EXPECTED: &str = "expected a signal number, a name (USR1, SIGUSR1), RTMIN+N or RTMAX-N";
    let signo = if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse::<i32>().map_err(|_| EXPECTED.to_string())?
    } else {
        let upper = text.to_ascii_uppercase();
        let name = upper.strip_prefix("SIG").unwrap_or(&upper);
        if let Some(rest) = name.strip_prefix("RTMIN") {
            libc::SIGRTMIN() + realtime_offset(rest, '+').ok_or(EXPECTED)?
        } else if let Some(rest) = name.strip_prefix("RTMAX") {
            libc::SIGRTMAX() - realtime_offset(rest, '-').ok_or(EXPECTED)?
        } else {
            SIGNAL_NAMES
                .iter()
                .find(|&&(known, _)| &known[3..] == name)
                .map(|&(_, signo)| signo)
                .ok_or(EXPECTED)?
        }
    };
    let last_standard = SIGNAL_NAMES.iter().map(|&(_, signo)| signo).max();
    if signo < 1 || signo > libc::SIGRTMAX() {
        Err(format!(
            "signal {signo} is out of range: 1 to {} (RTMAX)",
            libc::SIGRTMAX()
        ))
    } else if signo == libc::SIGKILL || signo == libc::SIGSTOP {
        Err(format!(
            "signal {signo} (SIGKILL, SIGSTOP) cannot be waited for"
        ))
    } else if Some(signo) > last_standard && signo < libc::SIGRTMIN() {
        Err(format!(
            "signal {signo} is the C library's own; realtime signals start at RTMIN ({})",
            libc::SIGRTMIN()
        ))
    } else {
        Ok(signo)
    }
}

/// N of "+N" (or "-N", per `sign`), 0 for "".
fn realtime_offset(rest: &str, sign: char) -> Option<i32> {
    if rest.is_empty() {
        return Some(0);
    }
    let digits = rest.strip_prefix(sign)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Writes field `$field` of `$value`, a `$struct`, into `$bytes` at its
/// offset, in the machine's byte order.
macro_rules! put_field {
    ($bytes:expr, $value:expr, $struct:ty, $field:ident) => {{
        let raw = $value.$field.to_ne_bytes();
        let offset = offset_of!($struct, $field);
        $bytes[offset..offset + raw.len()].copy_from_slice(&raw);
    }};
}

/// The bytes of a threshold as the kernel reads them, field by field at the
/// generated struct's offsets (bytes between fields, were there any, 0).
pub fn encode_threshold(threshold: &lattop_threshold) -> [u8; THRESHOLD_SIZE] {
    let mut bytes = [0; THRESHOLD_SIZE];
    put_field!(bytes, threshold, lattop_threshold, level);
    put_field!(bytes, threshold, lattop_threshold, cookie);
    put_field!(bytes, threshold, lattop_threshold, flags);
    put_field!(bytes, threshold, lattop_threshold, delivery);
    put_field!(bytes, threshold, lattop_threshold, eventfd);
    put_field!(bytes, threshold, lattop_threshold, signal);
    put_field!(bytes, threshold, lattop_threshold, window_ms);
    put_field!(bytes, threshold, lattop_threshold, reserved0);
    let mut offset = offset_of!(lattop_threshold, reserved);
    for word in threshold.reserved {
        let raw = word.to_ne_bytes();
        bytes[offset..offset + raw.len()].copy_from_slice(&raw);
        offset += raw.len();
    }
    bytes
}

/// One event out of exactly EVENT_SIZE bytes.
pub fn decode_event(bytes: &[u8; EVENT_SIZE]) -> lattop_event {
    let bytes = &bytes[..];
    lattop_event {
        time_ns: read_field!(bytes, lattop_event, time_ns),
        value: read_field!(bytes, lattop_event, value),
        level: read_field!(bytes, lattop_event, level),
        cookie: read_field!(bytes, lattop_event, cookie),
        pid: read_field!(bytes, lattop_event, pid),
        tid: read_field!(bytes, lattop_event, tid),
        resource: read_field!(bytes, lattop_event, resource),
        kind: read_field!(bytes, lattop_event, kind),
        lost: read_field!(bytes, lattop_event, lost),
    }
}

/// The events of one read(); None when its length is not a whole number of
/// events.
pub fn decode_events(bytes: &[u8]) -> Option<Vec<lattop_event>> {
    if !bytes.len().is_multiple_of(EVENT_SIZE) {
        return None;
    }
    let (events, _) = bytes.as_chunks::<EVENT_SIZE>();
    Some(events.iter().map(decode_event).collect())
}

/// How lines are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// An event as a JSON line: struct lattop_event's fields, names for the enums.
#[derive(Serialize)]
struct EventJson<'a> {
    time_ns: u64,
    value: i64,
    level: i64,
    cookie: u64,
    pid: i32,
    tid: i32,
    resource: &'a str,
    kind: &'a str,
    lost: u64,
    received_ns: u64,
}

#[derive(Serialize)]
struct SignalJson {
    signal: i32,
    sival_int: i32,
    received_ns: u64,
}

/// An event's line, without the newline; `received_ns` is when it was read.
pub fn event_line(event: &lattop_event, received_ns: u64, format: Format) -> String {
    let resource = resource_name(event.resource);
    let kind = kind_name(event.kind);
    match format {
        Format::Text => format!(
            "{} {kind} pid {} tid {} {resource} value {} level {} cookie {} lost {} received_ns {received_ns}",
            event.time_ns, event.pid, event.tid, event.value, event.level, event.cookie, event.lost,
        ),
        Format::Json => serde_json::to_string(&EventJson {
            time_ns: event.time_ns,
            value: event.value,
            level: event.level,
            cookie: event.cookie,
            pid: event.pid,
            tid: event.tid,
            resource: &resource,
            kind: &kind,
            lost: event.lost,
            received_ns,
        })
        .expect("integers and strings serialize"),
    }
}

/// A received signal's line, without the newline.
pub fn signal_line(signo: i32, sival_int: i32, received_ns: u64, format: Format) -> String {
    match format {
        Format::Text => format!("signal {signo} value {sival_int} received_ns {received_ns}"),
        Format::Json => serde_json::to_string(&SignalJson {
            signal: signo,
            sival_int,
            received_ns,
        })
        .expect("integers serialize"),
    }
}

/// Why watching stopped short.
#[derive(Debug)]
pub enum WatchError {
    Open {
        path: PathBuf,
        error: io::Error,
    },
    Arm {
        path: PathBuf,
        error: io::Error,
    },
    /// write() took fewer bytes than a whole threshold.
    ShortWrite {
        path: PathBuf,
        written: usize,
    },
    Read {
        path: PathBuf,
        error: io::Error,
    },
    /// read() returned bytes that are not a whole number of events.
    PartialEvent {
        path: PathBuf,
        length: usize,
    },
    /// poll() said POLLERR or POLLNVAL.
    PollError {
        path: PathBuf,
        revents: i16,
    },
    /// poll() said POLLHUP, yet read() found neither an event nor the end.
    HangupWithoutEnd {
        path: PathBuf,
    },
    /// A system call other than on the notifier file failed.
    Os {
        call: &'static str,
        error: io::Error,
    },
}

impl fmt::Display for WatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let describe = errno::describe;
        match self {
            WatchError::Open { path, error } => {
                write!(f, "cannot open {}: {}", path.display(), describe(error))?;
                if error.kind() == io::ErrorKind::NotFound {
                    write!(f, " (is lattop loaded, and is the process alive?)")?;
                }
                Ok(())
            }
            WatchError::Arm { path, error } => {
                write!(f, "cannot arm {}: {}", path.display(), describe(error))?;
                match error.raw_os_error() {
                    Some(libc::EINVAL) => write!(
                        f,
                        " (cpu_usage needs --window; no other resource takes one)"
                    ),
                    Some(libc::ESRCH) => write!(f, " (the process has exited)"),
                    Some(libc::EDQUOT) => {
                        write!(f, " (too many thresholds: see max_thresholds_per_user)")
                    }
                    _ => Ok(()),
                }
            }
            WatchError::ShortWrite { path, written } => write!(
                f,
                "cannot arm {}: write() took {written} of {THRESHOLD_SIZE} bytes",
                path.display()
            ),
            WatchError::Read { path, error } => {
                write!(f, "cannot read {}: {}", path.display(), describe(error))
            }
            WatchError::PartialEvent { path, length } => write!(
                f,
                "{}: read() returned {length} bytes, not whole {EVENT_SIZE}-byte events",
                path.display()
            ),
            WatchError::PollError { path, revents } => write!(
                f,
                "{}: poll() reported an error (revents {revents:#x})",
                path.display()
            ),
            WatchError::HangupWithoutEnd { path } => write!(
                f,
                "{}: poll() reported POLLHUP but read() found no end of file",
                path.display()
            ),
            WatchError::Os { call, error } => write!(f, "{call}: {}", describe(error)),
        }
    }
}

impl std::error::Error for WatchError {}

/// Arms the threshold and prints events until the end of the file, --count
/// events, or an error.
pub fn run(args: &WatchArgs) -> Result<(), CliError> {
    let path = notifier_path(&proc_root(), args.target, &resource_name(args.resource));
    // O_NONBLOCK: events are read until EAGAIN once woken, in every mode.
    let mut notifier = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&path)
        .map_err(|error| WatchError::Open {
            path: path.clone(),
            error,
        })?;
    let waiter = Waiter::new(args.delivery())?;
    arm(&mut notifier, &path, &args.threshold(waiter.eventfd()))?;
    eprintln!("lattop: watching {}", path.display());
    io::stderr().flush()?;

    let format = if args.json {
        Format::Json
    } else {
        Format::Text
    };
    let mut printer = Printer {
        out: io::stdout().lock(),
        format,
        remaining: args.count,
    };
    let mut buffer = vec![0; EVENT_SIZE * READ_EVENTS];
    loop {
        let hangup = waiter.wait(&notifier, &path, &mut printer)?;
        match drain(&mut notifier, &path, &mut buffer, &mut printer)? {
            Drained::End => return Ok(()),
            Drained::Empty if hangup => return Err(WatchError::HangupWithoutEnd { path }.into()),
            Drained::Empty | Drained::Events => {}
        }
    }
}

/// Writes the whole threshold in one write().
fn arm(notifier: &mut File, path: &Path, threshold: &lattop_threshold) -> Result<(), WatchError> {
    let bytes = encode_threshold(threshold);
    loop {
        match notifier.write(&bytes) {
            Ok(written) if written == bytes.len() => return Ok(()),
            Ok(written) => {
                return Err(WatchError::ShortWrite {
                    path: path.to_path_buf(),
                    written,
                })
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => {
                return Err(WatchError::Arm {
                    path: path.to_path_buf(),
                    error,
                })
            }
        }
    }
}

enum Drained {
    /// The end of the file, or --count events printed: done.
    End,
    /// EAGAIN before any event.
    Empty,
    /// EAGAIN after one event or more.
    Events,
}

/// Reads and prints events until the non-blocking notifier has none left.
fn drain(
    notifier: &mut File,
    path: &Path,
    buffer: &mut [u8],
    printer: &mut Printer<impl Write>,
) -> Result<Drained, CliError> {
    let mut any = false;
    loop {
        let length = match notifier.read(buffer) {
            Ok(0) => return Ok(Drained::End),
            Ok(length) => length,
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                return Ok(if any { Drained::Events } else { Drained::Empty });
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                let path = path.to_path_buf();
                return Err(WatchError::Read { path, error }.into());
            }
        };
        let received_ns = monotonic_ns();
        let events = decode_events(&buffer[..length]).ok_or_else(|| WatchError::PartialEvent {
            path: path.to_path_buf(),
            length,
        })?;
        for event in &events {
            any = true;
            if printer.event(event, received_ns)? {
                return Ok(Drained::End);
            }
        }
    }
}

/// Prints lines, flushing each; counts events down for --count.
struct Printer<W: Write> {
    out: W,
    format: Format,
    remaining: Option<u64>,
}

impl<W: Write> Printer<W> {
    /// Prints an event; true once --count events are printed.
    fn event(&mut self, event: &lattop_event, received_ns: u64) -> io::Result<bool> {
        self.line(&event_line(event, received_ns, self.format))?;
        if let Some(remaining) = &mut self.remaining {
            *remaining -= 1;
            return Ok(*remaining == 0);
        }
        Ok(false)
    }

    fn signal(&mut self, signo: i32, sival_int: i32, received_ns: u64) -> io::Result<()> {
        self.line(&signal_line(signo, sival_int, received_ns, self.format))
    }

    fn line(&mut self, line: &str) -> io::Result<()> {
        writeln!(self.out, "{line}")?;
        self.out.flush()
    }
}

/// What the CLI blocks on until events are queued.
enum Waiter {
    /// poll() on the notifier itself.
    Poll,
    /// read() of the eventfd the kernel adds to.
    Eventfd(File),
    /// sigwaitinfo() on this one-signal set, blocked since before arming.
    Signal(libc::sigset_t),
}

impl Waiter {
    /// Gets ready before the threshold is armed, so that no event's
    /// announcement can come before the CLI waits for it: the eventfd
    /// exists, the signal is blocked (it stays pending rather than killing).
    fn new(delivery: Delivery) -> Result<Self, WatchError> {
        let os = |call| move |error| WatchError::Os { call, error };
        Ok(match delivery {
            Delivery::Poll => Waiter::Poll,
            Delivery::Eventfd => Waiter::Eventfd(new_eventfd().map_err(os("eventfd"))?),
            Delivery::Signal(signo) => {
                Waiter::Signal(block_signal(signo).map_err(os("sigprocmask"))?)
            }
        })
    }

    /// The descriptor to write in the threshold's `eventfd`; 0 without one.
    fn eventfd(&self) -> i32 {
        match self {
            Waiter::Eventfd(eventfd) => eventfd.as_raw_fd(),
            _ => 0,
        }
    }

    /// Blocks until events may be queued (printing the signal line of a
    /// signal); true when poll() reported POLLHUP.
    fn wait(
        &self,
        notifier: &File,
        path: &Path,
        printer: &mut Printer<impl Write>,
    ) -> Result<bool, CliError> {
        let os = |call| move |error| WatchError::Os { call, error };
        match self {
            Waiter::Poll => {
                let revents = poll_in(notifier).map_err(os("poll"))?;
                if revents & (libc::POLLERR | libc::POLLNVAL) != 0 {
                    let path = path.to_path_buf();
                    return Err(WatchError::PollError { path, revents }.into());
                }
                Ok(revents & libc::POLLHUP != 0)
            }
            Waiter::Eventfd(eventfd) => {
                let mut count = [0; 8];
                (&*eventfd)
                    .read_exact(&mut count)
                    .map_err(os("read(eventfd)"))?;
                Ok(false)
            }
            Waiter::Signal(set) => {
                let (signo, sival_int) = wait_signal(set).map_err(os("sigwaitinfo"))?;
                printer.signal(signo, sival_int, monotonic_ns())?;
                Ok(false)
            }
        }
    }
}

/// A new eventfd, counter 0, closed on exec.
fn new_eventfd() -> io::Result<File> {
    // SAFETY: eventfd takes no pointers.
    let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a descriptor eventfd just opened, owned by nothing else.
    Ok(unsafe { File::from_raw_fd(fd) })
}

/// Blocks signal `signo` in the calling thread (the program's only one,
/// which is the one the kernel signals) and returns the set holding it.
fn block_signal(signo: i32) -> io::Result<libc::sigset_t> {
    // SAFETY: sigset_t is a plain bit array: all zeroes is a valid value.
    let mut set: libc::sigset_t = unsafe { mem::zeroed() };
    // SAFETY: `set` is a live sigset_t for the calls to write.
    let added =
        unsafe { libc::sigemptyset(&mut set) == 0 && libc::sigaddset(&mut set, signo) == 0 };
    if !added {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `set` is initialized; no old mask is asked for (null).
    if unsafe { libc::sigprocmask(libc::SIG_BLOCK, &set, ptr::null_mut()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(set)
}

/// Waits for a signal of `set` (blocked); returns its number and
/// si_value.sival_int. Retries when interrupted (by a stop and continue).
fn wait_signal(set: &libc::sigset_t) -> io::Result<(i32, i32)> {
    loop {
        // SAFETY: siginfo_t is plain integers (and unions of them): all
        // zeroes is a valid value.
        let mut info: libc::siginfo_t = unsafe { mem::zeroed() };
        // SAFETY: `set` is an initialized sigset_t, `info` a live siginfo_t.
        let signo = unsafe { libc::sigwaitinfo(set, &mut info) };
        if signo > 0 {
            // SAFETY: reads the bytes of si_value's place in the union that
            // sigwaitinfo filled: the value for SI_QUEUE, else whatever the
            // kernel left there (0 for kill()); any bytes are a valid sigval.
            let value = unsafe { info.si_value() };
            return Ok((signo, sival_int(value)));
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// union sigval's sival_int: its first 4 bytes, which the libc crate shows
/// only as part of sival_ptr.
fn sival_int(value: libc::sigval) -> i32 {
    let bytes = value.sival_ptr.addr().to_ne_bytes();
    i32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// Waits, without a timeout, for the notifier to be readable; returns revents.
fn poll_in(notifier: &File) -> io::Result<i16> {
    let mut pollfd = libc::pollfd {
        fd: notifier.as_raw_fd(),
        events: libc::POLLIN | libc::POLLPRI,
        revents: 0,
    };
    loop {
        // SAFETY: one live pollfd, and nfds says one.
        let ready = unsafe { libc::poll(&mut pollfd, 1, -1) };
        if ready > 0 {
            return Ok(pollfd.revents);
        }
        if ready < 0 {
            let error = io::Error::last_os_error();
            if error.kind() != io::ErrorKind::Interrupted {
                return Err(error);
            }
        }
    }
}

/// CLOCK_MONOTONIC now, ns: the clock of the events' time_ns.
pub fn monotonic_ns() -> u64 {
    // SAFETY: timespec is plain integers: all zeroes is a valid value.
    let mut now: libc::timespec = unsafe { mem::zeroed() };
    // SAFETY: `now` is a live timespec for clock_gettime to fill.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    assert_eq!(status, 0, "CLOCK_MONOTONIC is always there");
    // Never negative: the monotonic clock starts at boot.
    (now.tv_sec as u64) * 1_000_000_000 + now.tv_nsec as u64
}
