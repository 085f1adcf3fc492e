// SPDX-License-Identifier: GPL-2.0

//! The threshold notifier: thresholds written to notifier files, evaluated
//! where their values arise (the periodic evaluator for sampled resources,
//! the hook that ends a sleep for sleep_latency, the /proc/allpids reconcile for
//! process_count and exits), and announced to their watchers.

mod crossing;
mod evaluator;
pub(crate) mod files;
mod quota;
pub(crate) mod resource;
mod sample;
mod stats;
pub(crate) mod threshold;

use crate::{
    ids::ProcessId,
    params,
    profiler::{EndedSleep, LastSleep, PrevSleep, Profiler},
    sys::{
        clock::monotonic_fast_ns,
        periodic::{impl_has_periodic, Periodic},
        rcu::{RcuBox, Retired},
        task::TaskView,
        work::WorkQueue,
    },
};
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use evaluator::Watch;
use kernel::{
    c_str,
    error::code::ENODEV,
    new_mutex,
    prelude::*,
    rbtree::{RBTree, RBTreeNodeReservation},
    static_lock_class,
    sync::{Arc, Mutex},
};
use quota::UserQuotas;
use resource::Source;
use sample::Sample;
pub(crate) use stats::NotifierStats;
use threshold::{
    Firing, SleepFiring, Spec, Threshold, ThresholdScope, LOCK_BUDGET_NS, PROBE_LOCK_BUDGET_NS,
};

/// A sleep that ended, and whose it was, as the hook offers it.
struct OfferedSleep {
    pid: i32,
    tid: i32,
    /// The thread's start time (CLOCK_MONOTONIC).
    started: u64,
    /// How long it was, ns.
    ns: u64,
    /// The thread's sleep before it, if one was recorded.
    prev: Option<PrevSleep>,
    /// When it ended, CLOCK_MONOTONIC: the time of its event.
    time_ns: u64,
}

/// What the armed-thresholds lock guards.
struct Armed {
    /// By arming order ([`Threshold::id`]).
    watches: RBTree<u64, Watch>,
    next_id: u64,
    /// Thresholds armed by each user.
    quotas: UserQuotas,
    /// Live processes, as the reconcile counts them (process_count).
    processes: i64,
    shutting_down: bool,
    /// Told when a per-process threshold closes: set by [`DirsLink`].
    kept_dirs: Option<Arc<dyn KeptDirs>>,
}

/// The directories that stay, after their process exited, while
/// thresholds on it are open (/proc/allpids/<pid>/).
pub(crate) trait KeptDirs: Send + Sync {
    /// A threshold on one process was closed: its directory may go now.
    fn process_threshold_closed(&self);
}

/// The notifier's link to the [`KeptDirs`], which own notifier files and so
/// the notifier itself: the link is cut when this is dropped, so whoever
/// owns it decides, by where it keeps it, when the two stop referring to
/// each other.
pub(crate) struct DirsLink {
    notifier: Arc<Notifier>,
}

impl Drop for DirsLink {
    fn drop(&mut self) {
        let dirs = self.notifier.armed.lock().kept_dirs.take();
        // Unlocked: were it the last reference, removing the directories
        // closes their files, which takes the lock.
        drop(dirs);
    }
}

/// The notifier. Lives in an `Arc` shared by its files, the probes and
/// /proc/allpids.
#[pin_data]
pub(crate) struct Notifier {
    /// First, so that it is cancelled before the rest goes.
    #[pin]
    evaluator: Periodic<Notifier>,
    #[pin]
    armed: Mutex<Armed>,
    /// The evaluator's last walk over every process, which the next is
    /// compared with. Taken by the evaluator alone, before `armed`.
    #[pin]
    last_sample: Mutex<Option<Sample>>,
    /// The sleep_latency thresholds, for the hook that ends a sleep, which
    /// reads them without a lock: a copy of part of `armed`, replaced whole
    /// under its lock.
    sleep_watchers: RcuBox<KVec<Arc<Threshold>>>,
    sleep_armed: AtomicUsize,
    sampled_armed: AtomicUsize,
    armed_count: AtomicUsize,
    profiler: Arc<Profiler>,
    /// `eval_period_ms`, in ns.
    period_ns: u64,
    pub(crate) stats: NotifierStats,
}

impl_has_periodic!(Notifier, evaluator, Notifier::evaluate);

impl Notifier {
    /// A notifier with nothing armed.
    /// Its evaluator runs on `queue`.
    pub(crate) fn new(profiler: Arc<Profiler>, queue: Arc<WorkQueue>) -> Result<Arc<Self>> {
        let sleep_watchers = RcuBox::new(KBox::new(KVec::new(), GFP_KERNEL)?);
        Arc::pin_init(
            pin_init!(Self {
                evaluator <- Periodic::new(c_str!("lattop_evaluator"), crate::sys::compat::lock_class(static_lock_class!()), queue),
                armed <- new_mutex!(
                    Armed {
                        watches: RBTree::new(),
                        next_id: 0,
                        quotas: UserQuotas::new(),
                        processes: 0,
                        shutting_down: false,
                        kept_dirs: None,
                    },
                    "lattop_notifier_armed"
                ),
                last_sample <- new_mutex!(None, "lattop_notifier_last_sample"),
                sleep_watchers,
                sleep_armed: AtomicUsize::new(0),
                sampled_armed: AtomicUsize::new(0),
                armed_count: AtomicUsize::new(0),
                profiler,
                period_ns: u64::from(params::EVAL_PERIOD_MS.get().max(1)) * 1_000_000,
                stats: NotifierStats::default(),
            }),
            GFP_KERNEL,
        )
    }

    /// Tells `dirs` when a per-process threshold closes, until the
    /// returned link is dropped.
    pub(crate) fn link_dirs(self: &Arc<Self>, dirs: Arc<dyn KeptDirs>) -> DirsLink {
        self.armed.lock().kept_dirs = Some(dirs);
        DirsLink {
            notifier: self.clone(),
        }
    }

    /// Thresholds armed now.
    pub(crate) fn armed(&self) -> usize {
        self.armed_count.load(Relaxed)
    }

    /// Arms a threshold for `spec`, for user `owner`: `ESRCH` if its process
    /// has exited, `EDQUOT` past the per-user cap, `ENODEV` during unload.
    pub(crate) fn arm(&self, spec: Spec, owner: u32) -> Result<Arc<Threshold>> {
        let mut guard = self.armed.lock();
        let armed = &mut *guard;
        if armed.shutting_down {
            return Err(ENODEV);
        }
        // Given back by its drop if arming fails below.
        let charge = armed
            .quotas
            .charge(owner, params::MAX_THRESHOLDS_PER_USER.get())?;
        let id = armed.next_id;
        armed.next_id += 1;
        let threshold = Threshold::new(spec, owner, id)?;
        // Reserved first: a PRESENT watch fires as it is made, and a write
        // that fails must not have announced anything.
        let node = RBTreeNodeReservation::new(GFP_KERNEL)?;
        let watch = Watch::new(threshold.clone(), &self.profiler, armed.processes)?;
        armed.watches.insert(node.into_node(id, watch));
        let mut retired = None;
        match threshold.source() {
            Source::Sleeps => {
                match self.update_sleep_watchers(&armed.watches) {
                    Ok(old) => retired = Some(old),
                    Err(e) => {
                        armed.watches.remove(&id);
                        return Err(e);
                    }
                }
                self.sleep_armed.fetch_add(1, Relaxed);
            }
            Source::Sampled => {
                if self.sampled_armed.fetch_add(1, Relaxed) == 0 {
                    self.evaluator.start(self.period_ns);
                }
            }
            Source::ProcessEvents => {}
        }
        charge.keep();
        self.armed_count.fetch_add(1, Relaxed);
        drop(guard);
        // Its grace period, waited for unlocked.
        drop(retired);
        Ok(threshold)
    }

    /// Removes `threshold` (its file was closed).
    pub(crate) fn disarm(&self, threshold: &Arc<Threshold>) {
        let mut armed = self.armed.lock();
        let Some(watch) = armed.watches.remove(&threshold.id) else {
            return;
        };
        armed.quotas.release(threshold.owner);
        let mut retired = None;
        match threshold.source() {
            Source::Sleeps => {
                // On failure (no memory for the smaller copy), the probe keeps
                // offering sleeps to a threshold nobody reads: harmless, and
                // it goes with the next successful update.
                retired = self.update_sleep_watchers(&armed.watches).ok();
                self.sleep_armed.fetch_sub(1, Relaxed);
            }
            Source::Sampled => {
                self.sampled_armed.fetch_sub(1, Relaxed);
            }
            Source::ProcessEvents => {}
        }
        self.armed_count.fetch_sub(1, Relaxed);
        let kept_dirs = matches!(threshold.spec.scope, ThresholdScope::Process(_))
            .then(|| armed.kept_dirs.clone())
            .flatten();
        drop(armed);
        // Its grace period, waited for unlocked.
        drop(retired);
        drop(watch);
        if let Some(dirs) = kept_dirs {
            dirs.process_threshold_closed();
        }
    }

    /// Swaps in a fresh copy of the sleep_latency thresholds for the hook;
    /// returns the old one, which the caller drops once it has released
    /// `armed` (the drop waits for a grace period).
    fn update_sleep_watchers(
        &self,
        watches: &RBTree<u64, Watch>,
    ) -> Result<Retired<KVec<Arc<Threshold>>>> {
        let is_sleeps = |w: &&Watch| w.threshold.source() == Source::Sleeps;
        let mut copy = KVec::with_capacity(watches.values().filter(is_sleeps).count(), GFP_KERNEL)?;
        for watch in watches.values().filter(is_sleeps) {
            copy.push(watch.threshold.clone(), GFP_KERNEL)?;
        }
        Ok(self.sleep_watchers.swap(KBox::new(copy, GFP_KERNEL)?))
    }

    /// The hook that ends a sleep: `task` ended `sleep` and runs (or is
    /// woken) now. Never sleeps, never wakes anyone; with no sleep_latency
    /// threshold armed, costs one load.
    #[inline]
    pub(crate) fn on_sleep(&self, task: &TaskView<'_>, sleep: &EndedSleep<'_>) {
        if self.sleep_armed.load(Relaxed) != 0 {
            self.offer_sleep(*task, sleep.ns, sleep.ended_at, sleep.last);
        }
    }

    /// The hook that ends a sleep, a sleep_latency threshold armed: offers
    /// the sleep of `ns` that `task` ended at `ended_at` (its last sleep
    /// before that in `last`) to each, as the next value of the thread's
    /// stream. Out of line and cold, and handed the sleep in registers: the
    /// hook inlines only the check above, and stores nothing for this call
    /// unless it makes it.
    #[cold]
    #[inline(never)]
    fn offer_sleep(&self, task: TaskView<'_>, ns: u64, ended_at: u64, last: &LastSleep) {
        let offered = OfferedSleep {
            pid: task.tgid(),
            tid: task.tid(),
            started: task.start_time(),
            ns,
            prev: last.replace(ns, ended_at),
            time_ns: monotonic_fast_ns(),
        };
        self.sleep_watchers.read(|watchers| {
            for threshold in watchers.iter() {
                self.offer_to(threshold, &offered);
            }
        });
    }

    /// The hook that ends a sleep: offers it to `threshold`, if it watches
    /// the sleeper, as the next value of the thread's stream.
    #[inline]
    fn offer_to(&self, threshold: &Threshold, offered: &OfferedSleep) {
        if let ThresholdScope::Process(id) = threshold.spec.scope {
            if id.tgid != offered.pid {
                return;
            }
        }
        // The thread's first sleep to end since arming is its baseline if
        // it existed then; one born since is judged from nothing.
        // (A thread born since has no sleep from before: its prev counts
        // whatever the clocks of different CPUs say.)
        let born = threshold.born_since_armed(offered.started);
        let prev_ns = match offered.prev {
            Some(prev) if born || threshold.armed_before(prev.ended_at) => Some(prev.ns),
            None if born => None,
            _ => return,
        };
        let firing = SleepFiring {
            pid: offered.pid,
            tid: offered.tid,
            ns: offered.ns,
            prev_ns,
        };
        if !threshold.offer_sleep(
            &firing,
            offered.time_ns,
            self.period_ns,
            PROBE_LOCK_BUDGET_NS,
        ) {
            self.stats.dropped_busy.fetch_add(1, Relaxed);
        }
    }

    /// /proc/allpids reconcile: process `pid` started (or exited), the count
    /// of live processes is now `processes`. Fires process_count thresholds.
    pub(crate) fn on_process_count(&self, pid: i32, processes: i64) {
        let now = crate::sys::clock::monotonic_ns();
        let period_ns = self.period_ns;
        let mut armed = self.armed.lock();
        armed.processes = processes;
        for watch in armed.watches.values_mut() {
            if watch.threshold.source() != Source::ProcessEvents || !watch.threshold.is_armed() {
                continue;
            }
            if watch.feed_count(processes, now, period_ns) {
                let firing = Firing {
                    pid,
                    tid: 0,
                    value: processes,
                    kind: crate::sys::uapi::EVENT_CROSSED,
                };
                if !watch.threshold.fire(firing, now, LOCK_BUDGET_NS) {
                    self.stats.dropped_busy.fetch_add(1, Relaxed);
                }
            }
        }
    }

    /// /proc/allpids reconcile: process `id` exited. Tells its thresholds
    /// (their last event); returns whether any is still open, in which case
    /// its directory stays until they are closed.
    pub(crate) fn on_process_exit(&self, id: ProcessId) -> bool {
        let armed = self.armed.lock();
        let mut watched = false;
        for watch in armed.watches.values() {
            if watch.threshold.spec.scope == ThresholdScope::Process(id) {
                watch.threshold.exited(id.tgid);
                watched = true;
            }
        }
        watched
    }

    /// Unload begins: no more arming, and every reader is woken and fails,
    /// so that procfs's removal of the files does not wait for them.
    pub(crate) fn shut_down(&self) {
        let mut armed = self.armed.lock();
        armed.shutting_down = true;
        for watch in armed.watches.values() {
            watch.threshold.shut_down();
        }
        drop(armed);
        self.evaluator.stop();
    }

    /// The periodic evaluator: samples what the armed thresholds watch.
    fn evaluate(&self) {
        let start = crate::sys::clock::now_ns();
        let plan = {
            let armed = self.armed.lock();
            evaluator::Plan::new(armed.watches.values(), armed.next_id, armed.processes)
        };
        // The walk over every process, and its comparison with the last,
        // without the armed lock.
        let mut last = self.last_sample.lock();
        let sample = plan
            .sample(&self.profiler)
            .map(|all| Sample::after(last.as_ref(), all));
        let mut armed = self.armed.lock();
        evaluator::evaluate(
            armed.watches.values_mut(),
            &self.profiler,
            &plan,
            sample.as_ref(),
            self.period_ns,
            &self.stats,
        );
        let again = !armed.shutting_down && self.sampled_armed.load(Relaxed) > 0;
        drop(armed);
        // Kept for the next run to compare with; the memory goes when no
        // threshold wants a walk (out of memory, the last one stays).
        if sample.is_some() || !plan.walks() {
            *last = sample;
        }
        drop(last);
        self.stats.evaluations.fetch_add(1, Relaxed);
        let spent = crate::sys::clock::now_ns().saturating_sub(start);
        self.stats.evaluation_ns.fetch_add(spent, Relaxed);
        if again {
            self.evaluator.rearm(self.period_ns);
        }
    }
}
