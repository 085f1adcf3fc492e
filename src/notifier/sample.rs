// SPDX-License-Identifier: GPL-2.0

//! Reading the sampled resources of processes, for the periodic evaluator:
//! of one process, or of all in one pass under RCU.

use super::resource::Resource;
use crate::{
    ids::ProcessId,
    profiler::Profiler,
    sort,
    sys::{
        clock::now_ns,
        process::{self, collect_processes, find_process, Passes},
        rcu::RcuReadGuard,
        task::TaskView,
    },
};
use kernel::prelude::*;

/// A process's sampled values; each is 0 unless its resource was asked for.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Values {
    memory: u64,
    shm: u64,
    fds: u32,
    threads: u32,
    cpu_ns: u64,
    /// The longest current uninterruptible sleep of a thread, and which.
    blocked_ns: u64,
    blocked_tid: i32,
}

impl Values {
    /// The value of `resource` (0 for one not sampled), and the thread it
    /// concerns (0 for the whole process).
    #[inline]
    pub(crate) fn get(&self, resource: Resource) -> (i64, i32) {
        let value = match resource {
            Resource::MemoryUsage => self.memory,
            Resource::ShmUsage => self.shm,
            Resource::FdCount => u64::from(self.fds),
            Resource::ThreadCount => u64::from(self.threads),
            Resource::CpuUsage => self.cpu_ns,
            Resource::BlockedTime => return (clamp(self.blocked_ns), self.blocked_tid),
            Resource::SleepLatency | Resource::ProcessCount => 0,
        };
        (clamp(value), 0)
    }

    /// Adds `other` to a sum over processes (blocked time: the longest).
    pub(crate) fn add(&mut self, other: &Values) {
        self.memory = self.memory.saturating_add(other.memory);
        self.shm = self.shm.saturating_add(other.shm);
        self.fds = self.fds.saturating_add(other.fds);
        self.threads = self.threads.saturating_add(other.threads);
        self.cpu_ns = self.cpu_ns.saturating_add(other.cpu_ns);
        if other.blocked_ns > self.blocked_ns {
            self.blocked_ns = other.blocked_ns;
            self.blocked_tid = other.blocked_tid;
        }
    }

    /// The resources (by [`Resource::bit`]) whose values differ from
    /// `before`'s.
    #[inline]
    fn changed_since(&self, before: &Values) -> u32 {
        let mut bits = 0;
        let mut differ = |resource: Resource, changed: bool| {
            if changed {
                bits |= resource.bit();
            }
        };
        differ(Resource::MemoryUsage, self.memory != before.memory);
        differ(Resource::ShmUsage, self.shm != before.shm);
        differ(Resource::FdCount, self.fds != before.fds);
        differ(Resource::ThreadCount, self.threads != before.threads);
        differ(Resource::CpuUsage, self.cpu_ns != before.cpu_ns);
        differ(
            Resource::BlockedTime,
            self.blocked_ns != before.blocked_ns || self.blocked_tid != before.blocked_tid,
        );
        bits
    }
}

/// One evaluator run's walk over every process, and what changed since the
/// run before.
pub(crate) struct Sample {
    /// Every live process's values, in [`ProcessId::by_start`] order.
    pub(crate) all: KVVec<(ProcessId, Values)>,
    /// Counts the evaluator's samples: the previous one's plus one.
    pub(crate) generation: u64,
    /// When the processes are those of the previous sample, in the same
    /// order: the index in `all` of each whose values changed since, with
    /// the resources that did. `None` when processes came or went (or
    /// memory ran out): then nothing is known of what changed.
    pub(crate) changes: Option<KVVec<(usize, u32)>>,
}

impl Sample {
    /// The sample that follows `previous` (if there was one), taken as
    /// `all`.
    pub(crate) fn after(previous: Option<&Sample>, all: KVVec<(ProcessId, Values)>) -> Self {
        let generation = previous.map_or(0, |p| p.generation.wrapping_add(1));
        let changes = previous.and_then(|p| changes(&p.all, &all));
        Self {
            all,
            generation,
            changes,
        }
    }
}

/// What changed from `before` to `now`, if both list the same processes
/// in the same order. Out of line: a loop of its own keeps its cursors in
/// registers, where inlined into the evaluator's run it spilled them on
/// every process.
#[inline(never)]
fn changes(
    before: &[(ProcessId, Values)],
    now: &[(ProcessId, Values)],
) -> Option<KVVec<(usize, u32)>> {
    if before.len() != now.len() {
        return None;
    }
    let mut changes = KVVec::new();
    // By index, both slices checked to be as long: a zip of their iterators
    // kept its state in memory, a load and a store more each step.
    for at in 0..now.len() {
        let ((id_before, before), (id, now)) = (&before[at], &now[at]);
        if id_before != id {
            return None;
        }
        // Most processes, most of the time: a compare of the whole.
        if now == before {
            continue;
        }
        let bits = now.changed_since(before);
        if bits != 0 {
            changes.push((at, bits), GFP_KERNEL).ok()?;
        }
    }
    Some(changes)
}

fn clamp(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A set of resources, by [`Resource::bit`].
#[derive(Clone, Copy, Default)]
pub(crate) struct Wanted(pub(crate) u32);

impl Wanted {
    fn has(self, resource: Resource) -> bool {
        self.0 & resource.bit() != 0
    }
}

/// Where blocked time comes from, when it is wanted: each thread's open
/// sleep, read from the profiler's live slots as the walk reaches the
/// thread, so that the sleep is the one its state belongs to (a copy taken
/// before the walk could predate a wake-up and a new sleep, and give the
/// time since an earlier sleep began).
struct Sleeps<'a> {
    profiler: Option<&'a Profiler>,
    now: u64,
}

impl<'a> Sleeps<'a> {
    fn new(profiler: &'a Profiler, wanted: Wanted) -> Self {
        Self {
            profiler: wanted.has(Resource::BlockedTime).then_some(profiler),
            now: now_ns(),
        }
    }
}

/// The values of the live process `id`, or `None` once it has exited (or
/// its pid belongs to a later process).
pub(crate) fn sample_process(
    profiler: &Profiler,
    id: ProcessId,
    wanted: Wanted,
) -> Result<Option<Values>> {
    let sleeps = Sleeps::new(profiler, wanted);
    let rcu = RcuReadGuard::new();
    let Some(leader) = find_process(&rcu, id.tgid) else {
        return Ok(None);
    };
    if leader.start_time() != id.leader_start || !leader.group_is_live() {
        return Ok(None);
    }
    Ok(Some(values(&rcu, &leader, wanted, &sleeps)))
}

/// The values of every live process, in [`ProcessId::by_start`] order,
/// which the task list all but has: sorted in about one pass, where an
/// order by tgid took a heapsort at each run once pids had wrapped (9.7 ms
/// at 10,000 processes, icount). Room is made for `expected` processes and
/// some (more if need be: the walk starts over).
pub(crate) fn sample_all(
    profiler: &Profiler,
    wanted: Wanted,
    expected: usize,
) -> Result<KVVec<(ProcessId, Values)>> {
    let sleeps = Sleeps::new(profiler, wanted);
    // Not the profiler's count of processes: that drains the profiler
    // (about 90 us of a 1,100 us run at 1,000 processes, icount), which
    // its housekeeping does anyway when there is something to drain.
    let room = expected.saturating_add(256);
    let mut all = collect_processes(room, Passes::UntilOutOfMemory, |rcu, leader, all| {
        if !leader.group_is_live() {
            return Ok(());
        }
        let id = ProcessId {
            tgid: leader.tgid(),
            leader_start: leader.start_time(),
        };
        all.push((id, values(rcu, &leader, wanted, &sleeps)))
    })?;
    sort::sort_by_key(&mut all, |(id, _)| id.by_start());
    Ok(all)
}

/// What `wanted` asks of the process `leader` leads. Inline: its one
/// caller in each run's walk then builds the values where the sample keeps
/// them, not in a copy.
#[inline(always)]
fn values(
    rcu: &RcuReadGuard,
    leader: &TaskView<'_>,
    wanted: Wanted,
    sleeps: &Sleeps<'_>,
) -> Values {
    let memory = wanted.has(Resource::MemoryUsage) || wanted.has(Resource::ShmUsage);
    let fds = wanted.has(Resource::FdCount);
    // Both under one lock of the task when both are wanted.
    let (resident, fds) = match (memory, fds) {
        (true, _) => leader.resident_and_open_fds(rcu, fds),
        (false, true) => (None, leader.open_fds(rcu)),
        (false, false) => (None, 0),
    };
    let threads = if wanted.has(Resource::ThreadCount) {
        leader.nr_threads()
    } else {
        0
    };
    let cpu = wanted.has(Resource::CpuUsage);
    let mut cpu_ns = if cpu {
        leader.exited_threads_runtime_ns()
    } else {
        0
    };
    let (mut blocked_ns, mut blocked_tid) = (0, 0);
    let blocked = sleeps.profiler;
    if cpu || blocked.is_some() {
        for thread in process::threads(rcu, *leader) {
            if cpu {
                cpu_ns = cpu_ns.wrapping_add(thread.sum_exec_runtime());
            }
            let Some(profiler) = blocked else {
                continue;
            };
            if !thread.may_be_uninterruptible() || thread.state_letter() != b'D' {
                continue;
            }
            if let Some(since) = profiler.blocked_since(&thread) {
                let ns = sleeps.now.saturating_sub(since);
                if ns > blocked_ns {
                    blocked_ns = ns;
                    blocked_tid = thread.tid();
                }
            }
        }
    }
    Values {
        memory: resident.map_or(0, |r| r.total),
        shm: resident.map_or(0, |r| r.shmem),
        fds,
        threads,
        cpu_ns,
        blocked_ns,
        blocked_tid,
    }
}
