// SPDX-License-Identifier: GPL-2.0

//! Builds the bulk-transfer snapshot: a header, then for each process the
//! reader may see, a process record followed by its thread records (the
//! format is include/uapi/linux/lattop.h's).
//!
//! The processes are read in one pass under RCU, into room reserved
//! beforehand (nothing may sleep there); when processes appeared meanwhile
//! and the room runs out, the pass starts over with more. The records are
//! then written out after the header.

use crate::access::may_read;
use crate::{
    ids::ProcessId,
    profiler::{Latencies, Profiler, SleepStats},
    sys::{
        accounting::Acct,
        clock::{monotonic_ns, now_ns},
        process::{
            collect, collect_processes, find_process, for_each_process, threads, Full, Passes, Room,
        },
        procfs::SnapshotBuffer,
        rcu::RcuReadGuard,
        task::{TaskView, COMM_LEN},
        task_info::{Opener, Usage},
        uapi::{self, InfoHeader, Latency, ProcessRecord, RecordHeader, ThreadRecord, UapiStruct},
    },
};
use core::{mem::size_of, ops::ControlFlow};
use kernel::{error::code::ESRCH, ffi, prelude::*};

/// Which processes a snapshot holds.
#[derive(Clone, Copy)]
pub(crate) enum SnapshotScope {
    /// Every process the reader may see.
    All,
    /// One process, which must still be the one this identifies.
    One(ProcessId),
}

/// How many times a pass that ran out of room is retried.
const ATTEMPTS: usize = 4;

/// One record of the snapshot, as the pass collects them.
enum Record {
    Process(ProcessRecord),
    Thread(ThreadRecord),
}

impl Record {
    fn as_bytes(&self) -> &[u8] {
        match self {
            Record::Process(record) => record.as_bytes(),
            Record::Thread(record) => record.as_bytes(),
        }
    }
}

/// Writes the snapshot of `scope`, as `opener` may see it, to `out`. Fails
/// with `ESRCH` if the one process asked for has exited (or its pid now
/// belongs to another), `EACCES` if `opener` may not read it.
pub(crate) fn build(
    out: &mut SnapshotBuffer,
    profiler: &Profiler,
    scope: SnapshotScope,
    opener: &Opener,
) -> Result {
    let tgid = match scope {
        SnapshotScope::All => None,
        SnapshotScope::One(process) => Some(process.tgid),
    };
    let latencies = profiler.latencies(tgid)?;
    let room = count_records(scope).saturating_add(64);
    let pass = Pass {
        latencies: &latencies,
        opener,
        now: now_ns(),
    };
    let passes = Passes::AtMost(ATTEMPTS);
    let records = match scope {
        SnapshotScope::All => collect_processes(room, passes, |rcu, leader, records| {
            pass.process(rcu, leader, records).map(|_| ())
        })?,
        SnapshotScope::One(process) => {
            let (records, shown) = collect(room, passes, |rcu, records| {
                Ok(match find_process(rcu, process.tgid) {
                    Some(leader) if leader.start_time() == process.leader_start => {
                        match pass.process(rcu, leader, records)? {
                            true => Ok(()),
                            false => Err(EACCES),
                        }
                    }
                    _ => Err(ESRCH),
                })
            })?;
            shown?;
            records
        }
    };
    write(out, &records)
}

/// Writes the header, then `records`.
fn write(out: &mut SnapshotBuffer, records: &[Record]) -> Result {
    let size = records
        .iter()
        .fold(size_of::<InfoHeader>(), |size, r| size + r.as_bytes().len());
    out.reserve(size)?;
    let header = InfoHeader {
        magic: uapi::INFO_MAGIC,
        abi_version: uapi::ABI_VERSION as u16,
        header_size: size_of::<InfoHeader>() as u16,
        record_count: records.len() as u32,
        flags: 0,
        snapshot_ns: monotonic_ns(),
        total_size: size as u64,
    };
    out.push(header.as_bytes())?;
    for record in records {
        out.push(record.as_bytes())?;
    }
    Ok(())
}

/// An upper bound (at the time) of the records `scope` needs.
fn count_records(scope: SnapshotScope) -> usize {
    let rcu = RcuReadGuard::new();
    let mut n = 0usize;
    let mut count = |leader: TaskView<'_>| {
        n = n.saturating_add(1 + leader.nr_threads() as usize);
    };
    match scope {
        SnapshotScope::All => for_each_process(&rcu, |leader| {
            count(leader);
            ControlFlow::Continue(())
        }),
        SnapshotScope::One(process) => {
            if let Some(leader) = find_process(&rcu, process.tgid) {
                count(leader);
            }
        }
    }
    n
}

/// What the passes over the processes read their records with.
struct Pass<'a> {
    latencies: &'a Latencies,
    opener: &'a Opener,
    /// The profiler's clock now, for how long blocked threads have been.
    now: u64,
}

impl Pass<'_> {
    /// Pushes the records of the process led by `leader`, if the opener may
    /// read it; returns whether it did.
    fn process(
        &self,
        rcu: &RcuReadGuard,
        leader: TaskView<'_>,
        records: &mut Room<'_, Record>,
    ) -> Result<bool, Full> {
        let tgid = leader.tgid();
        let ids = leader.ids(rcu);
        // The descriptors too, under the same lock of the task: counted
        // for nothing only when the opener may not read the process.
        let (memory, nr_fds) = leader.memory_and_open_fds(rcu);
        if !may_read(self.opener, tgid, &ids, memory.as_ref()) {
            return Ok(false);
        }
        let memory = memory.unwrap_or_default();
        let mut record = ProcessRecord {
            record: record_header(uapi::TAG_PROCESS, size_of::<ProcessRecord>()),
            pid: tgid,
            ppid: leader.parent_tgid(rcu),
            uid: ids.uid,
            gid: ids.gid,
            comm: comm(&leader),
            state: leader.state_letter(),
            nr_threads: leader.nr_threads(),
            start_time_ns: leader.start_boottime(),
            rss_file: memory.rss_file,
            rss_anon: memory.rss_anon,
            rss_shmem: memory.rss_shmem,
            vsize: memory.vsize,
            nr_fds,
            ..Default::default()
        };
        let process = ProcessId {
            tgid,
            leader_start: leader.start_time(),
        };
        let sums = self.latencies.process(process).unwrap_or_default();
        record.latency = latency(sums.sleeps);
        record.run_delay = latency(sums.waits);
        // Pushed now to hold its place, completed with the threads' sums.
        let at = records.len();
        records.push(Record::Process(record))?;
        let mut usage = leader.exited_threads_usage();
        let mut acct = leader.exited_threads_acct(rcu);
        for thread in threads(rcu, leader) {
            usage.add(&thread.usage());
            let thread_acct = thread.acct(rcu);
            acct.add_thread(&thread_acct);
            records.push(self.thread(thread, tgid, thread_acct.acct))?;
        }
        // Always there: pushed at `at` above.
        if let Some(Record::Process(record)) = records.get_mut(at) {
            set_usage(record, &usage);
            record.acct = acct;
        }
        Ok(true)
    }

    /// The record of `thread` of process `tgid`, whose accounting is `acct`.
    fn thread(&self, thread: TaskView<'_>, tgid: i32, acct: Acct) -> Record {
        let usage = thread.usage();
        let state = thread.state_letter();
        let seen = self.latencies.task(thread.tid(), thread.start_time());
        let blocked_ns = match seen.and_then(|t| t.blocked_since) {
            Some(since) if state != b'R' => self.now.saturating_sub(since),
            _ => 0,
        };
        Record::Thread(ThreadRecord {
            record: record_header(uapi::TAG_THREAD, size_of::<ThreadRecord>()),
            tid: thread.tid(),
            pid: tgid,
            comm: comm(&thread),
            state,
            // A CPU id is below nr_cpu_ids, an int.
            cpu: thread.cpu() as i32,
            prio: thread.prio(),
            policy: thread.policy(),
            utime_ns: usage.utime_ns,
            stime_ns: usage.stime_ns,
            cpu_ns: usage.runtime_ns,
            nvcsw: usage.nvcsw,
            nivcsw: usage.nivcsw,
            blocked_ns,
            latency: latency(seen.map(|t| t.sleeps).unwrap_or_default()),
            run_delay: latency(seen.map(|t| t.waits).unwrap_or_default()),
            acct,
            ..Default::default()
        })
    }
}

fn record_header(tag: u16, length: usize) -> RecordHeader {
    RecordHeader {
        tag,
        reserved: 0,
        length: length as u32,
    }
}

fn set_usage(record: &mut ProcessRecord, usage: &Usage) {
    record.utime_ns = usage.utime_ns;
    record.stime_ns = usage.stime_ns;
    record.cpu_ns = usage.runtime_ns;
    record.minflt = usage.min_flt;
    record.majflt = usage.maj_flt;
    record.nvcsw = usage.nvcsw;
    record.nivcsw = usage.nivcsw;
}

fn latency(sleeps: SleepStats) -> Latency {
    Latency {
        sleeps: sleeps.count,
        total_ns: sleeps.total_ns,
        max_ns: sleeps.max_ns,
    }
}

/// The task's name as the record's `char[16]`.
fn comm(task: &TaskView<'_>) -> [ffi::c_char; COMM_LEN] {
    task.comm().map(|b| b as ffi::c_char)
}
