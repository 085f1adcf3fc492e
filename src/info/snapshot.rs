// SPDX-License-Identifier: GPL-2.0

//! Builds the bulk-transfer snapshot: a header, then for each process the
//! reader may see, a process record followed by its thread records (the
//! format is include/uapi/linux/lattop.h's).
//!
//! The processes are read in one pass under RCU, into room reserved
//! beforehand (nothing may sleep there); when processes appeared meanwhile
//! and the room runs out, the pass starts over with more.

use super::access::may_read;
use crate::{
    process_index::ProcessId,
    profiler::{Latencies, Profiler},
    sys::{
        clock::{monotonic_ns, now_ns},
        process::{find_process, for_each_process, for_each_thread, RcuReadGuard},
        procfs::SnapshotBuffer,
        task::{TaskView, COMM_LEN},
        task_info::{Opener, Usage},
        uapi::{self, InfoHeader, Latency, ProcessRecord, RecordHeader, ThreadRecord, UapiStruct},
    },
    trace::SleepStats,
};
use core::{mem::size_of, ops::ControlFlow};
use kernel::{error::code::ESRCH, ffi, prelude::*};

/// Which processes a snapshot holds.
#[derive(Clone, Copy)]
pub(crate) enum Scope {
    /// Every process the reader may see.
    All,
    /// One process, which must still be the one this identifies.
    One(ProcessId),
}

/// How many times a pass that ran out of room is retried.
const ATTEMPTS: usize = 4;

/// The room ran out during a pass.
struct Full;

/// Writes the snapshot of `scope`, as `opener` may see it, to `out`. Fails
/// with `ESRCH` if the one process asked for has exited (or its pid now
/// belongs to another), `EACCES` if `opener` may not read it.
pub(crate) fn build(
    out: &mut SnapshotBuffer,
    profiler: &Profiler,
    scope: Scope,
    opener: &Opener,
) -> Result {
    let tgid = match scope {
        Scope::All => None,
        Scope::One(process) => Some(process.tgid),
    };
    let latencies = profiler.latencies(tgid)?;
    let mut records = count_records(scope).saturating_add(64);
    for _ in 0..ATTEMPTS {
        out.clear();
        out.reserve(
            size_of::<InfoHeader>()
                + records * size_of::<ProcessRecord>().max(size_of::<ThreadRecord>()),
        )?;
        let mut pass = Pass {
            out: &mut *out,
            latencies: &latencies,
            opener,
            records: 0,
            now: now_ns(),
        };
        match pass.run(scope) {
            Ok(result) => return result,
            Err(Full) => records = records.saturating_mul(2),
        }
    }
    Err(ENOMEM)
}

/// An upper bound (at the time) of the records `scope` needs.
fn count_records(scope: Scope) -> usize {
    let rcu = RcuReadGuard::new();
    let mut n = 0usize;
    let mut count = |leader: TaskView<'_>| {
        n = n.saturating_add(1 + leader.nr_threads() as usize);
    };
    match scope {
        Scope::All => for_each_process(&rcu, |leader| {
            count(leader);
            ControlFlow::Continue(())
        }),
        Scope::One(process) => {
            if let Some(leader) = find_process(&rcu, process.tgid) {
                count(leader);
            }
        }
    }
    n
}

/// One pass over the processes, writing into reserved room.
struct Pass<'a> {
    out: &'a mut SnapshotBuffer,
    latencies: &'a Latencies,
    opener: &'a Opener,
    records: u32,
    /// The profiler's clock now, for how long blocked threads have been.
    now: u64,
}

impl Pass<'_> {
    /// Writes the whole snapshot; `Err(Full)` if the room ran out, else
    /// whether the scope could be shown.
    fn run(&mut self, scope: Scope) -> Result<Result, Full> {
        self.push(InfoHeader::default().as_bytes())?;
        let rcu = RcuReadGuard::new();
        let mut full = false;
        let shown = match scope {
            Scope::All => {
                for_each_process(&rcu, |leader| match self.process(&rcu, leader) {
                    Ok(_) => ControlFlow::Continue(()),
                    Err(Full) => {
                        full = true;
                        ControlFlow::Break(())
                    }
                });
                Ok(())
            }
            Scope::One(process) => match find_process(&rcu, process.tgid) {
                Some(leader) if leader.start_time() == process.leader_start => {
                    match self.process(&rcu, leader)? {
                        true => Ok(()),
                        false => Err(EACCES),
                    }
                }
                _ => Err(ESRCH),
            },
        };
        drop(rcu);
        if full {
            return Err(Full);
        }
        let header = InfoHeader {
            magic: uapi::INFO_MAGIC,
            abi_version: uapi::ABI_VERSION as u16,
            header_size: size_of::<InfoHeader>() as u16,
            record_count: self.records,
            flags: 0,
            snapshot_ns: monotonic_ns(),
            total_size: self.out.len() as u64,
        };
        if self.out.overwrite(0, header.as_bytes()).is_err() {
            return Ok(Err(EINVAL));
        }
        Ok(shown)
    }

    /// Writes the records of the process led by `leader`, if the opener may
    /// read it; returns whether it did.
    fn process(&mut self, rcu: &RcuReadGuard, leader: TaskView<'_>) -> Result<bool, Full> {
        let tgid = leader.tgid();
        let ids = leader.ids(rcu);
        let memory = leader.memory();
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
            nr_fds: leader.open_fds(rcu),
            ..Default::default()
        };
        let process = ProcessId {
            tgid,
            leader_start: leader.start_time(),
        };
        record.latency = latency(self.latencies.process(process));
        // Written now to hold its place, rewritten with the threads' sums.
        let at = self.out.len();
        self.push(record.as_bytes())?;
        let mut usage = leader.exited_threads_usage();
        let mut full = false;
        for_each_thread(rcu, leader, |thread| {
            usage.add(&thread.usage());
            match self.thread(thread, tgid) {
                Ok(()) => ControlFlow::Continue(()),
                Err(Full) => {
                    full = true;
                    ControlFlow::Break(())
                }
            }
        });
        if full {
            return Err(Full);
        }
        set_usage(&mut record, &usage);
        self.out
            .overwrite(at, record.as_bytes())
            .map_err(|_| Full)?;
        Ok(true)
    }

    /// Writes the record of `thread` of process `tgid`.
    fn thread(&mut self, thread: TaskView<'_>, tgid: i32) -> Result<(), Full> {
        let usage = thread.usage();
        let state = thread.state_letter();
        let seen = self.latencies.task(thread.tid(), thread.start_time());
        let blocked_ns = match seen.and_then(|t| t.blocked_since) {
            Some(since) if state != b'R' => self.now.saturating_sub(since),
            _ => 0,
        };
        let record = ThreadRecord {
            record: record_header(uapi::TAG_THREAD, size_of::<ThreadRecord>()),
            tid: thread.tid(),
            pid: tgid,
            comm: comm(&thread),
            state,
            cpu: thread.cpu(),
            prio: thread.prio(),
            policy: thread.policy(),
            utime_ns: usage.utime_ns,
            stime_ns: usage.stime_ns,
            cpu_ns: usage.runtime_ns,
            nvcsw: usage.nvcsw,
            nivcsw: usage.nivcsw,
            blocked_ns,
            latency: latency(seen.map(|t| t.sleeps)),
            ..Default::default()
        };
        self.push(record.as_bytes())
    }

    /// Appends one record's bytes, or reports that the room ran out.
    fn push(&mut self, bytes: &[u8]) -> Result<(), Full> {
        if !self.out.push_reserved(bytes) {
            return Err(Full);
        }
        if self.out.len() > size_of::<InfoHeader>() {
            self.records += 1;
        }
        Ok(())
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

fn latency(sleeps: Option<SleepStats>) -> Latency {
    let sleeps = sleeps.unwrap_or_default();
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
