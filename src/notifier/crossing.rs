// SPDX-License-Identifier: GPL-2.0

//! When a threshold fires: the crossing rules of include/uapi/linux/lattop.h,
//! applied to one stream of values (one process's, or a sum).

use crate::sys::uapi::{
    SLEEP_FIRINGS_PER_PERIOD, THRESHOLD_LEVEL, THRESHOLD_PRESENT, THRESHOLD_UP,
};

/// A threshold's level and the flags that say how it is crossed.
#[derive(Clone, Copy)]
pub(crate) struct Rule {
    pub(crate) level: i64,
    pub(crate) flags: u32,
}

impl Rule {
    /// Whether `value` is on the side of the level that fires: at or above
    /// it (UP), or below it (DOWN).
    fn on_firing_side(&self, value: i64) -> bool {
        if self.flags & THRESHOLD_UP != 0 {
            value >= self.level
        } else {
            value < self.level
        }
    }

    /// Whether a change from `prev` to `value` fires:
    /// - UP: from below the level to at or above it;
    /// - DOWN: from at or above to below;
    /// - LEVEL|UP: any change while at or above;
    /// - LEVEL|DOWN: any change while below.
    ///
    /// With no `prev` (a stream judged from its start), `value` fires if it
    /// is on the firing side.
    pub(crate) fn fires(&self, prev: Option<i64>, value: i64) -> bool {
        let Some(prev) = prev else {
            return self.on_firing_side(value);
        };
        if self.flags & THRESHOLD_LEVEL != 0 {
            value != prev && self.on_firing_side(value)
        } else {
            !self.on_firing_side(prev) && self.on_firing_side(value)
        }
    }

    /// Whether every change fires, not only crossings (no rate limit).
    pub(crate) fn is_level(&self) -> bool {
        self.flags & THRESHOLD_LEVEL != 0
    }

    /// Whether streams that exist at arming have no baseline (PRESENT).
    pub(crate) fn wants_present(&self) -> bool {
        self.flags & THRESHOLD_PRESENT != 0
    }
}

/// How a stream's first value is taken.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Start {
    /// As the baseline: it never fires (a stream that existed at arming).
    #[default]
    Baseline,
    /// As a change from nothing: it fires if on the firing side (a stream
    /// born after arming, or any stream under PRESENT).
    Judged,
}

/// One stream's state: its last value, and when it last fired.
#[derive(Clone, Copy, Default)]
pub(crate) struct Crossing {
    prev: Option<i64>,
    start: Start,
    last_fired_ns: Option<u64>,
}

impl Crossing {
    /// A stream whose first value is taken as `start` says.
    pub(crate) fn new(start: Start) -> Self {
        Self {
            prev: None,
            start,
            last_fired_ns: None,
        }
    }

    /// Takes the stream's next `value`, seen at `now`; returns whether the
    /// threshold fires. The first value fires only if the stream is
    /// [`Start::Judged`]. Without LEVEL, a stream fires at most once per
    /// `period_ns`.
    #[inline]
    pub(crate) fn feed(&mut self, rule: &Rule, value: i64, now: u64, period_ns: u64) -> bool {
        // No rule fires on an unchanged value, the common case of an
        // evaluator run: decided before anything else is read.
        if self.prev == Some(value) {
            return false;
        }
        let prev = self.prev.replace(value);
        if prev.is_none() && self.start == Start::Baseline {
            return false;
        }
        if !rule.fires(prev, value) {
            return false;
        }
        let too_soon = self
            .last_fired_ns
            .is_some_and(|last| now.saturating_sub(last) < period_ns);
        if too_soon && !rule.is_level() {
            return false;
        }
        self.last_fired_ns = Some(now);
        true
    }
}

/// The rate limit of a threshold whose streams it does not keep
/// (sleep_latency's, one per thread in the profiler): the processes it
/// fired for in the last period, as many as it has room for.
pub(crate) struct RecentFirings {
    /// (tgid, when it fired); a time of 0 is a free entry.
    fired: [(i32, u64); SLEEP_FIRINGS_PER_PERIOD],
}

impl Default for RecentFirings {
    fn default() -> Self {
        Self {
            fired: [(0, 0); SLEEP_FIRINGS_PER_PERIOD],
        }
    }
}

impl RecentFirings {
    /// Whether process `pid` may fire at `now`, and if so notes it: not if
    /// it fired less than `period_ns` ago, nor if every entry is a firing
    /// that recent (too many processes in one period).
    pub(crate) fn admit(&mut self, pid: i32, now: u64, period_ns: u64) -> bool {
        let mut free = None;
        for (at, &(fired_pid, fired_ns)) in self.fired.iter().enumerate() {
            let recent = fired_ns != 0 && now.saturating_sub(fired_ns) < period_ns;
            if recent && fired_pid == pid {
                return false;
            }
            if !recent && free.is_none() {
                free = Some(at);
            }
        }
        let Some(entry) = free.and_then(|at| self.fired.get_mut(at)) else {
            return false;
        };
        *entry = (pid, now.max(1));
        true
    }
}

/// CPU usage averaged over a window: percent of one CPU.
#[derive(Clone, Copy, Default)]
pub(crate) struct CpuWindow {
    /// When the current window began, and the CPU time then.
    start: Option<(u64, u64)>,
}

impl CpuWindow {
    /// The window of a process started at `start_ns`, which had used no
    /// CPU then: its first value covers its life so far.
    pub(crate) fn from_birth(start_ns: u64) -> Self {
        Self {
            start: Some((start_ns, 0)),
        }
    }

    /// When the current window ends (the next [`Self::sample`] from then on
    /// gives a value), or 0 if it has not begun (the next one begins it).
    pub(crate) fn ends_at(&self, window_ns: u64) -> u64 {
        self.start
            .map_or(0, |(start, _)| start.saturating_add(window_ns.max(1)))
    }

    /// Takes the CPU time `cpu_ns` used so far, at `now`: the usage over the
    /// window, once `window_ns` has passed since the window began (a new one
    /// begins then); `None` before.
    #[inline]
    pub(crate) fn sample(&mut self, cpu_ns: u64, now: u64, window_ns: u64) -> Option<i64> {
        let Some((start, start_cpu)) = self.start else {
            self.start = Some((now, cpu_ns));
            return None;
        };
        let elapsed = now.saturating_sub(start);
        if elapsed < window_ns || elapsed == 0 {
            return None;
        }
        self.start = Some((now, cpu_ns));
        // u64 is ample: the CPU time of one window, times 100.
        let used = cpu_ns.saturating_sub(start_cpu);
        i64::try_from(used.saturating_mul(100) / elapsed).ok()
    }
}
