// SPDX-License-Identifier: GPL-2.0

//! The events read from a notifier file: decoded out of the struct
//! lattop_event bytes read() returns, and printed, like the signals that
//! announce them, as text or JSON lines.

use std::borrow::Cow;
use std::mem::size_of;

use serde::Serialize;

use crate::abi::{lattop_event, EVENT_KIND_NAMES};
use crate::decode::read_field;

use super::args::resource_name;

/// Bytes of one struct lattop_event, as read() returns them back to back.
pub const EVENT_SIZE: usize = size_of::<lattop_event>();

/// An event kind's name (`crossed`, `exited`); `kind<N>` for a value this
/// build does not know.
pub fn kind_name(kind: u32) -> Cow<'static, str> {
    match EVENT_KIND_NAMES.iter().find(|&&(_, value)| value == kind) {
        Some(&(name, _)) => Cow::Borrowed(name),
        None => Cow::Owned(format!("kind{kind}")),
    }
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
