// SPDX-License-Identifier: GPL-2.0

//! A decoded snapshot: what the kernel module's records say, as Rust values
//! with the UAPI header's field names (which the JSON output keeps).

use serde::Serialize;

/// One snapshot: the header's fields and the processes it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    pub abi_version: u16,
    /// How the bytes were laid out; of no use once decoded, so not in JSON.
    #[serde(skip)]
    pub header_size: u16,
    #[serde(skip)]
    pub record_count: u32,
    pub flags: u32,
    pub snapshot_ns: u64,
    #[serde(skip)]
    pub total_size: u64,
    pub processes: Vec<Process>,
}

/// A process record and the thread records that followed it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Process {
    pub pid: i32,
    pub ppid: i32,
    pub uid: u32,
    pub gid: u32,
    pub comm: String,
    pub state: char,
    pub nr_threads: u32,
    pub start_time_ns: u64,
    pub utime_ns: u64,
    pub stime_ns: u64,
    pub cpu_ns: u64,
    pub minflt: u64,
    pub majflt: u64,
    pub nvcsw: u64,
    pub nivcsw: u64,
    pub rss_file: u64,
    pub rss_anon: u64,
    pub rss_shmem: u64,
    pub vsize: u64,
    pub nr_fds: u32,
    pub latency: Latency,
    /// Run-queue delay: all 0 from a module older than the field (and from
    /// one loaded with hooks=kprobe, which does not measure it).
    pub run_delay: Latency,
    /// The kernel's accounting: groups 0 from a module older than it.
    pub acct: Acct,
    pub threads: Vec<Thread>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Thread {
    pub tid: i32,
    pub pid: i32,
    pub comm: String,
    pub state: char,
    pub cpu: i32,
    pub prio: i32,
    pub policy: u32,
    pub utime_ns: u64,
    pub stime_ns: u64,
    pub cpu_ns: u64,
    pub nvcsw: u64,
    pub nivcsw: u64,
    pub blocked_ns: u64,
    pub latency: Latency,
    /// As the process's: all 0 from a module older than the field.
    pub run_delay: Latency,
    /// As the process's.
    pub acct: Acct,
}

/// A struct lattop_latency: sleeps (`latency`) or waits for a CPU
/// (`run_delay`), their count, total and longest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Latency {
    pub sleeps: u64,
    pub total_ns: u64,
    pub max_ns: u64,
}

/// A struct lattop_acct: the kernel's delay and I/O accounting of a task.
/// A group whose bit is not in `groups` (LATTOP_ACCT_*) is all 0 and no data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Acct {
    pub groups: u32,
    pub cpu: Delay,
    pub blkio: Delay,
    pub swapin: Delay,
    pub freepages: Delay,
    pub thrashing: Delay,
    pub compact: Delay,
    pub wpcopy: Delay,
    pub irq: Delay,
    pub read_bytes: u64,
    pub write_bytes: u64,
    pub cancelled_write_bytes: u64,
    pub rchar: u64,
    pub wchar: u64,
    pub syscr: u64,
    pub syscw: u64,
}

/// A struct lattop_delay: how many delays of a kind, and their total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Delay {
    pub count: u64,
    pub total_ns: u64,
}
