// SPDX-License-Identifier: GPL-2.0

//! `lattop info`'s table and JSON on the canned sample.

mod common;

use std::collections::BTreeSet;

use common::*;
use lattop::decode::decode;
use lattop::info::{
    write_json, write_table, View, PROCESS_DELAYS_HEADER, PROCESS_HEADER, THREAD_DELAYS_HEADER,
    THREAD_HEADER, THREAD_INDENT,
};
use lattop::snapshot::Snapshot;
use serde_json::Value;

fn sample() -> Snapshot {
    decode(&sample_bytes()).unwrap()
}

fn table(with_threads: bool) -> String {
    let mut out = Vec::new();
    write_table(&sample(), View::Main, with_threads, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn fields(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

#[test]
fn table_has_a_header_and_a_line_per_process() {
    let text = table(false);
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(fields(lines[0]), fields(PROCESS_HEADER));
    assert_eq!(
        fields(lines[2]),
        [
            "4242",
            "1",
            "1000",
            "R",
            "2",
            "17",
            "6144",    // RSS_KB: (2 + 3 + 1) MiB
            "1048576", // VSIZE_KB: 1 GiB
            "59395",   // UTIME_MS: 7 ms * (4242 + 4243)
            "25455",   // STIME_MS
            "5",
            "85",
            "15",
            "13", // RUNQ_WAITS
            "27", // RUNQ_TOTAL_US: 27_998 ns
            "10", // RUNQ_MAX_US: 10_500 ns
            "my_worker",
        ]
    );
    assert_eq!(fields(lines[1])[0], "1");
    assert!(lines.iter().all(|line| !line.starts_with(' ')), "{text}");
}

#[test]
fn table_with_threads_puts_them_under_their_process() {
    let text = table(true);
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines.len(), 2 + 2 + 3, "{text}");
    assert_eq!(fields(lines[0]), fields(PROCESS_HEADER));
    assert!(lines[1].starts_with(THREAD_INDENT));
    assert_eq!(fields(lines[1]), fields(THREAD_HEADER));
    let kinds: String = lines[2..]
        .iter()
        .map(|line| {
            if line.starts_with(THREAD_INDENT) {
                't'
            } else {
                'p'
            }
        })
        .collect();
    assert_eq!(kinds, "ptptt", "{text}");
    assert_eq!(
        fields(lines[6]),
        [
            "4243",
            "D",
            "1",
            "98",
            "1",
            "29701",
            "12729",
            "46673",
            "55159",
            "42",
            "3",
            "51",
            "15",
            "7",
            "14",
            "10",
            "my_worker"
        ]
    );
}

#[test]
fn every_line_has_as_many_fields_as_its_header() {
    let text = table(true);
    let process_columns = fields(PROCESS_HEADER).len();
    let thread_columns = fields(THREAD_HEADER).len();
    for line in text.lines() {
        let want = if line.starts_with(' ') {
            thread_columns
        } else {
            process_columns
        };
        assert_eq!(fields(line).len(), want, "{line}");
    }
}

#[test]
fn json_has_the_uapi_field_names_and_values() {
    let mut out = Vec::new();
    write_json(&sample(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    let json: Value = serde_json::from_str(&text).unwrap();

    assert_eq!(json["snapshot_ns"], SNAPSHOT_NS);
    let processes = json["processes"].as_array().unwrap();
    assert_eq!(processes.len(), 2);
    let worker = &processes[1];
    assert_eq!(worker["pid"], 4242);
    assert_eq!(worker["comm"], "my worker");
    assert_eq!(worker["state"], "R");
    assert_eq!(worker["rss_shmem"], 1 << 20);
    assert_eq!(worker["latency"]["max_ns"], 15_000);
    let thread = &worker["threads"][1];
    assert_eq!(thread["tid"], 4243);
    assert_eq!(thread["blocked_ns"], 42_000_000);
    assert_eq!(thread["latency"]["sleeps"], 3);
    assert_eq!(worker["run_delay"]["sleeps"], 13);
    assert_eq!(worker["run_delay"]["total_ns"], 27_998);
    assert_eq!(thread["run_delay"]["max_ns"], 10_500);
    assert_eq!(processes[0]["threads"].as_array().unwrap().len(), 1);

    assert_eq!(
        keys(worker),
        uapi_fields("lattop_process_record", &["threads"])
    );
    assert_eq!(keys(thread), uapi_fields("lattop_thread_record", &[]));
    assert_eq!(keys(&worker["latency"]), uapi_fields("lattop_latency", &[]));
    assert_eq!(
        keys(&worker["run_delay"]),
        uapi_fields("lattop_latency", &[])
    );
    assert_eq!(
        keys(&thread["run_delay"]),
        uapi_fields("lattop_latency", &[])
    );
}

/// The sample as a module built before run_delay serves it.
fn old_module_sample() -> Snapshot {
    let processes = sample_processes();
    let mut builder = SnapshotBuilder::default();
    for process in &processes {
        builder.push(encode_old_process(process));
        for thread in &process.threads {
            builder.push(encode_old_thread(thread));
        }
    }
    decode(&builder.build()).unwrap()
}

/// Column `name` of a table line, by the header's names.
fn column<'a>(header: &str, line: &'a str, name: &str) -> &'a str {
    let index = fields(header).iter().position(|&n| n == name).unwrap();
    fields(line)[index]
}

#[test]
fn run_queue_columns_are_run_delay() {
    let text = table(true);
    let lines: Vec<_> = text.lines().collect();
    let runq = |header: &str, line: &str| {
        ["RUNQ_WAITS", "RUNQ_TOTAL_US", "RUNQ_MAX_US"]
            .map(|name| column(header, line, name).to_string())
    };
    // init, its thread, the worker, its second thread.
    assert_eq!(runq(PROCESS_HEADER, lines[2]), ["41", "3300", "700"]);
    assert_eq!(runq(THREAD_HEADER, lines[3]), ["41", "3300", "700"]);
    assert_eq!(runq(PROCESS_HEADER, lines[4]), ["13", "27", "10"]);
    assert_eq!(runq(THREAD_HEADER, lines[6]), ["7", "14", "10"]);
    // Right after the sleep columns, COMM still last.
    for header in [PROCESS_HEADER, THREAD_HEADER] {
        let names = fields(header);
        let at = names.iter().position(|&n| n == "SLEEP_MAX_US").unwrap();
        assert_eq!(
            names[at + 1..],
            ["RUNQ_WAITS", "RUNQ_TOTAL_US", "RUNQ_MAX_US", "COMM"]
        );
    }
}

#[test]
fn an_older_module_shows_zero_run_queue_delay() {
    let snapshot = old_module_sample();
    let mut out = Vec::new();
    write_table(&snapshot, View::Main, true, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines.len(), 2 + 2 + 3, "{text}");
    for line in &lines[2..] {
        let header = if line.starts_with(THREAD_INDENT) {
            THREAD_HEADER
        } else {
            PROCESS_HEADER
        };
        assert_eq!(fields(line).len(), fields(header).len(), "{line}");
        for name in ["RUNQ_WAITS", "RUNQ_TOTAL_US", "RUNQ_MAX_US"] {
            assert_eq!(column(header, line, name), "0", "{name} in {line}");
        }
        // The sleep columns are still the records'.
        assert_ne!(column(header, line, "SLEEPS"), "0", "{line}");
    }

    let mut out = Vec::new();
    write_json(&snapshot, &mut out).unwrap();
    let json: Value = serde_json::from_slice(&out).unwrap();
    let zero = serde_json::json!({"sleeps": 0, "total_ns": 0, "max_ns": 0});
    for process in json["processes"].as_array().unwrap() {
        assert_eq!(process["run_delay"], zero);
        for thread in process["threads"].as_array().unwrap() {
            assert_eq!(thread["run_delay"], zero);
        }
    }
}

fn keys(object: &Value) -> BTreeSet<String> {
    object.as_object().unwrap().keys().cloned().collect()
}

/// The field names of `struct NAME` in the UAPI header, less the framing and
/// the padding, plus `extra`: what the JSON object must hold, exactly.
fn uapi_fields(name: &str, extra: &[&str]) -> BTreeSet<String> {
    let header = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../include/uapi/linux/lattop.h"
    ))
    .unwrap();
    let start = format!("struct {name} {{");
    let body = header
        .split(&start)
        .nth(1)
        .unwrap()
        .split("};")
        .next()
        .unwrap();
    let mut names: BTreeSet<String> = without_comments(body)
        .split(';')
        .filter_map(|declaration| declaration.split_whitespace().last())
        .map(|name| name.split('[').next().unwrap().to_string())
        .filter(|name| !matches!(name.as_str(), "record" | "pad" | "pad2"))
        .collect();
    names.extend(extra.iter().map(|name| name.to_string()));
    names
}

fn without_comments(mut c: &str) -> String {
    let mut code = String::new();
    while let Some(start) = c.find("/*") {
        code.push_str(&c[..start]);
        c = c[start..].split_once("*/").map_or("", |(_, rest)| rest);
    }
    code + c
}

#[test]
fn delays_view_shows_the_kernel_accounting_and_dashes_what_it_lacks() {
    let mut out = Vec::new();
    write_table(&sample(), View::Delays, true, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(fields(lines[0]), fields(PROCESS_DELAYS_HEADER));
    assert_eq!(fields(lines[1]), fields(THREAD_DELAYS_HEADER));
    // init: every group; each kind a count and a total in us.
    let init = fields(lines[2]);
    assert_eq!(init.len(), fields(PROCESS_DELAYS_HEADER).len());
    assert_eq!(&init[..5], ["1", "101", "101000", "102", "102000"]);
    // READ_KB .. SYSCW: (4096 + 9..13) / 1024, then the call counts.
    assert_eq!(&init[17..], ["4", "4", "4", "4", "4", "15", "16", "init"]);
    // The worker: no delay accounting (born while it was off), the rest there.
    let worker = fields(lines[4]);
    assert_eq!(worker[0], "4242");
    assert_eq!(&worker[1..3], ["301", "301000"]);
    assert!(worker[3..17].iter().all(|f| *f == "-"), "{text}");
    assert_eq!(worker[17], "12"); // (3 * 4096 + 9) / 1024
    assert!(lines[5].starts_with(THREAD_INDENT), "{text}");
    assert_eq!(fields(lines[5])[0], "4242");
}
