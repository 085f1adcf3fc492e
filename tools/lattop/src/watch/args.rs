// SPDX-License-Identifier: GPL-2.0

//! The arguments of `lattop watch`: the clap definition, the parsers of its
//! target, levels and signal, the notifier file they name, and the struct
//! lattop_threshold they ask for, as the bytes written to arm it.

use std::borrow::Cow;
use std::mem::{offset_of, size_of};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{ArgGroup, Args};

use crate::abi::{
    lattop_threshold, EVENT_KIND_NAMES, LATTOP_DELIVER_EVENTFD, LATTOP_DELIVER_POLL,
    LATTOP_DELIVER_SIGNAL, LATTOP_PROC_ANYPID, LATTOP_PROC_DIR, LATTOP_PROC_NOTIFIER,
    LATTOP_RESOURCE_CPU_USAGE, LATTOP_THRESHOLD_DOWN, LATTOP_THRESHOLD_LEVEL,
    LATTOP_THRESHOLD_ONESHOT, LATTOP_THRESHOLD_PRESENT, LATTOP_THRESHOLD_UP, RESOURCE_NAMES,
};
use crate::procfs::{pid_dir, uapi_str};

/// Bytes of the struct lattop_threshold written to arm a notifier.
pub const THRESHOLD_SIZE: usize = size_of::<lattop_threshold>();

/// The text after the options in `lattop watch --help`; the file names and
/// the event kinds are the UAPI header's.
fn watch_help() -> String {
    let dir = uapi_str(LATTOP_PROC_DIR);
    let anypid = uapi_str(LATTOP_PROC_ANYPID);
    let notifier = uapi_str(LATTOP_PROC_NOTIFIER);
    let kinds: Vec<&str> = EVENT_KIND_NAMES.iter().map(|&(name, _)| name).collect();
    format!(
        concat!(
            "Opens the notifier file of RESOURCE, writes one struct lattop_threshold\n",
            "to it (include/uapi/linux/lattop.h) and waits for its events:\n",
            "  {pid:<8} {pid_path:<44} that process\n",
            "  {anypid:<8} {anypid_path:<44} each process\n",
            "  {allpids:<8} {allpids_path:<44} their sum\n",
            "(LATTOP_PROC defaults to /proc). Once armed it says\n",
            "\"lattop: watching PATH\" on stderr, then prints one line per event on\n",
            "stdout as it reads it:\n",
            "  TIME_NS KIND pid PID tid TID RESOURCE value VALUE level LEVEL cookie COOKIE lost LOST received_ns RECEIVED_NS\n",
            "KIND is {kinds} (kindN for a kind this build does not know),\n",
            "RESOURCE the notifier file's name (resourceN likewise), the numbers the\n",
            "struct lattop_event fields, and RECEIVED_NS CLOCK_MONOTONIC, ns, when\n",
            "lattop read the event. With --signal, each signal received prints\n",
            "  signal SIGNO value SIVAL_INT received_ns RECEIVED_NS\n",
            "before the events read after it. --json prints one JSON object per line\n",
            "instead: the struct lattop_event field names, resource and kind as the\n",
            "names above, plus \"received_ns\"; for a signal {{\"signal\", \"sival_int\",\n",
            "\"received_ns\"}}.\n\n",
            "--above N fires when the value rises to N or more, --below N when it\n",
            "falls below N; N is an integer in the resource's unit, or min or max.\n",
            "--level fires at every change while on that side, not only at the\n",
            "crossing: --above min --level reports any change. The first value of\n",
            "a process alive at arming is its baseline and fires nothing, unless\n",
            "--present: then a value already past the level fires at once (for\n",
            "every process, under anypid). A process started later is judged from\n",
            "its birth either way: a hog from its first instruction fires.\n\n",
            "Exits 0 at the end of the file (after the watched process's exited\n",
            "event) or after --count events. Exits 1 with a one-line message naming\n",
            "the errno when the file cannot be opened, armed or read, e.g.\n",
            "  lattop: cannot arm PATH: Invalid argument (EINVAL)"
        ),
        pid = "PID",
        pid_path = format!("$LATTOP_PROC/{dir}/PID/{notifier}/RESOURCE"),
        anypid = anypid,
        anypid_path = format!("$LATTOP_PROC/{anypid}/{notifier}/RESOURCE"),
        allpids = dir,
        allpids_path = format!("$LATTOP_PROC/{dir}/{notifier}/RESOURCE"),
        kinds = alternatives(&kinds),
    )
}

/// "a", "a or b", "a, b or c"...
fn alternatives(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The target's value name: PID or the UAPI header's directory names.
static TARGET_NAME: LazyLock<String> = LazyLock::new(|| {
    format!(
        "PID|{}|{}",
        uapi_str(LATTOP_PROC_ANYPID),
        uapi_str(LATTOP_PROC_DIR)
    )
});

/// The target's help.
fn target_help() -> String {
    format!(
        "A process id, {} (each process) or {} (the sum over all)",
        uapi_str(LATTOP_PROC_ANYPID),
        uapi_str(LATTOP_PROC_DIR)
    )
}

/// The --window option's help.
fn window_help() -> String {
    format!(
        "Averaging window, ms ({} needs one)",
        resource_name(LATTOP_RESOURCE_CPU_USAGE)
    )
}

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
#[command(after_help = watch_help())]
#[command(group(ArgGroup::new("direction").required(true).args(["above", "below"])))]
#[command(group(ArgGroup::new("delivery").args(["eventfd", "signal", "poll"])))]
pub struct WatchArgs {
    #[arg(value_name = TARGET_NAME.as_str(), help = target_help(), value_parser = parse_target)]
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
    /// Report what is past the level already when armed (LATTOP_THRESHOLD_PRESENT)
    #[arg(long)]
    pub present: bool,
    /// Wait on an eventfd the kernel adds 1 to per event
    #[arg(long)]
    pub eventfd: bool,
    /// Wait for signal SIG per event: a number, a name (USR1, SIGUSR1), RTMIN+N
    #[arg(long, value_name = "SIG", value_parser = parse_signal)]
    pub signal: Option<i32>,
    /// Wait with poll() on the notifier file (the default)
    #[arg(long)]
    pub poll: bool,
    #[arg(long, value_name = "MS", help = window_help())]
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
        if self.present {
            flags |= LATTOP_THRESHOLD_PRESENT;
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

/// <root>/allpids/<pid>/notifier/<resource>, <root>/anypid/notifier/<resource>
/// or <root>/allpids/notifier/<resource>.
pub fn notifier_path(root: &Path, target: Target, resource: &str) -> PathBuf {
    let mut path = root.to_path_buf();
    match target {
        Target::Pid(pid) => path = pid_dir(root, pid),
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
