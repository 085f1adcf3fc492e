// SPDX-License-Identifier: GPL-2.0

//! Builds the bulk-transfer snapshot: a header, then for each process the
//! reader may see, a process record followed by its thread records (the
//! format is include/uapi/linux/lattop.h's).
//!
//! The processes are read in one pass under RCU, into room reserved
//! beforehand (nothing may sleep there); when processes appeared meanwhile
//! and the room runs out, the pass starts over with more. The records are
//! written as they are read, into the bytes the reader's reads copy from
//! (after the header's room, filled last).

use crate::access::may_read;
use crate::{
    ids::ProcessId,
    profiler::{Latencies, Profiler, SleepStats},
    sys::{
        clock::{monotonic_ns, now_ns},
        process::{
            collect, collect_processes, find_process, for_each_process, threads, Full, Passes, Room,
        },
        procfs::SnapshotBuffer,
        rcu::RcuReadGuard,
        records::{ProcessFields, ThreadFields},
        task::{TaskView, COMM_LEN},
        task_info::{Opener, ThreadReads, Usage},
        uapi::{self, InfoHeader, Latency, ProcessRecord, RecordHeader, ThreadRecord, UapiStruct},
    },
};
use core::{cell::Cell, mem::size_of, ops::ControlFlow};
use kernel::{
    error::code::{ENOENT, ESRCH},
    ffi,
    prelude::*,
};

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

/// The room a record takes at most.
const RECORD_ROOM: usize = if size_of::<ProcessRecord>() > size_of::<ThreadRecord>() {
    size_of::<ProcessRecord>()
} else {
    size_of::<ThreadRecord>()
};

/// Writes the snapshot of `scope`, as `opener` may see it, to `out`: the
/// processes of its pid namespace, numbered there, ids as its user
/// namespace shows them. Fails with `ESRCH` if the one process asked for
/// has exited (or its pid now belongs to another), `ENOENT` if it is
/// outside the opener's pid namespace, `EACCES` if `opener` may not read it.
///
/// The pass writes the snapshot's bytes where the reader's reads will copy
/// them from: the header's room first, each record then as it is read, the
/// header last.
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
    // Room for the records there are now, and some more for processes
    // that appear meanwhile (else the pass starts over with twice as much).
    let room = room_needed(scope)
        .saturating_add(64 * RECORD_ROOM)
        .saturating_add(size_of::<InfoHeader>());
    let pass = Pass {
        latencies: &latencies,
        opener,
        now: now_ns(),
        records: Cell::new(0),
    };
    let passes = Passes::AtMost(ATTEMPTS);
    let mut bytes = match scope {
        SnapshotScope::All => collect_processes(room, passes, |rcu, leader, bytes| {
            if bytes.is_empty() {
                pass.begin(bytes)?;
            }
            pass.process(rcu, leader, bytes).map(|_| ())
        })?,
        SnapshotScope::One(process) => {
            let (bytes, shown) = collect(room, passes, |rcu, bytes| {
                pass.begin(bytes)?;
                Ok(match find_process(rcu, process.tgid) {
                    Some(leader) if opener.view.process_number(&leader, rcu).is_none() => {
                        Err(ENOENT)
                    }
                    Some(leader) if leader.start_time() == process.leader_start => {
                        match pass.process(rcu, leader, bytes)? {
                            true => Ok(()),
                            false => Err(EACCES),
                        }
                    }
                    _ => Err(ESRCH),
                })
            })?;
            shown?;
            bytes
        }
    };
    let header = InfoHeader {
        magic: uapi::INFO_MAGIC,
        abi_version: uapi::ABI_VERSION as u16,
        header_size: size_of::<InfoHeader>() as u16,
        record_count: pass.records.get(),
        flags: 0,
        snapshot_ns: monotonic_ns(),
        total_size: bytes.len().max(size_of::<InfoHeader>()) as u64,
    };
    match bytes.get_mut(..size_of::<InfoHeader>()) {
        Some(room) => room.copy_from_slice(header.as_bytes()),
        // No process at all (there is always one: init): the header alone.
        None => bytes.extend_from_slice(header.as_bytes(), GFP_KERNEL)?,
    }
    out.adopt(bytes);
    Ok(())
}

/// The bytes the records of `scope` take (at the time; at most, as the
/// reader may not see them all): the room a pass reserves, which is
/// allocated and mapped whole, so no more than that.
fn room_needed(scope: SnapshotScope) -> usize {
    let rcu = RcuReadGuard::new();
    let mut n = 0usize;
    let mut count = |leader: TaskView<'_>| {
        let threads = leader.nr_threads() as usize;
        n = n
            .saturating_add(size_of::<ProcessRecord>())
            .saturating_add(threads.saturating_mul(size_of::<ThreadRecord>()));
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
    /// Records written by the pass under way.
    records: Cell<u32>,
}

impl Pass<'_> {
    /// Begins a pass: the header's room (written once the pass is done).
    fn begin(&self, bytes: &mut Room<'_, u8>) -> Result<(), Full> {
        self.records.set(0);
        bytes.extend_zeroed(size_of::<InfoHeader>()).map(|_| ())
    }

    /// Pushes the records of the process led by `leader`, if it is in the
    /// opener's pid namespace and the opener may read it; returns whether
    /// it did. Each record is written where it lies in the snapshot, the
    /// process's completed with its threads' sums.
    fn process(
        &self,
        rcu: &RcuReadGuard,
        leader: TaskView<'_>,
        bytes: &mut Room<'_, u8>,
    ) -> Result<bool, Full> {
        let view = &self.opener.view;
        let Some(pid) = view.process_number(&leader, rcu) else {
            return Ok(false);
        };
        let tgid = leader.tgid();
        let ids = leader.ids(rcu);
        // The descriptors too, under the same lock of the task: counted
        // for nothing only when the opener may not read the process.
        let (memory, nr_fds) = leader.memory_and_open_fds(rcu);
        if !may_read(self.opener, &leader, rcu, &ids, memory.as_ref()) {
            return Ok(false);
        }
        let memory = memory.unwrap_or_default();
        let process = ProcessId {
            tgid,
            leader_start: leader.start_time(),
        };
        let sums = self.latencies.process(process).unwrap_or_default();
        let fields = ProcessFields {
            record: record_header(uapi::TAG_PROCESS, size_of::<ProcessRecord>()),
            pid,
            ppid: view.parent_number(&leader, rcu),
            uid: view.uid(ids.uid),
            gid: view.gid(ids.gid),
            comm: comm(&leader),
            state: leader.state_letter(),
            nr_threads: leader.nr_threads(),
            start_time_ns: leader.start_boottime(),
            rss_file: memory.rss_file,
            rss_anon: memory.rss_anon,
            rss_shmem: memory.rss_shmem,
            vsize: memory.vsize,
            nr_fds,
            latency: latency(sums.sleeps),
            run_delay: latency(sums.waits),
        };
        let at = bytes.push_process_record(fields, &leader, rcu)?;
        self.count_record();
        let mut usage = leader.exited_threads_usage();
        for thread in threads(rcu, leader) {
            let (thread_at, thread_usage, live) =
                bytes.push_thread_record(&thread, rcu, |reads| {
                    self.thread(thread, pid, rcu, reads)
                })?;
            usage.add(&thread_usage);
            self.count_record();
            let (record, thread_record): (&mut ProcessRecord, &mut ThreadRecord) =
                bytes.two_records_mut(at, thread_at).ok_or(Full)?;
            record.acct.add_thread(&thread_record.acct, live);
        }
        let record: &mut ProcessRecord = bytes.record_mut(at).ok_or(Full)?;
        set_usage(record, &usage);
        Ok(true)
    }

    fn count_record(&self) {
        self.records.set(self.records.get().wrapping_add(1));
    }

    /// The fields of `thread`'s record, of process `pid` (as the opener
    /// numbers it), besides what `reads` of it.
    #[inline(always)]
    fn thread(
        &self,
        thread: TaskView<'_>,
        pid: i32,
        rcu: &RcuReadGuard,
        reads: &ThreadReads,
    ) -> ThreadFields {
        let seen = self.latencies.task(thread.tid(), thread.start_time());
        let blocked_ns = match seen.and_then(|t| t.blocked_since) {
            Some(since) if reads.state != b'R' => self.now.saturating_sub(since),
            _ => 0,
        };
        ThreadFields {
            record: record_header(uapi::TAG_THREAD, size_of::<ThreadRecord>()),
            tid: self.opener.view.thread_number(&thread, rcu),
            pid,
            comm: comm(&thread),
            // A CPU id is below nr_cpu_ids, an int.
            cpu: thread.cpu() as i32,
            blocked_ns,
            latency: latency(seen.map(|t| t.sleeps).unwrap_or_default()),
            run_delay: latency(seen.map(|t| t.waits).unwrap_or_default()),
        }
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
