// SPDX-License-Identifier: GPL-2.0

//! /proc/lattop_stats: the probes' own numbers, one `name value...` line
//! each (format in README.md): lifecycle state, per-probe events, time spent
//! and misses, what was dropped, and what the table holds.

use crate::{
    notifier::Notifier,
    pid_dirs::PidDirs,
    probes::{ProbeSet, SchedListener},
    profiler::Profiler,
    sys::{
        procfs::{ProcFile, ProcSnapshot, SnapshotBuffer},
        uapi,
    },
};
use core::sync::atomic::Ordering::Relaxed;
use kernel::{prelude::*, sync::Arc};

/// The stats file's content.
pub(crate) struct Stats<L: SchedListener> {
    profiler: Arc<Profiler>,
    probes: Arc<ProbeSet<L>>,
    pid_dirs: Arc<PidDirs>,
    notifier: Arc<Notifier>,
}

impl<L: SchedListener> Stats<L> {
    /// Creates /proc/lattop_stats, readable by all: it holds only counts.
    pub(crate) fn register(
        profiler: Arc<Profiler>,
        probes: Arc<ProbeSet<L>>,
        pid_dirs: Arc<PidDirs>,
        notifier: Arc<Notifier>,
    ) -> Result<ProcFile<Stats<L>>> {
        let stats = Stats {
            profiler,
            probes,
            pid_dirs,
            notifier,
        };
        ProcFile::new(uapi::PROC_STATS, 0o444, Arc::new(stats, GFP_KERNEL)?)
    }
}

impl<L: SchedListener> ProcSnapshot for Stats<L> {
    fn render(&self, out: &mut SnapshotBuffer) -> Result {
        let p = &self.profiler;
        writeln!(out, "state {}", self.probes.state().name())?;
        let mut timer_ns = 0;
        self.probes.for_each_hook(|hook| {
            writeln!(
                out,
                "probe {} events {} time_ns {} missed {} timed {}",
                crate::sys::compat::cstr_text(hook.name),
                hook.totals.events,
                hook.totals.time_ns,
                hook.missed,
                hook.totals.timed
            )?;
            timer_ns = timer_ns.max(hook.totals.timer_ns);
            Ok(())
        })?;
        writeln!(out, "probe_timer_ns {}", timer_ns)?;
        writeln!(out, "dropped_no_node {}", p.dropped.no_node.load(Relaxed))?;
        writeln!(out, "dropped_task_cap {}", p.dropped.task_cap.load(Relaxed))?;
        writeln!(out, "dropped_traces {}", p.dropped.traces.load(Relaxed))?;
        writeln!(out, "dropped_busy {}", p.dropped.busy.load(Relaxed))?;
        writeln!(out, "table_hold_max_ns {}", p.longest_hold_ns.load(Relaxed))?;
        let (slots, hook_lock_hold) = p.live_counts();
        writeln!(out, "hook_lock_hold_max_ns {}", hook_lock_hold)?;
        writeln!(out, "slots {}", slots)?;
        let counts = p.counts();
        writeln!(out, "tasks {}", counts.tasks)?;
        writeln!(out, "processes {}", counts.processes)?;
        writeln!(out, "traces {}", counts.traces)?;
        writeln!(out, "trace_files {}", counts.files)?;
        writeln!(out, "trace_frames_unnamed {}", counts.unnamed_frames)?;
        writeln!(out, "pool_task_nodes {}", counts.pooled_task_nodes)?;
        writeln!(out, "pool_latency_nodes {}", counts.pooled_latency_nodes)?;
        writeln!(out, "pool_process_nodes {}", counts.pooled_process_nodes)?;
        let dirs = &self.pid_dirs;
        writeln!(out, "pid_dirs {}", dirs.len())?;
        writeln!(out, "pid_dir_reconciles {}", dirs.reconciles.load(Relaxed))?;
        writeln!(out, "pid_dir_failures {}", dirs.failures.load(Relaxed))?;
        writeln!(out, "pid_dir_walks {}", dirs.walks.load(Relaxed))?;
        let (noted, lost) = dirs.note_counts();
        writeln!(out, "pid_dir_notes {}", noted)?;
        writeln!(out, "pid_dir_notes_lost {}", lost)?;
        writeln!(
            out,
            "pid_dir_reconcile_ns {}",
            dirs.reconcile_ns.load(Relaxed)
        )?;
        let notifier = &self.notifier;
        writeln!(out, "thresholds_armed {}", notifier.armed())?;
        writeln!(
            out,
            "notifier_evaluations {}",
            notifier.stats.evaluations.load(Relaxed)
        )?;
        writeln!(
            out,
            "notifier_evaluation_ns {}",
            notifier.stats.evaluation_ns.load(Relaxed)
        )?;
        writeln!(
            out,
            "notifier_fed_changes {}",
            notifier.stats.fed_changes.load(Relaxed)
        )?;
        writeln!(
            out,
            "notifier_dropped_busy {}",
            notifier.stats.dropped_busy.load(Relaxed)
        )?;
        Ok(())
    }
}
