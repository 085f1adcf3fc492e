// SPDX-License-Identifier: GPL-2.0

//! Each hook's own counters, one set per CPU: a hook on one CPU never
//! writes a cache line a hook on another CPU writes, as a shared counter
//! incremented on every context switch would make it.

use crate::sys::{
    clock::now_ns,
    cpu::{this_cpu, PerCpu},
};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::prelude::*;

/// One event in this many is timed: timing costs two clock reads, and the
/// mean of a regular sample is the mean.
const TIME_EVERY: u64 = 16;

/// Back-to-back clock reads [`timer_overhead_ns`] takes the least of.
const CALIBRATION_READS: usize = 64;

/// What timing an event adds to its time by itself: the time between two
/// clock reads with nothing between them (the end of the first read and
/// the start of the second, which a timed window holds on top of its
/// handler's work, and which the events not timed never pay). The least of
/// [`CALIBRATION_READS`] pairs: an interrupt or a preemption between two
/// reads only lengthens one.
fn timer_overhead_ns() -> u64 {
    let mut least = u64::MAX;
    for _ in 0..CALIBRATION_READS {
        let start = now_ns();
        least = least.min(now_ns().saturating_sub(start));
    }
    least
}

/// One CPU's counts of one hook. Written by that CPU's hook only, with
/// interrupts off: a load and a store, no atomic read-modify-write.
#[derive(Default)]
pub(crate) struct CpuCounts {
    events: AtomicU64,
    timed: AtomicU64,
    time_ns: AtomicU64,
}

impl CpuCounts {
    fn bump(counter: &AtomicU64, by: u64) {
        counter.store(counter.load(Relaxed).wrapping_add(by), Relaxed);
    }
}

/// A hook's counters on every CPU.
pub(crate) struct HookCounters {
    per_cpu: PerCpu<CpuCounts>,
    /// [`timer_overhead_ns`], measured when the counters were made: taken
    /// off each timed event's time when the times are summed.
    timer_ns: u64,
}

/// A hook's counters summed over the CPUs.
pub(crate) struct HookTotals {
    /// Events handled.
    pub(crate) events: u64,
    /// Time spent handling them, ns: the timed events' mean times all,
    /// less the timer's own cost.
    pub(crate) time_ns: u64,
    /// Events timed.
    pub(crate) timed: u64,
    /// What timing one event added to its time by itself, ns, taken off
    /// `time_ns` ([`timer_overhead_ns`]).
    pub(crate) timer_ns: u64,
}

/// An event being counted: [`EventTimer::done`] ends it.
pub(crate) struct EventTimer<'a> {
    /// This CPU's counts and when the event began, when this event is one
    /// of those timed.
    timed: Option<(&'a CpuCounts, u64)>,
}

/// When an event happens, as its handler reads it: a value, so that the
/// handler's closures capture it in registers (a closure that borrowed
/// the timer would keep the timer in memory for the whole handler).
#[derive(Clone, Copy)]
pub(crate) struct EventClock {
    /// A timed event's start, which is its time too.
    start: Option<u64>,
}

impl EventClock {
    /// The event's time: a timed event's start, else the clock now. A
    /// handler reads it only if it needs it (a new task's wake-up, a
    /// kprobe hit whose flags say nothing happened, do not), and once.
    #[inline]
    pub(crate) fn now(self) -> u64 {
        match self.start {
            Some(start) => start,
            None => now_ns(),
        }
    }
}

impl EventTimer<'_> {
    /// The event's clock ([`EventClock::now`]).
    #[inline]
    pub(crate) fn clock(&self) -> EventClock {
        EventClock {
            start: self.timed.map(|(_, start)| start),
        }
    }

    /// The event's time: see [`EventClock::now`].
    #[inline]
    pub(crate) fn now(&self) -> u64 {
        self.clock().now()
    }

    /// The event was handled.
    #[inline]
    pub(crate) fn done(self) {
        if let Some((counts, start)) = self.timed {
            CpuCounts::bump(&counts.timed, 1);
            CpuCounts::bump(&counts.time_ns, now_ns().saturating_sub(start));
        }
    }
}

impl HookCounters {
    pub(crate) fn new() -> Result<Self> {
        Ok(Self {
            per_cpu: PerCpu::new(|| Ok(CpuCounts::default()))?,
            timer_ns: timer_overhead_ns(),
        })
    }

    /// Hook context: counts an event, timed from now if it is the one in
    /// [`TIME_EVERY`] (the clock is read at once only then).
    #[inline]
    pub(crate) fn begin(&self) -> EventTimer<'_> {
        self.begin_on(this_cpu())
    }

    /// [`Self::begin`], for a hook that knows it runs on `cpu` (a call
    /// less).
    #[inline]
    pub(crate) fn begin_on(&self, cpu: usize) -> EventTimer<'_> {
        let Some(counts) = self.per_cpu.get(cpu) else {
            return EventTimer { timed: None };
        };
        let n = counts.events.load(Relaxed);
        counts.events.store(n.wrapping_add(1), Relaxed);
        EventTimer {
            timed: (n % TIME_EVERY == 0).then(|| (counts, now_ns())),
        }
    }

    /// The sums over the CPUs (a reader's snapshot, not atomic as a whole).
    pub(crate) fn totals(&self) -> HookTotals {
        let (mut events, mut timed, mut time_ns) = (0u64, 0u64, 0u64);
        for counts in self.per_cpu.iter() {
            events = events.wrapping_add(counts.events.load(Relaxed));
            timed = timed.wrapping_add(counts.timed.load(Relaxed));
            time_ns = time_ns.wrapping_add(counts.time_ns.load(Relaxed));
        }
        // Each timed event's window held one timer overhead more than its
        // handler's work.
        let time_ns = time_ns.saturating_sub(timed.saturating_mul(self.timer_ns));
        let time_ns = if timed == 0 {
            0
        } else {
            // The mean, times the events (no 128-bit division in the kernel).
            let mean = time_ns / timed;
            let rest = time_ns % timed;
            mean.saturating_mul(events)
                .saturating_add(rest.saturating_mul(events) / timed)
        };
        HookTotals {
            events,
            time_ns,
            timed,
            timer_ns: self.timer_ns,
        }
    }
}
