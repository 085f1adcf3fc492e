// SPDX-License-Identifier: GPL-2.0

//! Canned snapshots for the tests: a builder that writes a header and records
//! as bytes, the way the kernel module lays them out.

// Each test file uses a different part of this module.
#![allow(dead_code)]

use std::mem::{offset_of, size_of};

use lattop::abi::{
    lattop_acct as AcctRecord, lattop_delay as DelayRecord, lattop_info_header as Header,
    lattop_latency as LatencyRecord, lattop_process_record as ProcessRecord,
    lattop_record as RecordHeader, lattop_thread_record as ThreadRecord, LATTOP_ABI_VERSION,
    LATTOP_ACCT_CPU_DELAY, LATTOP_ACCT_DELAYS, LATTOP_ACCT_IO_CALLS, LATTOP_ACCT_IO_STORAGE,
    LATTOP_INFO_MAGIC, LATTOP_TAG_PROCESS, LATTOP_TAG_THREAD,
};
use lattop::decode::{PROCESS_RECORD_MIN_LEN, THREAD_RECORD_MIN_LEN};
use lattop::snapshot::{Acct, Delay, Latency, Process, Thread};

pub const HEADER_SIZE: usize = size_of::<Header>();
pub const PROCESS_RECORD_SIZE: usize = size_of::<ProcessRecord>();
pub const THREAD_RECORD_SIZE: usize = size_of::<ThreadRecord>();
pub const SNAPSHOT_NS: u64 = 123_456_789_012;
/// Every group of struct lattop_acct.
pub const ALL_GROUPS: u32 =
    LATTOP_ACCT_CPU_DELAY | LATTOP_ACCT_DELAYS | LATTOP_ACCT_IO_STORAGE | LATTOP_ACCT_IO_CALLS;

/// A snapshot's bytes, built up record by record.
pub struct SnapshotBuilder {
    pub magic: u32,
    pub abi_version: u16,
    /// Bytes of header written; past the known header they are 0xee filler.
    pub header_size: usize,
    pub flags: u32,
    pub snapshot_ns: u64,
    /// None: the number of records pushed.
    pub record_count: Option<u32>,
    records: Vec<Vec<u8>>,
}

impl Default for SnapshotBuilder {
    fn default() -> Self {
        SnapshotBuilder {
            magic: LATTOP_INFO_MAGIC,
            abi_version: LATTOP_ABI_VERSION as u16,
            header_size: HEADER_SIZE,
            flags: 0,
            snapshot_ns: SNAPSHOT_NS,
            record_count: None,
            records: Vec::new(),
        }
    }
}

impl SnapshotBuilder {
    /// A builder holding `processes` and their threads, in snapshot order.
    pub fn with_processes(processes: &[Process]) -> Self {
        let mut builder = SnapshotBuilder::default();
        for process in processes {
            builder.push(encode_process(process));
            for thread in &process.threads {
                builder.push(encode_thread(thread));
            }
        }
        builder
    }

    pub fn push(&mut self, record: Vec<u8>) -> &mut Self {
        self.records.push(record);
        self
    }

    pub fn insert(&mut self, index: usize, record: Vec<u8>) -> &mut Self {
        self.records.insert(index, record);
        self
    }

    pub fn records_mut(&mut self) -> &mut Vec<Vec<u8>> {
        &mut self.records
    }

    pub fn build(&self) -> Vec<u8> {
        let mut bytes = vec![0xee; self.header_size.max(HEADER_SIZE)];
        let record_count = self.record_count.unwrap_or(self.records.len() as u32);
        put(
            &mut bytes,
            offset_of!(Header, magic),
            &self.magic.to_ne_bytes(),
        );
        put(
            &mut bytes,
            offset_of!(Header, abi_version),
            &self.abi_version.to_ne_bytes(),
        );
        put(
            &mut bytes,
            offset_of!(Header, header_size),
            &(self.header_size as u16).to_ne_bytes(),
        );
        put(
            &mut bytes,
            offset_of!(Header, record_count),
            &record_count.to_ne_bytes(),
        );
        put(
            &mut bytes,
            offset_of!(Header, flags),
            &self.flags.to_ne_bytes(),
        );
        put(
            &mut bytes,
            offset_of!(Header, snapshot_ns),
            &self.snapshot_ns.to_ne_bytes(),
        );
        // A header_size under the known header's still gets all of it.
        bytes.truncate(self.header_size.max(HEADER_SIZE));
        for record in &self.records {
            bytes.extend_from_slice(record);
        }
        let total_size = bytes.len() as u64;
        set_total_size(&mut bytes, total_size);
        bytes
    }
}

/// Overwrites `bytes[offset..]` with `value`.
pub fn put(bytes: &mut [u8], offset: usize, value: &[u8]) {
    bytes[offset..offset + value.len()].copy_from_slice(value);
}

pub fn set_total_size(bytes: &mut [u8], total_size: u64) {
    put(
        bytes,
        offset_of!(Header, total_size),
        &total_size.to_ne_bytes(),
    );
}

/// A record of `length` bytes, 0xaa past its record header.
pub fn raw_record(tag: u16, length: usize) -> Vec<u8> {
    let mut record = vec![0xaa; length.max(size_of::<RecordHeader>())];
    put(
        &mut record,
        offset_of!(RecordHeader, tag),
        &tag.to_ne_bytes(),
    );
    put(
        &mut record,
        offset_of!(RecordHeader, reserved),
        &0u16.to_ne_bytes(),
    );
    set_length(&mut record, length as u32);
    record.truncate(length);
    record
}

/// Sets a record's length field, leaving its bytes as they are.
pub fn set_length(record: &mut [u8], length: u32) {
    put(
        record,
        offset_of!(RecordHeader, length),
        &length.to_ne_bytes(),
    );
}

/// `record` grown by `extra` bytes of 0xaa: fields of a newer ABI.
pub fn lengthen(mut record: Vec<u8>, extra: usize) -> Vec<u8> {
    record.resize(record.len() + extra, 0xaa);
    let length = record.len() as u32;
    set_length(&mut record, length);
    record
}

pub fn encode_process(process: &Process) -> Vec<u8> {
    type P = ProcessRecord;
    let mut record = raw_record(LATTOP_TAG_PROCESS as u16, PROCESS_RECORD_SIZE);
    let r = &mut record;
    put(r, offset_of!(P, pid), &process.pid.to_ne_bytes());
    put(r, offset_of!(P, ppid), &process.ppid.to_ne_bytes());
    put(r, offset_of!(P, uid), &process.uid.to_ne_bytes());
    put(r, offset_of!(P, gid), &process.gid.to_ne_bytes());
    put(r, offset_of!(P, comm), &comm_bytes(&process.comm));
    put(r, offset_of!(P, state), &[process.state as u8, 0, 0, 0]);
    put(
        r,
        offset_of!(P, nr_threads),
        &process.nr_threads.to_ne_bytes(),
    );
    put(
        r,
        offset_of!(P, start_time_ns),
        &process.start_time_ns.to_ne_bytes(),
    );
    put(r, offset_of!(P, utime_ns), &process.utime_ns.to_ne_bytes());
    put(r, offset_of!(P, stime_ns), &process.stime_ns.to_ne_bytes());
    put(r, offset_of!(P, cpu_ns), &process.cpu_ns.to_ne_bytes());
    put(r, offset_of!(P, minflt), &process.minflt.to_ne_bytes());
    put(r, offset_of!(P, majflt), &process.majflt.to_ne_bytes());
    put(r, offset_of!(P, nvcsw), &process.nvcsw.to_ne_bytes());
    put(r, offset_of!(P, nivcsw), &process.nivcsw.to_ne_bytes());
    put(r, offset_of!(P, rss_file), &process.rss_file.to_ne_bytes());
    put(r, offset_of!(P, rss_anon), &process.rss_anon.to_ne_bytes());
    put(
        r,
        offset_of!(P, rss_shmem),
        &process.rss_shmem.to_ne_bytes(),
    );
    put(r, offset_of!(P, vsize), &process.vsize.to_ne_bytes());
    put(r, offset_of!(P, nr_fds), &process.nr_fds.to_ne_bytes());
    put(r, offset_of!(P, pad2), &0u32.to_ne_bytes());
    put_latency(r, offset_of!(P, latency), &process.latency);
    put_latency(r, offset_of!(P, run_delay), &process.run_delay);
    put_acct(r, offset_of!(P, acct), &process.acct);
    record
}

pub fn encode_thread(thread: &Thread) -> Vec<u8> {
    type T = ThreadRecord;
    let mut record = raw_record(LATTOP_TAG_THREAD as u16, THREAD_RECORD_SIZE);
    let r = &mut record;
    put(r, offset_of!(T, tid), &thread.tid.to_ne_bytes());
    put(r, offset_of!(T, pid), &thread.pid.to_ne_bytes());
    put(r, offset_of!(T, comm), &comm_bytes(&thread.comm));
    put(r, offset_of!(T, state), &[thread.state as u8, 0, 0, 0]);
    put(r, offset_of!(T, cpu), &thread.cpu.to_ne_bytes());
    put(r, offset_of!(T, prio), &thread.prio.to_ne_bytes());
    put(r, offset_of!(T, policy), &thread.policy.to_ne_bytes());
    put(r, offset_of!(T, utime_ns), &thread.utime_ns.to_ne_bytes());
    put(r, offset_of!(T, stime_ns), &thread.stime_ns.to_ne_bytes());
    put(r, offset_of!(T, cpu_ns), &thread.cpu_ns.to_ne_bytes());
    put(r, offset_of!(T, nvcsw), &thread.nvcsw.to_ne_bytes());
    put(r, offset_of!(T, nivcsw), &thread.nivcsw.to_ne_bytes());
    put(
        r,
        offset_of!(T, blocked_ns),
        &thread.blocked_ns.to_ne_bytes(),
    );
    put_latency(r, offset_of!(T, latency), &thread.latency);
    put_latency(r, offset_of!(T, run_delay), &thread.run_delay);
    put_acct(r, offset_of!(T, acct), &thread.acct);
    record
}

/// `record` cut to `length` bytes, its length field to match.
pub fn shorten(mut record: Vec<u8>, length: usize) -> Vec<u8> {
    record.truncate(length);
    set_length(&mut record, length as u32);
    record
}

/// A process record as a module built before run_delay wrote it: the same
/// bytes, ending after latency.
pub fn encode_old_process(process: &Process) -> Vec<u8> {
    shorten(encode_process(process), PROCESS_RECORD_MIN_LEN)
}

/// A thread record as a module built before run_delay wrote it.
pub fn encode_old_thread(thread: &Thread) -> Vec<u8> {
    shorten(encode_thread(thread), THREAD_RECORD_MIN_LEN)
}

/// `processes` as an older module sees them: no run_delay (nor acct).
pub fn without_run_delay(processes: &[Process]) -> Vec<Process> {
    let mut processes = without_acct(processes);
    for process in &mut processes {
        process.run_delay = Latency::default();
        for thread in &mut process.threads {
            thread.run_delay = Latency::default();
        }
    }
    processes
}

/// A process record as a module built before acct wrote it: ending after
/// run_delay.
pub fn encode_pre_acct_process(process: &Process) -> Vec<u8> {
    shorten(encode_process(process), offset_of!(ProcessRecord, acct))
}

/// A thread record as a module built before acct wrote it.
pub fn encode_pre_acct_thread(thread: &Thread) -> Vec<u8> {
    shorten(encode_thread(thread), offset_of!(ThreadRecord, acct))
}

/// `processes` as a module built before acct sees them.
pub fn without_acct(processes: &[Process]) -> Vec<Process> {
    let mut processes = processes.to_vec();
    for process in &mut processes {
        process.acct = Acct::default();
        for thread in &mut process.threads {
            thread.acct = Acct::default();
        }
    }
    processes
}

fn put_acct(record: &mut [u8], offset: usize, acct: &Acct) {
    type A = AcctRecord;
    let delays = [
        (offset_of!(A, cpu), &acct.cpu),
        (offset_of!(A, blkio), &acct.blkio),
        (offset_of!(A, swapin), &acct.swapin),
        (offset_of!(A, freepages), &acct.freepages),
        (offset_of!(A, thrashing), &acct.thrashing),
        (offset_of!(A, compact), &acct.compact),
        (offset_of!(A, wpcopy), &acct.wpcopy),
        (offset_of!(A, irq), &acct.irq),
    ];
    put(
        record,
        offset + offset_of!(A, groups),
        &acct.groups.to_ne_bytes(),
    );
    for (at, delay) in delays {
        let at = offset + at;
        put(
            record,
            at + offset_of!(DelayRecord, count),
            &delay.count.to_ne_bytes(),
        );
        put(
            record,
            at + offset_of!(DelayRecord, total_ns),
            &delay.total_ns.to_ne_bytes(),
        );
    }
    let counters = [
        (offset_of!(A, read_bytes), acct.read_bytes),
        (offset_of!(A, write_bytes), acct.write_bytes),
        (
            offset_of!(A, cancelled_write_bytes),
            acct.cancelled_write_bytes,
        ),
        (offset_of!(A, rchar), acct.rchar),
        (offset_of!(A, wchar), acct.wchar),
        (offset_of!(A, syscr), acct.syscr),
        (offset_of!(A, syscw), acct.syscw),
    ];
    for (at, value) in counters {
        put(record, offset + at, &value.to_ne_bytes());
    }
}

/// Accounting whose every number is distinct (and derived from `seed`), with
/// the groups `groups`.
pub fn sample_acct(seed: u64, groups: u32) -> Acct {
    let delay = |k: u64| Delay {
        count: seed * 100 + k,
        total_ns: (seed * 100 + k) * 1_000_003,
    };
    Acct {
        groups,
        cpu: delay(1),
        blkio: delay(2),
        swapin: delay(3),
        freepages: delay(4),
        thrashing: delay(5),
        compact: delay(6),
        wpcopy: delay(7),
        irq: delay(8),
        read_bytes: seed * 4096 + 9,
        write_bytes: seed * 4096 + 10,
        cancelled_write_bytes: seed * 4096 + 11,
        rchar: seed * 4096 + 12,
        wchar: seed * 4096 + 13,
        syscr: seed + 14,
        syscw: seed + 15,
    }
}

fn put_latency(record: &mut [u8], offset: usize, latency: &Latency) {
    type L = LatencyRecord;
    put(
        record,
        offset + offset_of!(L, sleeps),
        &latency.sleeps.to_ne_bytes(),
    );
    put(
        record,
        offset + offset_of!(L, total_ns),
        &latency.total_ns.to_ne_bytes(),
    );
    put(
        record,
        offset + offset_of!(L, max_ns),
        &latency.max_ns.to_ne_bytes(),
    );
}

/// A command name NUL-padded to the kernel's 16 bytes.
pub fn comm_bytes(comm: &str) -> [u8; 16] {
    let mut bytes = [0; 16];
    let len = comm.len().min(16);
    bytes[..len].copy_from_slice(&comm.as_bytes()[..len]);
    bytes
}

/// Two processes, three threads: init with one, "my worker" with two. Every
/// number is distinct, so a field read from its neighbour's place shows.
pub fn sample_processes() -> Vec<Process> {
    let init = Process {
        pid: 1,
        ppid: 0,
        uid: 0,
        gid: 0,
        comm: "init".into(),
        state: 'S',
        nr_threads: 1,
        start_time_ns: 1_000_000,
        utime_ns: 12_000_000,
        stime_ns: 34_000_000,
        cpu_ns: 46_123_456,
        minflt: 501,
        majflt: 7,
        nvcsw: 803,
        nivcsw: 9,
        rss_file: 1_048_576,
        rss_anon: 524_288,
        rss_shmem: 4096,
        vsize: 8_388_608,
        nr_fds: 5,
        latency: Latency {
            sleeps: 30,
            total_ns: 2_500_000_000,
            max_ns: 1_000_000_000,
        },
        run_delay: Latency {
            sleeps: 41,
            total_ns: 3_300_000,
            max_ns: 700_000,
        },
        acct: sample_acct(1, ALL_GROUPS),
        threads: vec![Thread {
            tid: 1,
            pid: 1,
            comm: "init".into(),
            state: 'S',
            cpu: 0,
            prio: 120,
            policy: 0,
            utime_ns: 12_000_000,
            stime_ns: 34_000_000,
            cpu_ns: 46_123_456,
            nvcsw: 803,
            nivcsw: 9,
            blocked_ns: 250_000_000,
            latency: Latency {
                sleeps: 30,
                total_ns: 2_500_000_000,
                max_ns: 1_000_000_000,
            },
            run_delay: Latency {
                sleeps: 41,
                total_ns: 3_300_000,
                max_ns: 700_000,
            },
            acct: sample_acct(2, ALL_GROUPS),
        }],
    };
    let worker_thread = |tid, cpu, state, sleeps| Thread {
        tid,
        pid: 4242,
        comm: "my worker".into(),
        state,
        cpu,
        prio: 98,
        policy: 1,
        utime_ns: 7_000_000 * tid as u64,
        stime_ns: 3_000_000 * tid as u64,
        cpu_ns: 10_000_001 * tid as u64,
        nvcsw: 11 * tid as u64,
        nivcsw: 13 * tid as u64,
        blocked_ns: if state == 'D' { 42_000_000 } else { 0 },
        latency: Latency {
            sleeps,
            total_ns: 17_000 * sleeps,
            max_ns: 5_000 * sleeps,
        },
        run_delay: Latency {
            sleeps: sleeps + 4,
            total_ns: 2_000 * (sleeps + 4) + 999,
            max_ns: 1_500 * (sleeps + 4),
        },
        // A thread born while delay accounting was off: no delays.
        acct: sample_acct(tid as u64, ALL_GROUPS & !LATTOP_ACCT_DELAYS),
    };
    let worker = Process {
        pid: 4242,
        ppid: 1,
        uid: 1000,
        gid: 100,
        comm: "my worker".into(),
        state: 'R',
        nr_threads: 2,
        start_time_ns: 9_876_543_210,
        utime_ns: 7_000_000 * (4242 + 4243),
        stime_ns: 3_000_000 * (4242 + 4243),
        cpu_ns: 10_000_001 * (4242 + 4243),
        minflt: 1234,
        majflt: 56,
        nvcsw: 11 * (4242 + 4243),
        nivcsw: 13 * (4242 + 4243),
        rss_file: 2 << 20,
        rss_anon: 3 << 20,
        rss_shmem: 1 << 20,
        vsize: 1 << 30,
        nr_fds: 17,
        latency: Latency {
            sleeps: 5,
            total_ns: 17_000 * 5,
            max_ns: 5_000 * 3,
        },
        // The threads': 6 + 7 waits, 12_999 + 14_999 ns, the longest 10_500.
        run_delay: Latency {
            sleeps: 13,
            total_ns: 27_998,
            max_ns: 10_500,
        },
        acct: sample_acct(3, ALL_GROUPS & !LATTOP_ACCT_DELAYS),
        threads: vec![
            worker_thread(4242, 3, 'R', 2),
            worker_thread(4243, 1, 'D', 3),
        ],
    };
    vec![init, worker]
}

/// The sample's bytes, as read from /proc/allpids/info.
pub fn sample_bytes() -> Vec<u8> {
    SnapshotBuilder::with_processes(&sample_processes()).build()
}

/// The bytes of a value of a generated struct whose fields leave no padding
/// (struct lattop_threshold, struct lattop_event): its memory as the
/// compiler lays it out, for comparing with what the CLI encodes by hand.
fn memory_of<T: Copy>(value: &T, field_bytes: usize) -> Vec<u8> {
    assert_eq!(size_of::<T>(), field_bytes, "the struct has padding");
    // SAFETY: `value` is a live T of size_of::<T>() bytes, all of them
    // fields (checked above), so every byte is initialized.
    unsafe { std::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }.to_vec()
}

/// A struct lattop_threshold's bytes as the kernel reads them.
pub fn threshold_memory(threshold: &lattop::abi::lattop_threshold) -> Vec<u8> {
    // level, cookie, 6 __u32/__s32, reserved[2]
    memory_of(threshold, 8 + 8 + 6 * 4 + 2 * 8)
}

/// A struct lattop_event's bytes as the kernel returns them from read().
pub fn event_memory(event: &lattop::abi::lattop_event) -> Vec<u8> {
    // time_ns, value, level, cookie, pid, tid, resource, kind, lost
    memory_of(event, 4 * 8 + 4 * 4 + 8)
}

/// Two events about pid 4242's memory_usage: a crossing, then its exit.
pub fn sample_events() -> Vec<lattop::abi::lattop_event> {
    use lattop::abi::{
        lattop_event, LATTOP_EVENT_CROSSED, LATTOP_EVENT_EXITED, LATTOP_RESOURCE_MEMORY_USAGE,
    };
    let crossed = lattop_event {
        time_ns: 5_000_000_123,
        value: 2_097_152,
        level: 1_048_576,
        cookie: 9,
        pid: 4242,
        tid: 0,
        resource: LATTOP_RESOURCE_MEMORY_USAGE,
        kind: LATTOP_EVENT_CROSSED,
        lost: 0,
    };
    let exited = lattop_event {
        time_ns: 6_000_000_456,
        value: 0,
        kind: LATTOP_EVENT_EXITED,
        lost: 3,
        ..crossed
    };
    vec![crossed, exited]
}
