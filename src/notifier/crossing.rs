// SPDX-License-Identifier: GPL-2.0

//! When a threshold fires: the crossing rules of include/uapi/linux/lattop.h,
//! applied to one stream of values (one process's, or a sum).

use crate::sys::uapi::{THRESHOLD_LEVEL, THRESHOLD_UP};

/// A threshold's level and the flags that say how it is crossed.
#[derive(Clone, Copy)]
pub(crate) struct Rule {
    pub(crate) level: i64,
    pub(crate) flags: u32,
}

impl Rule {
    /// Whether a change from `prev` to `value` fires:
    /// - UP: from below the level to at or above it;
    /// - DOWN: from at or above to below;
    /// - LEVEL|UP: any change while at or above;
    /// - LEVEL|DOWN: any change while below.
    pub(crate) fn fires(&self, prev: i64, value: i64) -> bool {
        let up = self.flags & THRESHOLD_UP != 0;
        let on_side = |v: i64| if up { v >= self.level } else { v < self.level };
        if self.flags & THRESHOLD_LEVEL != 0 {
            value != prev && on_side(value)
        } else {
            !on_side(prev) && on_side(value)
        }
    }

    /// Whether every change fires, not only crossings (no rate limit).
    pub(crate) fn is_level(&self) -> bool {
        self.flags & THRESHOLD_LEVEL != 0
    }
}

/// One stream's state: its last value, and when it last fired.
#[derive(Clone, Copy, Default)]
pub(crate) struct Crossing {
    prev: Option<i64>,
    last_fired_ns: Option<u64>,
}

impl Crossing {
    /// Takes the stream's next `value`, seen at `now`; returns whether the
    /// threshold fires. The first value is the baseline and never fires.
    /// Without LEVEL, a stream fires at most once per `period_ns`.
    pub(crate) fn feed(&mut self, rule: &Rule, value: i64, now: u64, period_ns: u64) -> bool {
        let Some(prev) = self.prev.replace(value) else {
            return false;
        };
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

    /// A stream whose baseline is `value`.
    pub(crate) fn with_baseline(value: i64) -> Self {
        Self {
            prev: Some(value),
            last_fired_ns: None,
        }
    }
}

/// CPU usage averaged over a window: percent of one CPU.
#[derive(Clone, Copy, Default)]
pub(crate) struct CpuWindow {
    /// When the current window began, and the CPU time then.
    start: Option<(u64, u64)>,
}

impl CpuWindow {
    /// Takes the CPU time `cpu_ns` used so far, at `now`: the usage over the
    /// window, once `window_ns` has passed since the window began (a new one
    /// begins then); `None` before.
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
