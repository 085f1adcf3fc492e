// SPDX-License-Identifier: GPL-2.0

//! The clocks lattop reads, one function each, in nanoseconds.
//!
//! - [`now_ns`]: the scheduler's clock, `local_clock()`. What the profiler
//!   times sleeps with, from its probes under the runqueue lock.
//! - [`monotonic_ns`]: CLOCK_MONOTONIC, `ktime_get()`, as user space's
//!   `clock_gettime()` reads it: the time stamps of the notifier's events and
//!   snapshots, and the clock of [`super::periodic`]'s hrtimer.
//! - [`monotonic_fast_ns`]: CLOCK_MONOTONIC again, `ktime_get_mono_fast_ns()`,
//!   for where `ktime_get()` may not be called (probes).
//!
//! Two more clocks appear in what lattop reports without being read here:
//! a task's `start_time` ([`super::task::TaskView::start_time`]) is
//! CLOCK_MONOTONIC, its `start_boottime`
//! ([`super::task::TaskView::start_boottime`]) CLOCK_BOOTTIME; both are
//! task fields, read through the C helpers.

use super::bindings;

/// The scheduler's clock, `local_clock()`: monotonic on each CPU, cheap,
/// consistent across CPUs to within the scheduler's own tolerance (not
/// CLOCK_MONOTONIC: its zero and rate are its own). Any context: process,
/// interrupt, and probes, including under a runqueue lock.
pub(crate) fn now_ns() -> u64 {
    // SAFETY: local_clock() has no preconditions and may be called in any
    // context.
    unsafe { bindings::local_clock() }
}

/// CLOCK_MONOTONIC, `ktime_get()`: what user space's `clock_gettime()`
/// shows. Process and interrupt context, not from a probe: it spins on the
/// timekeeper's seqcount, which a probe may have interrupted the writer of.
pub(crate) fn monotonic_ns() -> u64 {
    // SAFETY: ktime_get() has no preconditions outside NMI.
    let now = unsafe { bindings::ktime_get() };
    u64::try_from(now).unwrap_or(0)
}

/// CLOCK_MONOTONIC, `ktime_get_mono_fast_ns()`: readable in any context,
/// probes included (NMI-safe, as tracers read it), at the price of being
/// off by up to a tick's adjustment around a timekeeping update.
pub(crate) fn monotonic_fast_ns() -> u64 {
    // SAFETY: ktime_get_mono_fast_ns() has no preconditions and is made for
    // any context.
    unsafe { bindings::ktime_get_mono_fast_ns() }
}
