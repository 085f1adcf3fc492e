// SPDX-License-Identifier: GPL-2.0

//! Bulk-transfer records written where they go, each byte once: straight
//! into a snapshot's room, not zeroed first (under icount, zeroing the two
//! records of a process cost more than 200 instructions). The caller hands
//! every field but `acct`, which the accounting helper writes whole.

use super::{
    accounting::Acct,
    bindings,
    process::{Full, Room},
    rcu::RcuReadGuard,
    task::TaskView,
    task_info::{ThreadReads, Usage},
    uapi::{Latency, ProcessRecord, RecordHeader, ThreadRecord},
};
use core::{
    mem::{align_of, size_of},
    ptr::addr_of_mut,
};
use kernel::ffi::c_char;

/// A thread record's fields, but for what the thread-reads helper reads
/// (`ThreadReads` and `acct`).
pub(crate) struct ThreadFields {
    pub(crate) record: RecordHeader,
    pub(crate) tid: i32,
    pub(crate) pid: i32,
    pub(crate) comm: [c_char; 16],
    pub(crate) cpu: i32,
    pub(crate) blocked_ns: u64,
    pub(crate) latency: Latency,
    pub(crate) run_delay: Latency,
}

// Every field of `struct lattop_thread_record` is written below: one the
// header gains must be written too, or this fails.
const _: () = assert!(
    size_of::<RecordHeader>()
        + 2 * 4
        + 16
        + 4
        + 3 * 4
        + 6 * 8
        + 2 * size_of::<Latency>()
        + size_of::<Acct>()
        == size_of::<ThreadRecord>()
);

/// A process record's fields, but for `acct` and the usage its threads'
/// sums complete (written 0, to be set in place).
pub(crate) struct ProcessFields {
    pub(crate) record: RecordHeader,
    pub(crate) pid: i32,
    pub(crate) ppid: i32,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) comm: [c_char; 16],
    pub(crate) state: u8,
    pub(crate) nr_threads: u32,
    pub(crate) start_time_ns: u64,
    pub(crate) rss_file: u64,
    pub(crate) rss_anon: u64,
    pub(crate) rss_shmem: u64,
    pub(crate) vsize: u64,
    pub(crate) nr_fds: u32,
    pub(crate) latency: Latency,
    pub(crate) run_delay: Latency,
}

// As for the thread record.
const _: () = assert!(
    size_of::<RecordHeader>()
        + 4 * 4
        + 16
        + 4
        + 4
        + 8
        + 11 * 8
        + 2 * 4
        + 2 * size_of::<Latency>()
        + size_of::<Acct>()
        == size_of::<ProcessRecord>()
);

impl Room<'_, u8> {
    /// Appends `task`'s thread record: what one helper call reads of the
    /// task (its [`ThreadReads`] and accounting) and the `fields` made from
    /// those reads. Returns where it starts, the thread's usage, and
    /// whether it is live: a zombie's delays are in its group's already
    /// (taskstats adds them as the thread exits).
    #[inline(always)]
    pub(crate) fn push_thread_record(
        &mut self,
        task: &TaskView<'_>,
        _rcu: &RcuReadGuard,
        fields: impl FnOnce(&ThreadReads) -> ThreadFields,
    ) -> Result<(usize, Usage, bool), Full> {
        let mut live = false;
        let mut usage = Usage::default();
        // Every field of the record is written below (the assertion above
        // checks that they cover it; `acct` by the helper, which writes all
        // of it). `task` is live (TaskView's invariant) and `_rcu` keeps its
        // delay accounting from being freed.
        // SAFETY: as just said, at `at` (aligned, with room: extend_written);
        // the helper writes only `read` and the record's `acct`.
        let at = unsafe {
            self.extend_written(
                size_of::<ThreadRecord>(),
                align_of::<ThreadRecord>(),
                |at| {
                    let r = at.cast::<ThreadRecord>();
                    let mut read = bindings::lattop_thread_reads::default();
                    live =
                        bindings::thread_reads(task.as_ptr(), &mut read, addr_of_mut!((*r).acct));
                    let reads = ThreadReads::from_read(&read, task.sum_exec_runtime());
                    let fields = fields(&reads);
                    usage = reads.usage;
                    addr_of_mut!((*r).record).write(fields.record);
                    addr_of_mut!((*r).tid).write(fields.tid);
                    addr_of_mut!((*r).pid).write(fields.pid);
                    addr_of_mut!((*r).comm).write(fields.comm);
                    addr_of_mut!((*r).state).write(reads.state);
                    addr_of_mut!((*r).pad).write([0; 3]);
                    addr_of_mut!((*r).cpu).write(fields.cpu);
                    addr_of_mut!((*r).prio).write(reads.prio);
                    addr_of_mut!((*r).policy).write(reads.policy);
                    addr_of_mut!((*r).utime_ns).write(usage.utime_ns);
                    addr_of_mut!((*r).stime_ns).write(usage.stime_ns);
                    addr_of_mut!((*r).cpu_ns).write(usage.runtime_ns);
                    addr_of_mut!((*r).nvcsw).write(usage.nvcsw);
                    addr_of_mut!((*r).nivcsw).write(usage.nivcsw);
                    addr_of_mut!((*r).blocked_ns).write(fields.blocked_ns);
                    addr_of_mut!((*r).latency).write(fields.latency);
                    addr_of_mut!((*r).run_delay).write(fields.run_delay);
                },
            )
        }?;
        Ok((at, usage, live))
    }

    /// Appends the record of the process `leader` leads, `fields`, its
    /// usage 0 and its accounting what its exited threads left; returns
    /// where it starts.
    #[inline(always)]
    pub(crate) fn push_process_record(
        &mut self,
        fields: ProcessFields,
        leader: &TaskView<'_>,
        _rcu: &RcuReadGuard,
    ) -> Result<usize, Full> {
        // SAFETY: as for `push_thread_record`; `leader`'s signal_struct
        // lives as long as it does, and `_rcu` covers its sighand lookup.
        unsafe {
            self.extend_written(
                size_of::<ProcessRecord>(),
                align_of::<ProcessRecord>(),
                |at| {
                    let r = at.cast::<ProcessRecord>();
                    bindings::exited_threads_acct(leader.as_ptr(), addr_of_mut!((*r).acct));
                    addr_of_mut!((*r).record).write(fields.record);
                    addr_of_mut!((*r).pid).write(fields.pid);
                    addr_of_mut!((*r).ppid).write(fields.ppid);
                    addr_of_mut!((*r).uid).write(fields.uid);
                    addr_of_mut!((*r).gid).write(fields.gid);
                    addr_of_mut!((*r).comm).write(fields.comm);
                    addr_of_mut!((*r).state).write(fields.state);
                    addr_of_mut!((*r).pad).write([0; 3]);
                    addr_of_mut!((*r).nr_threads).write(fields.nr_threads);
                    addr_of_mut!((*r).start_time_ns).write(fields.start_time_ns);
                    addr_of_mut!((*r).utime_ns).write(0);
                    addr_of_mut!((*r).stime_ns).write(0);
                    addr_of_mut!((*r).cpu_ns).write(0);
                    addr_of_mut!((*r).minflt).write(0);
                    addr_of_mut!((*r).majflt).write(0);
                    addr_of_mut!((*r).nvcsw).write(0);
                    addr_of_mut!((*r).nivcsw).write(0);
                    addr_of_mut!((*r).rss_file).write(fields.rss_file);
                    addr_of_mut!((*r).rss_anon).write(fields.rss_anon);
                    addr_of_mut!((*r).rss_shmem).write(fields.rss_shmem);
                    addr_of_mut!((*r).vsize).write(fields.vsize);
                    addr_of_mut!((*r).nr_fds).write(fields.nr_fds);
                    addr_of_mut!((*r).pad2).write(0);
                    addr_of_mut!((*r).latency).write(fields.latency);
                    addr_of_mut!((*r).run_delay).write(fields.run_delay);
                },
            )
        }
    }
}
