// SPDX-License-Identifier: GPL-2.0

//! `lattop info`'s table and JSON on the canned sample.

mod common;

use std::collections::BTreeSet;

use common::*;
use lattop::decode::decode;
use lattop::info::{write_json, write_table, PROCESS_HEADER, THREAD_HEADER, THREAD_INDENT};
use lattop::snapshot::Snapshot;
use serde_json::Value;

fn sample() -> Snapshot {
    decode(&sample_bytes()).unwrap()
}

fn table(with_threads: bool) -> String {
    let mut out = Vec::new();
    write_table(&sample(), with_threads, &mut out).unwrap();
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
    assert_eq!(processes[0]["threads"].as_array().unwrap().len(), 1);

    assert_eq!(
        keys(worker),
        uapi_fields("lattop_process_record", &["threads"])
    );
    assert_eq!(keys(thread), uapi_fields("lattop_thread_record", &[]));
    assert_eq!(keys(&worker["latency"]), uapi_fields("lattop_latency", &[]));
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
