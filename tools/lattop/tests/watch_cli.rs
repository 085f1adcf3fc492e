// SPDX-License-Identifier: GPL-2.0

//! `lattop watch` end to end, pointed by LATTOP_PROC at canned trees under
//! cargo's target/tmp. The notifier is a regular file: the CLI writes its
//! threshold over the first 56 bytes, then reads on from there, so events
//! put after those bytes are what it reads, and the end of the file is the
//! end of a notifier whose process exited.

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::mem::offset_of;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use lattop::abi::{
    lattop_event, lattop_threshold, LATTOP_DELIVER_EVENTFD, LATTOP_DELIVER_POLL,
    LATTOP_DELIVER_SIGNAL, LATTOP_THRESHOLD_DOWN, LATTOP_THRESHOLD_LEVEL, LATTOP_THRESHOLD_ONESHOT,
    LATTOP_THRESHOLD_UP,
};
use lattop::watch::THRESHOLD_SIZE;

/// An empty stand-in for /proc named after the test.
fn proc_tree(test: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("watch-{test}"));
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(&root).unwrap();
    root
}

/// <root>/<relative>, holding a threshold's worth of filler then `events`.
fn notifier(root: &Path, relative: &str, events: &[lattop_event]) -> PathBuf {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut bytes = vec![0xee; THRESHOLD_SIZE];
    bytes.extend(events.iter().flat_map(event_memory));
    fs::write(&path, bytes).unwrap();
    path
}

/// The threshold the CLI wrote: the file's first bytes.
fn written_threshold(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap()[..THRESHOLD_SIZE].to_vec()
}

fn command(root: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lattop"));
    command.arg("watch").args(args).env("LATTOP_PROC", root);
    command
}

fn lattop(root: &Path, args: &[&str]) -> Output {
    command(root, args).output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn watching(path: &Path) -> String {
    format!("lattop: watching {}\n", path.display())
}

/// A text line's received_ns, after checking that the rest is `want`.
fn received_ns(line: &str, want: &str) -> u64 {
    let (rest, received) = line.rsplit_once(" received_ns ").expect(line);
    assert_eq!(rest, want);
    received.parse().expect(line)
}

const CROSSED: &str =
    "5000000123 crossed pid 4242 tid 0 memory_usage value 2097152 level 1048576 cookie 9 lost 0";
const EXITED: &str =
    "6000000456 exited pid 4242 tid 0 memory_usage value 0 level 1048576 cookie 9 lost 3";

#[test]
fn arms_then_prints_events_to_the_end() {
    let root = proc_tree("pid");
    let path = notifier(
        &root,
        "allpids/4242/notifier/memory_usage",
        &sample_events(),
    );
    let output = lattop(
        &root,
        &[
            "4242",
            "memory_usage",
            "--above",
            "1048576",
            "--cookie",
            "9",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), watching(&path));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let first = received_ns(lines[0], CROSSED);
    let second = received_ns(lines[1], EXITED);
    assert!(first > 0 && second >= first, "{text}");

    let want = lattop_threshold {
        level: 1_048_576,
        cookie: 9,
        flags: LATTOP_THRESHOLD_UP,
        delivery: LATTOP_DELIVER_POLL,
        ..Default::default()
    };
    assert_eq!(written_threshold(&path), threshold_memory(&want));
}

#[test]
fn anypid_below_level_oneshot_window() {
    let root = proc_tree("anypid");
    let path = notifier(&root, "anypid/notifier/cpu_usage", &[]);
    let output = lattop(
        &root,
        &[
            "anypid",
            "cpu_usage",
            "--below",
            "-3",
            "--level",
            "--oneshot",
            "--window",
            "100",
            "--poll",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), watching(&path));
    assert!(output.stdout.is_empty());
    let want = lattop_threshold {
        level: -3,
        flags: LATTOP_THRESHOLD_DOWN | LATTOP_THRESHOLD_LEVEL | LATTOP_THRESHOLD_ONESHOT,
        delivery: LATTOP_DELIVER_POLL,
        window_ms: 100,
        ..Default::default()
    };
    assert_eq!(written_threshold(&path), threshold_memory(&want));
}

#[test]
fn allpids_any_change_as_json() {
    let root = proc_tree("allpids");
    let path = notifier(&root, "allpids/notifier/process_count", &sample_events());
    let output = lattop(
        &root,
        &[
            "allpids",
            "process_count",
            "--above",
            "min",
            "--level",
            "--json",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), watching(&path));
    let text = stdout(&output);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(lines[0]["kind"], "crossed");
    assert_eq!(lines[0]["resource"], "memory_usage");
    assert_eq!(lines[0]["value"], 2_097_152);
    assert_eq!(lines[1]["kind"], "exited");
    assert_eq!(lines[1]["lost"], 3);
    assert!(lines[1]["received_ns"].as_u64().unwrap() > 0);
    let want = lattop_threshold {
        level: i64::MIN,
        flags: LATTOP_THRESHOLD_UP | LATTOP_THRESHOLD_LEVEL,
        delivery: LATTOP_DELIVER_POLL,
        ..Default::default()
    };
    assert_eq!(written_threshold(&path), threshold_memory(&want));
}

#[test]
fn count_stops_early() {
    let root = proc_tree("count");
    notifier(
        &root,
        "allpids/4242/notifier/memory_usage",
        &sample_events(),
    );
    let output = lattop(
        &root,
        &["4242", "memory_usage", "--above", "1", "--count", "1"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 1, "{text}");
    received_ns(text.lines().next().unwrap(), CROSSED);
}

#[test]
fn missing_notifier_names_path_and_errno() {
    let root = proc_tree("missing");
    let output = lattop(&root, &["7", "fd_count", "--above", "1"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert_eq!(
        stderr(&output),
        format!(
            "lattop: cannot open {}/allpids/7/notifier/fd_count: No such file or directory (ENOENT) \
             (is lattop loaded, and is the process alive?)\n",
            root.display()
        )
    );
}

#[test]
fn refused_threshold_names_path_and_errno() {
    // /dev/full opens read-write and fails every write with ENOSPC.
    let root = proc_tree("refused");
    let path = root.join("allpids/7/notifier/fd_count");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("/dev/full", &path).unwrap();
    let output = lattop(&root, &["7", "fd_count", "--above", "1"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert_eq!(
        stderr(&output),
        format!(
            "lattop: cannot arm {}: No space left on device (ENOSPC)\n",
            path.display()
        )
    );
}

#[test]
fn partial_event_is_an_error() {
    let root = proc_tree("partial");
    let path = notifier(&root, "allpids/7/notifier/fd_count", &[]);
    let mut bytes = fs::read(&path).unwrap();
    bytes.extend([0; 30]);
    fs::write(&path, bytes).unwrap();
    let output = lattop(&root, &["7", "fd_count", "--above", "1"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        format!(
            "{}lattop: {}: read() returned 30 bytes, not whole 56-byte events\n",
            watching(&path),
            path.display()
        )
    );
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    let root = proc_tree("bad-args");
    for (args, says) in [
        (
            &["7", "fd_count", "--above", "1", "--below", "1"][..],
            "cannot be used with",
        ),
        (&["7", "fd_count"][..], "required arguments"),
        (&["7", "fds", "--above", "1"][..], "invalid value 'fds'"),
        (
            &["7", "fd_count", "--above", "1", "--signal", "SIGFOO"][..],
            "expected a signal number",
        ),
        (
            &["7", "fd_count", "--above", "1", "--signal", "KILL"][..],
            "cannot be waited for",
        ),
    ] {
        let output = lattop(&root, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(
            stderr(&output).contains(says),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

/// A running `lattop watch`, once it said it is watching `path`.
fn spawn_watching(root: &Path, args: &[&str], path: &Path) -> (Child, BufReader<ChildStderr>) {
    let mut child = command(root, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert_eq!(line, watching(path));
    (child, stderr)
}

/// Its stdout and exit status once it exits; killed after 10 s.
fn finish(mut child: Child, mut stderr: BufReader<ChildStderr>) -> (String, i32) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("lattop watch did not exit");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "");
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    (out, status.code().unwrap_or(-1))
}

/// A union sigval whose sival_int is `value`.
fn sigval_int(value: i32) -> libc::sigval {
    let mut bytes = [0; size_of::<usize>()];
    bytes[..4].copy_from_slice(&value.to_ne_bytes());
    libc::sigval {
        sival_ptr: std::ptr::without_provenance_mut(usize::from_ne_bytes(bytes)),
    }
}

#[test]
fn signal_delivery() {
    let root = proc_tree("signal");
    let path = notifier(
        &root,
        "allpids/4242/notifier/memory_usage",
        &sample_events(),
    );
    let args = [
        "4242",
        "memory_usage",
        "--above",
        "1048576",
        "--cookie",
        "9",
    ];
    let args = [&args[..], &["--signal", "SIGUSR1"]].concat();
    let (child, stderr) = spawn_watching(&root, &args, &path);
    let want = lattop_threshold {
        level: 1_048_576,
        cookie: 9,
        flags: LATTOP_THRESHOLD_UP,
        delivery: LATTOP_DELIVER_SIGNAL,
        signal: libc::SIGUSR1,
        ..Default::default()
    };
    assert_eq!(written_threshold(&path), threshold_memory(&want));

    // SAFETY: sigqueue takes no pointers (sival_ptr is only carried).
    let sent = unsafe { libc::sigqueue(child.id() as i32, libc::SIGUSR1, sigval_int(4242)) };
    assert_eq!(sent, 0, "{}", std::io::Error::last_os_error());
    let (out, status) = finish(child, stderr);
    assert_eq!(status, 0, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    let signal = received_ns(lines[0], &format!("signal {} value 4242", libc::SIGUSR1));
    let first = received_ns(lines[1], CROSSED);
    received_ns(lines[2], EXITED);
    assert!(first >= signal, "{out}");
}

#[test]
fn realtime_signal_delivery_as_json() {
    let root = proc_tree("signal-json");
    let path = notifier(&root, "anypid/notifier/thread_count", &[]);
    let args = ["anypid", "thread_count", "--above", "2", "--json"];
    let args = [&args[..], &["--signal", "RTMIN+1"]].concat();
    let (child, stderr) = spawn_watching(&root, &args, &path);
    let signo = libc::SIGRTMIN() + 1;
    let threshold = written_threshold(&path);
    let at = offset_of!(lattop_threshold, signal);
    assert_eq!(threshold[at..at + 4], signo.to_ne_bytes());

    // SAFETY: as above.
    let sent = unsafe { libc::sigqueue(child.id() as i32, signo, sigval_int(-7)) };
    assert_eq!(sent, 0, "{}", std::io::Error::last_os_error());
    let (out, status) = finish(child, stderr);
    assert_eq!(status, 0, "{out}");
    let json: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
    assert_eq!(json["signal"], signo);
    assert_eq!(json["sival_int"], -7);
    assert!(json["received_ns"].as_u64().unwrap() > 0);
}

/// Adds 1 to eventfd `fd` of process `pid`, as the kernel would; false
/// when this system will not hand over another process's descriptor.
fn bump_eventfd(pid: u32, fd: i32) -> bool {
    // SAFETY: these system calls take integers only.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if pidfd < 0 {
        return false;
    }
    // SAFETY: as above.
    let copy = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd, fd, 0) };
    // SAFETY: pidfd is this process's to close.
    unsafe { libc::close(pidfd as i32) };
    if copy < 0 {
        return false;
    }
    let one = 1u64.to_ne_bytes();
    // SAFETY: `one` is 8 live bytes; copy is this process's descriptor.
    let written = unsafe { libc::write(copy as i32, one.as_ptr().cast(), one.len()) };
    // SAFETY: as above.
    unsafe { libc::close(copy as i32) };
    assert_eq!(written, 8);
    true
}

#[test]
fn eventfd_delivery() {
    let root = proc_tree("eventfd");
    let path = notifier(
        &root,
        "allpids/4242/notifier/memory_usage",
        &sample_events(),
    );
    let args = ["4242", "memory_usage", "--above", "1048576"];
    let args = [&args[..], &["--cookie", "9", "--eventfd"]].concat();
    let (mut child, stderr) = spawn_watching(&root, &args, &path);
    let threshold = written_threshold(&path);
    let at = offset_of!(lattop_threshold, eventfd);
    let eventfd = i32::from_ne_bytes(threshold[at..at + 4].try_into().unwrap());
    assert!(eventfd > 2, "eventfd {eventfd}");
    let want = lattop_threshold {
        level: 1_048_576,
        cookie: 9,
        flags: LATTOP_THRESHOLD_UP,
        delivery: LATTOP_DELIVER_EVENTFD,
        eventfd,
        ..Default::default()
    };
    assert_eq!(threshold, threshold_memory(&want));

    if !bump_eventfd(child.id(), eventfd) {
        eprintln!("skipped: pidfd_getfd is not allowed here");
        child.kill().unwrap();
        child.wait().unwrap();
        return;
    }
    let (out, status) = finish(child, stderr);
    assert_eq!(status, 0, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    received_ns(lines[0], CROSSED);
    received_ns(lines[1], EXITED);
}
