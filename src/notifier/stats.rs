// SPDX-License-Identifier: GPL-2.0

//! The notifier's own counters, shown in /proc/lattop_stats.

use core::sync::atomic::AtomicU64;

/// See the module documentation.
#[derive(Default)]
pub(crate) struct NotifierStats {
    /// Evaluator runs, and the time they took, ns.
    pub(crate) evaluations: AtomicU64,
    pub(crate) evaluation_ns: AtomicU64,
    /// Feedings of an anypid threshold from what changed since the run
    /// before alone (the same processes, in the same order), not from every
    /// process's values.
    pub(crate) fed_changes: AtomicU64,
    /// Events the evaluator or the probe could not queue in time (lock busy).
    pub(crate) dropped_busy: AtomicU64,
}
