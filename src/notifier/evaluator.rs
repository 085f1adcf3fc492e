// SPDX-License-Identifier: GPL-2.0

//! Evaluation: each armed threshold's streams of values (one per process it
//! watches, or one sum), fed by the periodic evaluator or the reconcile.

use super::{
    crossing::{CpuWindow, Crossing, Start},
    resource::{Resource, Source},
    sample::{sample_all, sample_process, Sample, Values, Wanted},
    stats::NotifierStats,
    threshold::{Firing, Threshold, ThresholdScope, LOCK_BUDGET_NS},
};
use crate::{
    ids::ProcessId,
    profiler::Profiler,
    sys::{clock::monotonic_ns, uapi::EVENT_CROSSED},
};
use core::sync::atomic::Ordering::Relaxed;
use kernel::{error::code::ESRCH, prelude::*, sync::Arc};

/// One stream of a threshold.
#[derive(Clone, Copy, Default)]
struct Stream {
    crossing: Crossing,
    cpu: CpuWindow,
}

impl Stream {
    /// A stream whose first value is taken as `start` says.
    fn new(start: Start) -> Self {
        Self {
            crossing: Crossing::new(start),
            cpu: CpuWindow::default(),
        }
    }

    /// The stream of a process started at `leader_start`, after the
    /// threshold was armed: judged from its birth, its first CPU window
    /// too (a process has used no CPU when it starts).
    fn born_at(leader_start: u64) -> Self {
        Self {
            crossing: Crossing::new(Start::Judged),
            cpu: CpuWindow::from_birth(leader_start),
        }
    }
}

/// One process's stream under an anypid threshold.
#[derive(Clone, Copy)]
struct Subject {
    id: ProcessId,
    stream: Stream,
}

impl Subject {
    /// Feeds the process's `values` of `resource` (the threshold's) to its
    /// stream, as [`feed`] does.
    #[inline(always)]
    fn feed(
        &mut self,
        threshold: &Threshold,
        resource: Resource,
        values: &Values,
        now: u64,
        period_ns: u64,
    ) -> bool {
        let pid = self.id.tgid;
        feed(
            threshold,
            resource,
            &mut self.stream,
            values,
            pid,
            now,
            period_ns,
        )
    }
}

/// The streams of one armed threshold.
enum Streams {
    /// One process, or the sum over all.
    One(Stream),
    /// Each process (anypid), in [`ProcessId::by_start`] order as a sample
    /// lists them: each sample is walked beside it, one step a process,
    /// where a tree cost a lookup per process and threshold every period.
    Each(KVVec<Subject>),
}

/// An armed threshold and its evaluation state.
pub(super) struct Watch {
    pub(super) threshold: Arc<Threshold>,
    streams: Streams,
    /// The [`Sample::generation`] an anypid threshold was last fed from,
    /// when its streams list that sample's processes, in its order: the
    /// next sample's changes then say which streams may have something to
    /// take. `None` otherwise.
    fed: Option<u64>,
    /// Under cpu_usage, when the first of its streams' windows ends: until
    /// then, for the processes it was fed, no stream has anything to take.
    cpu_due_ns: u64,
}

impl Watch {
    /// The state for a newly armed `threshold`, its first values read now:
    /// the baselines, so that only changes after arming fire, or under
    /// PRESENT values judged at once (which may fire now). `ESRCH` when its
    /// process has exited. `processes` is the live process count
    /// (process_count).
    pub(super) fn new(
        threshold: Arc<Threshold>,
        profiler: &Profiler,
        processes: i64,
    ) -> Result<Self> {
        let spec = &threshold.spec;
        let start = if spec.rule.wants_present() {
            Start::Judged
        } else {
            Start::Baseline
        };
        let mut watch = Watch {
            streams: match spec.scope {
                ThresholdScope::AnyPid => Streams::Each(KVVec::new()),
                _ => Streams::One(Stream::new(start)),
            },
            threshold: threshold.clone(),
            fed: None,
            cpu_due_ns: 0,
        };
        let sampled = spec.resource.source() == Source::Sampled;
        let wanted = Wanted(if sampled { spec.resource.bit() } else { 0 });
        let now = monotonic_ns();
        match (spec.scope, spec.resource.source()) {
            (ThresholdScope::Process(id), _) => {
                let values = sample_process(profiler, id, wanted)?.ok_or(ESRCH)?;
                if sampled {
                    watch.feed_one(&values, id.tgid, now, 0);
                }
            }
            (_, Source::ProcessEvents) => {
                if watch.feed_count(processes, now, 0) {
                    let firing = Firing {
                        pid: 0,
                        tid: 0,
                        value: processes,
                        kind: EVENT_CROSSED,
                    };
                    threshold.fire(firing, now, LOCK_BUDGET_NS);
                }
            }
            (ThresholdScope::AnyPid, Source::Sampled) => {
                let all = sample_all(profiler, wanted, expected(processes))?;
                watch.feed_all(&all, now, 0);
            }
            (ThresholdScope::AllPids, Source::Sampled) => {
                watch.feed_sum(&sample_all(profiler, wanted, expected(processes))?, now, 0);
            }
            _ => {}
        }
        Ok(watch)
    }

    /// Feeds one process's `values`; fires with `pid` when they cross.
    fn feed_one(&mut self, values: &Values, pid: i32, now: u64, period_ns: u64) -> bool {
        let Streams::One(stream) = &mut self.streams else {
            return true;
        };
        let resource = self.threshold.spec.resource;
        feed(
            &self.threshold,
            resource,
            stream,
            values,
            pid,
            now,
            period_ns,
        )
    }

    /// Feeds each process's values in `sample` to its own stream; forgets
    /// the streams of processes no longer there. Returns false if an event
    /// was lost; counts in `stats` a feeding from the changes alone.
    fn feed_each(
        &mut self,
        sample: &Sample,
        now: u64,
        period_ns: u64,
        stats: &NotifierStats,
    ) -> bool {
        let resource = self.threshold.spec.resource;
        let follows = self
            .fed
            .is_some_and(|fed| fed.wrapping_add(1) == sample.generation);
        let changes = sample.changes.as_ref().filter(|_| follows);
        // A CPU window ends with time, whether the CPU time changed or not.
        let queued = match (changes, &mut self.streams) {
            (Some(_), Streams::Each(_))
                if resource == Resource::CpuUsage && now < self.cpu_due_ns =>
            {
                // The same processes, and no window ends yet: each stream
                // would only find its window open.
                stats.fed_changes.fetch_add(1, Relaxed);
                true
            }
            (Some(changes), Streams::Each(subjects)) if resource != Resource::CpuUsage => {
                // The same processes as the sample before, which fed every
                // stream: only those whose value changed can fire (no rule
                // fires on an unchanged value), and only they are fed.
                stats.fed_changes.fetch_add(1, Relaxed);
                feed_changed(
                    &self.threshold,
                    resource,
                    subjects,
                    sample,
                    changes,
                    now,
                    period_ns,
                )
            }
            _ => {
                let (queued, aligned) = self.feed_all(&sample.all, now, period_ns);
                if !aligned {
                    self.fed = None;
                    return queued;
                }
                if resource == Resource::CpuUsage {
                    self.cpu_due_ns = self.first_window_end();
                }
                queued
            }
        };
        self.fed = Some(sample.generation);
        queued
    }

    /// When the first of the streams' CPU windows ends (0 if one has not
    /// begun, or there are none).
    fn first_window_end(&self) -> u64 {
        let Streams::Each(subjects) = &self.streams else {
            return 0;
        };
        let window_ns = self.threshold.spec.window_ns;
        subjects
            .iter()
            .map(|subject| subject.stream.cpu.ends_at(window_ns))
            .min()
            .unwrap_or(0)
    }

    /// Feeds each process's values (`all`, by [`ProcessId::by_start`]) to
    /// its own stream; forgets the streams of processes no longer there.
    /// Returns false if an event was lost, and whether the streams are now
    /// `all`'s processes, in its order (not if memory ran out).
    fn feed_all(&mut self, all: &[(ProcessId, Values)], now: u64, period_ns: u64) -> (bool, bool) {
        let Streams::Each(subjects) = &mut self.streams else {
            return (true, false);
        };
        let threshold = &self.threshold;
        // The common case: the processes of the last sample, each fed in
        // its place, by a loop made for the threshold's resource (a
        // constant there: each step is then a few loads and compares).
        let mut in_place =
            |resource| feed_in_place(threshold, resource, subjects, all, now, period_ns);
        let (fed, mut queued) = match threshold.spec.resource {
            Resource::MemoryUsage => in_place(Resource::MemoryUsage),
            Resource::ShmUsage => in_place(Resource::ShmUsage),
            Resource::FdCount => in_place(Resource::FdCount),
            Resource::ThreadCount => in_place(Resource::ThreadCount),
            Resource::CpuUsage => in_place(Resource::CpuUsage),
            Resource::BlockedTime => in_place(Resource::BlockedTime),
            Resource::SleepLatency | Resource::ProcessCount => return (true, false),
        };
        if fed == subjects.len() && fed == all.len() {
            return (queued, true);
        }
        // Processes came or went since: the rest merged into a new list.
        // Out of memory: they are fed next time.
        let Ok(mut merged) = KVVec::with_capacity(all.len(), GFP_KERNEL) else {
            return (queued, false);
        };
        let (kept, rest) = subjects.as_slice().split_at(fed);
        if merged.extend_from_slice(kept, GFP_KERNEL).is_err() {
            return (queued, false);
        }
        let mut old = rest.iter().peekable();
        for (id, values) in all.iter().skip(fed) {
            let key = id.by_start();
            while old.next_if(|subject| subject.id.by_start() < key).is_some() {}
            let stream = match old.next_if(|subject| subject.id.by_start() == key) {
                Some(subject) => subject.stream,
                // New (a reused pid's is new too: it started later).
                None => first_stream(threshold, id.leader_start),
            };
            let mut subject = Subject { id: *id, stream };
            queued &= subject.feed(threshold, threshold.spec.resource, values, now, period_ns);
            // Within the capacity taken above: no allocation.
            if merged.push(subject, GFP_KERNEL).is_err() {
                break;
            }
        }
        let aligned = merged.len() == all.len();
        *subjects = merged;
        (queued, aligned)
    }

    /// Feeds the sum of all processes' values (pid 0 in events).
    fn feed_sum(&mut self, all: &[(ProcessId, Values)], now: u64, period_ns: u64) -> bool {
        let mut sum = Values::default();
        all.iter().for_each(|(_, values)| sum.add(values));
        self.feed_one(&sum, 0, now, period_ns)
    }

    /// Feeds the live process count; returns whether it fires.
    pub(super) fn feed_count(&mut self, processes: i64, now: u64, period_ns: u64) -> bool {
        let Streams::One(stream) = &mut self.streams else {
            return false;
        };
        stream
            .crossing
            .feed(&self.threshold.spec.rule, processes, now, period_ns)
    }
}

/// The stream of a process `threshold` first sees, started at
/// `leader_start`: one born since arming is judged from its birth; one
/// there before from its present values under PRESENT, else from a
/// baseline (only a change fires).
fn first_stream(threshold: &Threshold, leader_start: u64) -> Stream {
    if threshold.born_since_armed(leader_start) {
        Stream::born_at(leader_start)
    } else if threshold.spec.rule.wants_present() {
        Stream::new(Start::Judged)
    } else {
        Stream::new(Start::Baseline)
    }
}

/// Feeds the streams of `subjects` (those of `sample`'s processes, in its
/// order) whose process's value of `resource` is among `changes`; returns
/// false if an event was lost.
fn feed_changed(
    threshold: &Threshold,
    resource: Resource,
    subjects: &mut [Subject],
    sample: &Sample,
    changes: &[(usize, u32)],
    now: u64,
    period_ns: u64,
) -> bool {
    let mut queued = true;
    let bit = resource.bit();
    for &(at, changed) in changes {
        if changed & bit == 0 {
            continue;
        }
        let (Some(subject), Some((_, values))) = (subjects.get_mut(at), sample.all.get(at)) else {
            break;
        };
        queued &= subject.feed(threshold, resource, values, now, period_ns);
    }
    queued
}

/// Feeds the streams of `subjects` that are still those of `all`'s
/// processes, from the first, until one is not; returns how many, and
/// false if an event was lost. `resource` is the threshold's, given as a
/// constant by the caller so that the loop is made for it.
#[inline(always)]
fn feed_in_place(
    threshold: &Threshold,
    resource: Resource,
    subjects: &mut [Subject],
    all: &[(ProcessId, Values)],
    now: u64,
    period_ns: u64,
) -> (usize, bool) {
    let mut queued = true;
    let mut fed = 0;
    for (subject, (id, values)) in subjects.iter_mut().zip(all) {
        if subject.id != *id {
            break;
        }
        queued &= subject.feed(threshold, resource, values, now, period_ns);
        fed += 1;
    }
    (fed, queued)
}

/// Feeds `values` of `resource` (the threshold's) to `stream`; fires with
/// `pid` when they cross. Returns false if the event could not be queued
/// (lock busy). Inlined into the loops over processes: it runs once per
/// process and threshold every period, and rarely does more than compare.
#[inline(always)]
fn feed(
    threshold: &Threshold,
    resource: Resource,
    stream: &mut Stream,
    values: &Values,
    pid: i32,
    now: u64,
    period_ns: u64,
) -> bool {
    let spec = &threshold.spec;
    let (value, tid) = if resource == Resource::CpuUsage {
        let (cpu_ns, _) = values.get(Resource::CpuUsage);
        let Some(percent) = stream.cpu.sample(cpu_ns as u64, now, spec.window_ns) else {
            return true;
        };
        (percent, 0)
    } else {
        values.get(resource)
    };
    if !stream.crossing.feed(&spec.rule, value, now, period_ns) {
        return true;
    }
    fire_crossed(threshold, pid, tid, value, now)
}

/// The stream of `pid` crossed with `value` (of thread `tid`, or 0): its
/// event, queued unless the lock stays busy (then false).
#[cold]
fn fire_crossed(threshold: &Threshold, pid: i32, tid: i32, value: i64, now: u64) -> bool {
    let firing = Firing {
        pid,
        tid,
        value,
        kind: EVENT_CROSSED,
    };
    threshold.fire(firing, now, LOCK_BUDGET_NS)
}

/// What a run samples of every process, decided under the `armed` lock
/// before the walk, which runs without it: arming, disarming and the
/// reconcile wait for the feeding, not for the walk.
pub(super) struct Plan {
    /// The resources the anypid and allpids thresholds want.
    wide: Wanted,
    /// The first threshold id not armed when the plan was made: those from
    /// here on took their baselines after the walk began, and are fed
    /// from the next run (an older value could cross back).
    next_id: u64,
    /// The live process count, for the walk's room.
    processes: i64,
}

impl Plan {
    /// The plan for `watches` (the armed ones), `next_id` the id the next
    /// threshold armed will get, `processes` the live count.
    pub(super) fn new<'a>(
        watches: impl Iterator<Item = &'a Watch>,
        next_id: u64,
        processes: i64,
    ) -> Self {
        let mut wide = Wanted::default();
        for watch in watches {
            let threshold = &watch.threshold;
            if is_evaluated(threshold)
                && !matches!(threshold.spec.scope, ThresholdScope::Process(_))
            {
                wide.0 |= threshold.spec.resource.bit();
            }
        }
        Self {
            wide,
            next_id,
            processes,
        }
    }

    /// Whether the plan asks for a walk over every process.
    pub(super) fn walks(&self) -> bool {
        self.wide.0 != 0
    }

    /// The walk over every process the plan asks for: `None` if it asks
    /// for none, or memory ran out (then the wide thresholds wait).
    pub(super) fn sample(&self, profiler: &Profiler) -> Option<KVVec<(ProcessId, Values)>> {
        if !self.walks() {
            return None;
        }
        sample_all(profiler, self.wide, expected(self.processes)).ok()
    }
}

/// One evaluation of every armed threshold on a sampled resource, with the
/// walk `sample` that `plan` made: each process watched alone is sampled
/// alone, here, and the anypid and allpids thresholds are fed from `all`.
pub(super) fn evaluate<'a>(
    watches: impl Iterator<Item = &'a mut Watch>,
    profiler: &Profiler,
    plan: &Plan,
    sample: Option<&Sample>,
    period_ns: u64,
    stats: &NotifierStats,
) {
    let mut watches: KVec<&mut Watch> = collect(watches);
    let now = monotonic_ns();
    for watch in watches.iter_mut() {
        if watch.threshold.id >= plan.next_id {
            continue;
        }
        let spec = &watch.threshold.spec;
        let queued = match spec.scope {
            ThresholdScope::Process(id) => {
                match sample_process(profiler, id, Wanted(spec.resource.bit())) {
                    Ok(Some(values)) => watch.feed_one(&values, id.tgid, now, period_ns),
                    Ok(None) => {
                        watch.threshold.exited(id.tgid);
                        true
                    }
                    Err(_) => true,
                }
            }
            ThresholdScope::AnyPid => {
                sample.is_none_or(|sample| watch.feed_each(sample, now, period_ns, stats))
            }
            ThresholdScope::AllPids => {
                sample.is_none_or(|sample| watch.feed_sum(&sample.all, now, period_ns))
            }
        };
        if !queued {
            stats.dropped_busy.fetch_add(1, Relaxed);
        }
    }
}

/// The processes a sample of all should expect, from the live count the
/// /proc/allpids reconcile keeps (0 before its first pass).
fn expected(processes: i64) -> usize {
    usize::try_from(processes).unwrap_or(0)
}

/// Whether the evaluator serves `threshold`: armed, on a sampled resource.
fn is_evaluated(threshold: &Threshold) -> bool {
    threshold.source() == Source::Sampled && threshold.is_armed()
}

/// The armed thresholds on sampled resources among `watches` (as many as
/// memory allows: the others wait for the next evaluation).
fn collect<'a>(watches: impl Iterator<Item = &'a mut Watch>) -> KVec<&'a mut Watch> {
    let mut sampled = KVec::new();
    for watch in watches {
        if is_evaluated(&watch.threshold) && sampled.push(watch, GFP_KERNEL).is_err() {
            break;
        }
    }
    sampled
}
