// SPDX-License-Identifier: GPL-2.0

//! `lattop watch`'s parts: arguments to the threshold written, event bytes
//! to lines, signal and errno names.

mod common;

use std::io;
use std::path::Path;

use clap::Parser;

use common::*;
use lattop::abi::{
    lattop_event, lattop_threshold, EVENT_KIND_NAMES, LATTOP_DELIVER_EVENTFD, LATTOP_DELIVER_POLL,
    LATTOP_DELIVER_SIGNAL, LATTOP_EVENT_EXITED, LATTOP_RESOURCE_CPU_USAGE,
    LATTOP_RESOURCE_FD_COUNT, LATTOP_RESOURCE_MEMORY_USAGE, LATTOP_THRESHOLD_DOWN,
    LATTOP_THRESHOLD_LEVEL, LATTOP_THRESHOLD_ONESHOT, LATTOP_THRESHOLD_PRESENT,
    LATTOP_THRESHOLD_UP, RESOURCE_NAMES,
};
use lattop::errno;
use lattop::watch::{
    decode_event, decode_events, encode_threshold, event_line, kind_name, notifier_path,
    parse_level, parse_signal, parse_target, resource_name, resource_value, signal_line, Delivery,
    Format, Target, WatchArgs, EVENT_SIZE, THRESHOLD_SIZE,
};

/// `lattop watch ARGS...` as the CLI parses it.
#[derive(Debug, Parser)]
struct Watch {
    #[command(flatten)]
    args: WatchArgs,
}

fn parse(args: &[&str]) -> Result<WatchArgs, clap::Error> {
    Watch::try_parse_from(std::iter::once("watch").chain(args.iter().copied()))
        .map(|watch| watch.args)
}

fn threshold(args: &[&str]) -> lattop_threshold {
    parse(args).unwrap().threshold(17)
}

/// The message of a refused command line.
fn refusal(args: &[&str]) -> String {
    parse(args).expect_err("refused").to_string()
}

#[test]
fn threshold_encodes_as_the_struct_is_laid_out() {
    let threshold = lattop_threshold {
        level: -0x0102_0304_0506_0708,
        cookie: 0x1112_1314_1516_1718,
        flags: 0x2122_2324,
        delivery: 0x3132_3334,
        eventfd: 0x4142_4344,
        signal: 0x5152_5354,
        window_ms: 0x6162_6364,
        reserved0: 0x7172_7374,
        reserved: [0x8182_8384_8586_8788, 0x9192_9394_9596_9798],
    };
    assert_eq!(THRESHOLD_SIZE, 56);
    assert_eq!(
        encode_threshold(&threshold).to_vec(),
        threshold_memory(&threshold)
    );
}

#[test]
fn above_is_up_and_below_is_down() {
    let up = threshold(&["42", "memory_usage", "--above", "1048576"]);
    assert_eq!(up.level, 1_048_576);
    assert_eq!(up.flags, LATTOP_THRESHOLD_UP);
    assert_eq!(up.delivery, LATTOP_DELIVER_POLL);
    assert_eq!(
        (up.cookie, up.eventfd, up.signal, up.window_ms),
        (0, 0, 0, 0)
    );
    assert_eq!((up.reserved0, up.reserved), (0, [0, 0]));

    let down = threshold(&["42", "fd_count", "--below", "-5"]);
    assert_eq!(down.level, -5);
    assert_eq!(down.flags, LATTOP_THRESHOLD_DOWN);
    let down = threshold(&["42", "fd_count", "--below=-9223372036854775808"]);
    assert_eq!(down.level, i64::MIN);
}

#[test]
fn any_change_is_above_min_level() {
    let any = threshold(&["anypid", "thread_count", "--above", "min", "--level"]);
    assert_eq!(any.level, i64::MIN);
    assert_eq!(any.flags, LATTOP_THRESHOLD_UP | LATTOP_THRESHOLD_LEVEL);
    let max = threshold(&["anypid", "thread_count", "--below", "max", "--oneshot"]);
    assert_eq!(max.level, i64::MAX);
    assert_eq!(max.flags, LATTOP_THRESHOLD_DOWN | LATTOP_THRESHOLD_ONESHOT);
}

#[test]
fn present_sets_its_flag() {
    let hogs = threshold(&["anypid", "memory_usage", "--above", "1000", "--present"]);
    assert_eq!(hogs.flags, LATTOP_THRESHOLD_UP | LATTOP_THRESHOLD_PRESENT);
    let plain = threshold(&["anypid", "memory_usage", "--above", "1000"]);
    assert_eq!(plain.flags & LATTOP_THRESHOLD_PRESENT, 0);
}

#[test]
fn options_fill_their_fields() {
    let all = threshold(&[
        "allpids",
        "cpu_usage",
        "--above",
        "50",
        "--level",
        "--oneshot",
        "--window",
        "250",
        "--cookie",
        "18446744073709551615",
    ]);
    assert_eq!(
        all.flags,
        LATTOP_THRESHOLD_UP | LATTOP_THRESHOLD_LEVEL | LATTOP_THRESHOLD_ONESHOT
    );
    assert_eq!(all.window_ms, 250);
    assert_eq!(all.cookie, u64::MAX);
    // Passed through as given: the kernel says what a window may be.
    assert_eq!(
        threshold(&["7", "cpu_usage", "--above", "1", "--window", "0"]).window_ms,
        0
    );
}

#[test]
fn delivery_fills_eventfd_or_signal() {
    let args = parse(&["7", "memory_usage", "--above", "1", "--eventfd"]).unwrap();
    assert_eq!(args.delivery(), Delivery::Eventfd);
    let eventfd = args.threshold(17);
    assert_eq!(
        (eventfd.delivery, eventfd.eventfd),
        (LATTOP_DELIVER_EVENTFD, 17)
    );
    assert_eq!(eventfd.signal, 0);

    let args = parse(&["7", "memory_usage", "--above", "1", "--signal", "USR1"]).unwrap();
    assert_eq!(args.delivery(), Delivery::Signal(libc::SIGUSR1));
    let signal = args.threshold(17);
    assert_eq!(
        (signal.delivery, signal.signal),
        (LATTOP_DELIVER_SIGNAL, libc::SIGUSR1)
    );
    assert_eq!(signal.eventfd, 0);

    let args = parse(&["7", "memory_usage", "--above", "1", "--poll"]).unwrap();
    assert_eq!(args.delivery(), Delivery::Poll);
    let poll = args.threshold(17);
    assert_eq!(
        (poll.delivery, poll.eventfd, poll.signal),
        (LATTOP_DELIVER_POLL, 0, 0)
    );
}

#[test]
fn exactly_one_direction() {
    let both = refusal(&["7", "memory_usage", "--above", "1", "--below", "2"]);
    assert!(both.contains("cannot be used with"), "{both}");
    let neither = refusal(&["7", "memory_usage"]);
    assert!(neither.contains("--above <N>|--below <N>"), "{neither}");
}

#[test]
fn at_most_one_delivery() {
    let two = refusal(&["7", "memory_usage", "--above", "1", "--eventfd", "--poll"]);
    assert!(two.contains("cannot be used with"), "{two}");
}

#[test]
fn bad_arguments_are_refused() {
    let resource = refusal(&["7", "memory", "--above", "1"]);
    assert!(resource.contains("invalid value 'memory'"), "{resource}");
    assert!(resource.contains("memory_usage"), "{resource}");
    let target = refusal(&["0", "memory_usage", "--above", "1"]);
    assert!(
        target.contains("expected a process id, anypid or allpids"),
        "{target}"
    );
    let level = refusal(&["7", "memory_usage", "--above", "lots"]);
    assert!(level.contains("expected an integer, min or max"), "{level}");
    let signal = refusal(&["7", "memory_usage", "--above", "1", "--signal", "USR3"]);
    assert!(signal.contains("expected a signal number"), "{signal}");
    let count = refusal(&["7", "memory_usage", "--above", "1", "--count", "0"]);
    assert!(count.contains("--count"), "{count}");
}

#[test]
fn targets() {
    assert_eq!(parse_target("4242"), Ok(Target::Pid(4242)));
    assert_eq!(parse_target("anypid"), Ok(Target::AnyPid));
    assert_eq!(parse_target("allpids"), Ok(Target::AllPids));
    for bad in ["0", "-1", "", "self", "12x", "4294967296"] {
        assert!(parse_target(bad).is_err(), "{bad}");
    }
}

#[test]
fn notifier_paths() {
    let root = Path::new("/proc");
    let path = |target| notifier_path(root, target, "fd_count");
    assert_eq!(
        path(Target::Pid(42)),
        Path::new("/proc/allpids/42/notifier/fd_count")
    );
    assert_eq!(
        path(Target::AnyPid),
        Path::new("/proc/anypid/notifier/fd_count")
    );
    assert_eq!(
        path(Target::AllPids),
        Path::new("/proc/allpids/notifier/fd_count")
    );
}

#[test]
fn levels() {
    assert_eq!(parse_level("0"), Ok(0));
    assert_eq!(parse_level("-12"), Ok(-12));
    assert_eq!(parse_level("min"), Ok(i64::MIN));
    assert_eq!(parse_level("max"), Ok(i64::MAX));
    assert_eq!(parse_level("9223372036854775807"), Ok(i64::MAX));
    for bad in ["", "1.5", "9223372036854775808", "MIN", "0x10"] {
        assert!(parse_level(bad).is_err(), "{bad}");
    }
}

#[test]
fn signal_names_and_numbers() {
    assert_eq!(parse_signal("10"), Ok(libc::SIGUSR1));
    assert_eq!(parse_signal("USR1"), Ok(libc::SIGUSR1));
    assert_eq!(parse_signal("SIGUSR2"), Ok(libc::SIGUSR2));
    assert_eq!(parse_signal("sigterm"), Ok(libc::SIGTERM));
    assert_eq!(parse_signal("IO"), Ok(libc::SIGIO));
    assert_eq!(parse_signal("RTMIN"), Ok(libc::SIGRTMIN()));
    assert_eq!(parse_signal("SIGRTMIN+3"), Ok(libc::SIGRTMIN() + 3));
    assert_eq!(parse_signal("RTMAX"), Ok(libc::SIGRTMAX()));
    assert_eq!(parse_signal("RTMAX-2"), Ok(libc::SIGRTMAX() - 2));
    let rtmax = libc::SIGRTMAX().to_string();
    assert_eq!(parse_signal(&rtmax), Ok(libc::SIGRTMAX()));
}

#[test]
fn unusable_signals_are_refused() {
    let past_rtmax = (libc::SIGRTMAX() + 1).to_string();
    let beyond = format!("RTMIN+{}", libc::SIGRTMAX() - libc::SIGRTMIN() + 1);
    for bad in [
        "",
        "0",
        "-1",
        &past_rtmax,
        &beyond,
        "USR3",
        "SIG",
        "RTMIN-1",
        "RTMIN+",
        "RTMIN+x",
        "RTMAX+1",
        "KILL",
        "SIGSTOP",
        "99999999999",
    ] {
        assert!(parse_signal(bad).is_err(), "{bad:?} accepted");
    }
    // Between the standard and the realtime signals: glibc's own.
    if libc::SIGRTMIN() > libc::SIGSYS + 1 {
        let reserved = (libc::SIGRTMIN() - 1).to_string();
        let message = parse_signal(&reserved).unwrap_err();
        assert!(message.contains("C library"), "{message}");
    }
}

#[test]
fn resource_names_are_the_headers() {
    let header = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../include/uapi/linux/lattop.h"
    ))
    .unwrap();
    // Each enum lattop_resource line names its file in a comment: /* "name": ...
    let commented: Vec<&str> = header
        .lines()
        .filter(|line| line.trim_start().starts_with("LATTOP_RESOURCE_"))
        .map(|line| line.split('"').nth(1).expect("a quoted file name"))
        .collect();
    let table: Vec<&str> = RESOURCE_NAMES.iter().map(|&(name, _)| name).collect();
    assert_eq!(table, commented);
    assert_eq!(
        resource_value("memory_usage"),
        Some(LATTOP_RESOURCE_MEMORY_USAGE)
    );
    assert_eq!(resource_value("cpu_usage"), Some(LATTOP_RESOURCE_CPU_USAGE));
    assert_eq!(resource_value("nope"), None);
    assert_eq!(resource_name(LATTOP_RESOURCE_FD_COUNT), "fd_count");
    assert_eq!(resource_name(999), "resource999");
    let kinds: Vec<&str> = EVENT_KIND_NAMES.iter().map(|&(name, _)| name).collect();
    assert_eq!(kinds, ["crossed", "exited"]);
    assert_eq!(kind_name(LATTOP_EVENT_EXITED), "exited");
    assert_eq!(kind_name(0), "kind0");
}

#[test]
fn events_decode_from_their_bytes() {
    let events = sample_events();
    assert_eq!(EVENT_SIZE, 56);
    let bytes: Vec<u8> = events.iter().flat_map(event_memory).collect();
    let decoded = decode_events(&bytes).unwrap();
    assert_eq!(decoded.len(), 2);
    for (decoded, event) in decoded.iter().zip(&events) {
        assert_eq!(event_memory(decoded), event_memory(event));
    }
    let one: &[u8; EVENT_SIZE] = bytes[..EVENT_SIZE].try_into().unwrap();
    assert_eq!(event_memory(&decode_event(one)), event_memory(&events[0]));
    assert_eq!(decode_events(&[]).map(|events| events.len()), Some(0));
    assert!(decode_events(&bytes[..EVENT_SIZE + 8]).is_none());
    assert!(decode_events(&bytes[..1]).is_none());
}

#[test]
fn event_text_lines() {
    let events = sample_events();
    assert_eq!(
        event_line(&events[0], 7_000_000_000, Format::Text),
        "5000000123 crossed pid 4242 tid 0 memory_usage value 2097152 level 1048576 \
         cookie 9 lost 0 received_ns 7000000000"
    );
    assert_eq!(
        event_line(&events[1], 8, Format::Text),
        "6000000456 exited pid 4242 tid 0 memory_usage value 0 level 1048576 \
         cookie 9 lost 3 received_ns 8"
    );
    let odd = lattop_event {
        time_ns: u64::MAX,
        value: i64::MIN,
        level: -1,
        cookie: u64::MAX,
        pid: 0,
        tid: -2,
        resource: 77,
        kind: 9,
        lost: u64::MAX,
    };
    assert_eq!(
        event_line(&odd, 0, Format::Text),
        "18446744073709551615 kind9 pid 0 tid -2 resource77 value -9223372036854775808 \
         level -1 cookie 18446744073709551615 lost 18446744073709551615 received_ns 0"
    );
}

#[test]
fn event_json_lines() {
    let events = sample_events();
    assert_eq!(
        event_line(&events[0], 7_000_000_000, Format::Json),
        r#"{"time_ns":5000000123,"value":2097152,"level":1048576,"cookie":9,"pid":4242,"tid":0,"resource":"memory_usage","kind":"crossed","lost":0,"received_ns":7000000000}"#
    );
    let mut odd = events[1];
    odd.resource = 0;
    odd.kind = 3;
    odd.value = -1;
    let json: serde_json::Value = serde_json::from_str(&event_line(&odd, 1, Format::Json)).unwrap();
    assert_eq!(json["resource"], "resource0");
    assert_eq!(json["kind"], "kind3");
    assert_eq!(json["value"], -1);
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    let mut want = [
        "time_ns",
        "value",
        "level",
        "cookie",
        "pid",
        "tid",
        "resource",
        "kind",
        "lost",
        "received_ns",
    ];
    want.sort();
    assert_eq!(keys, want);
}

#[test]
fn signal_lines() {
    assert_eq!(
        signal_line(10, 4242, 123, Format::Text),
        "signal 10 value 4242 received_ns 123"
    );
    assert_eq!(
        signal_line(34, -1, 5, Format::Json),
        r#"{"signal":34,"sival_int":-1,"received_ns":5}"#
    );
}

#[test]
fn errno_names() {
    assert_eq!(errno::name(libc::EINVAL), Some("EINVAL"));
    assert_eq!(errno::name(libc::EBUSY), Some("EBUSY"));
    assert_eq!(errno::name(libc::EAGAIN), Some("EAGAIN"));
    assert_eq!(errno::name(libc::EOPNOTSUPP), Some("EOPNOTSUPP"));
    assert_eq!(errno::name(0), None);
    let invalid = io::Error::from_raw_os_error(libc::EINVAL);
    assert_eq!(errno::describe(&invalid), "Invalid argument (EINVAL)");
    let busy = io::Error::from_raw_os_error(libc::EBUSY);
    assert_eq!(errno::describe(&busy), "Device or resource busy (EBUSY)");
    let unknown = io::Error::from_raw_os_error(4000);
    assert!(
        errno::describe(&unknown).ends_with(" (errno 4000)"),
        "{}",
        errno::describe(&unknown)
    );
    let custom = io::Error::other("no errno");
    assert_eq!(errno::describe(&custom), "no errno");
}
