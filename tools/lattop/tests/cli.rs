// SPDX-License-Identifier: GPL-2.0

//! The `lattop` binary end to end, pointed by LATTOP_PROC at canned trees
//! under cargo's target/tmp (left there, for trying the CLI by hand).

mod common;

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

use common::*;
use lattop::info::PROCESS_HEADER;

/// An empty stand-in for /proc named after the test; with `info`, holding
/// allpids/info with the sample, and allpids/4242/info with its second
/// process.
fn proc_tree(test: &str, info: bool) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(test);
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(&root).unwrap();
    if info {
        let processes = sample_processes();
        fs::create_dir_all(root.join("allpids/4242")).unwrap();
        fs::write(root.join("allpids/info"), sample_bytes()).unwrap();
        let one = SnapshotBuilder::with_processes(&processes[1..]).build();
        fs::write(root.join("allpids/4242/info"), one).unwrap();
    }
    root
}

fn lattop(root: &PathBuf, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lattop"))
        .args(args)
        .env("LATTOP_PROC", root)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn info_prints_the_table() {
    let root = proc_tree("canned-proc", true);
    let output = lattop(&root, &["info", "--threads"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 2 + 2 + 3, "{text}");
    let header: Vec<_> = text.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, PROCESS_HEADER.split(' ').collect::<Vec<_>>());
}

#[test]
fn info_for_one_pid() {
    let root = proc_tree("one-pid", true);
    let process = one_process(&lattop(&root, &["info", "--pid", "4242", "--json"]));
    assert_eq!(process["pid"], 4242);
    assert_eq!(process["threads"].as_array().unwrap().len(), 2);
}

/// The one process of a successful `info --json`.
fn one_process(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", stderr(output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let processes = json["processes"].as_array().unwrap();
    assert_eq!(processes.len(), 1);
    processes[0].clone()
}

/// In a container, directory names are the host's pids: the module's
/// record in allpids/9001/info says pid 4242 (the container's number), and
/// allpids/1/ (the host's init) is not there. `--pid 4242` finds it by its
/// record; allpids/4242/ is another process (the host's 4242, whose record
/// the container would number otherwise), not the one asked for.
#[test]
fn info_for_one_pid_in_a_container_finds_its_directory_by_its_record() {
    let root = proc_tree("container", true);
    let processes = sample_processes();
    fs::create_dir_all(root.join("allpids/9001")).unwrap();
    let wanted = SnapshotBuilder::with_processes(&processes[1..]).build();
    fs::write(root.join("allpids/9001/info"), wanted).unwrap();
    let other = SnapshotBuilder::with_processes(&processes[..1]).build();
    fs::write(root.join("allpids/4242/info"), other).unwrap();
    let process = one_process(&lattop(&root, &["info", "--pid", "4242", "--json"]));
    assert_eq!(process["pid"], 4242);
    // The control: on the host (allpids/1/ there), the directory is the
    // one named by the pid, whatever it holds.
    fs::create_dir_all(root.join("allpids/1")).unwrap();
    fs::write(root.join("allpids/1/info"), b"").unwrap();
    let process = one_process(&lattop(&root, &["info", "--pid", "4242", "--json"]));
    assert_ne!(process["pid"], 4242);
}

#[test]
fn missing_module_is_one_clear_line() {
    let root = proc_tree("no-module", false);
    let output = lattop(&root, &["info"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert_eq!(
        stderr(&output),
        format!(
            "lattop: {}/allpids/info: No such file or directory (is the lattop module loaded?)\n",
            root.display()
        )
    );
}

#[test]
fn missing_process_is_no_such_process() {
    let root = proc_tree("no-process", true);
    let output = lattop(&root, &["info", "--pid", "7"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        format!(
            "lattop: {}/allpids/7/info: no such process\n",
            root.display()
        )
    );
}

#[test]
fn undecodable_snapshot_is_one_clear_line() {
    let root = proc_tree("bad-magic", true);
    let mut bytes = sample_bytes();
    put(&mut bytes, 0, b"nope");
    fs::write(root.join("allpids/info"), bytes).unwrap();
    let output = lattop(&root, &["info"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.starts_with(&format!(
            "lattop: {}/allpids/info: bad magic ",
            root.display()
        )),
        "{message}"
    );
    assert_eq!(message.lines().count(), 1, "{message}");
}
