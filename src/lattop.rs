// SPDX-License-Identifier: GPL-2.0

//! lattop: a latency profiler and kernel-introspection module.
//!
//! `sys` wraps the kernel APIs the `kernel` crate lacks: all of lattop's
//! `unsafe` is there, and the compiler holds the rest of the crate to that.
//! Above it: `profiler` (the task table and the report), `probes` (the
//! scheduler hooks and their lifecycle), `info` (bulk records), `notifier`
//! (thresholds), `pid_dirs` (/proc/allpids/<pid>/, which holds files of
//! both), and this file, which assembles them. README.md's "Layout" says
//! where to start reading.

#![deny(unsafe_code)]

use kernel::{c_str, prelude::*, sync::Arc};

mod access;
mod ids;
mod info;
mod notifier;
mod params;
mod pid_dirs;
mod probes;
mod process_notes;
mod profiler;
mod sort;
mod stats;
#[allow(unsafe_code)]
mod sys;

use notifier::{files::NotifierDir, threshold::ThresholdScope, DirsLink, Notifier};
use pid_dirs::PidDirs;
use probes::{ProbeSet, SchedListener};
use profiler::{report::Report, traces_file::TracesFile, EndedSleep, Profiler};
use sys::{
    procfs::{ProcDir, ProcFile},
    task::TaskView,
    work::WorkQueue,
};

#[cfg(not(lattop_module_authors))]
module! {
    type: Lattop,
    name: "lattop",
    author: "The lattop developers",
    description: "Latency profiler and kernel introspection",
    license: "GPL",
}
#[cfg(lattop_module_authors)]
module! {
    type: Lattop,
    name: "lattop",
    authors: ["The lattop developers"],
    description: "Latency profiler and kernel introspection",
    license: "GPL",
}

/// The loaded module. Its fields drop in order: the notifier's link to
/// /proc/allpids first (the two refer to each other until then), the files
/// (procfs waits for their readers), then the probes (unregistering waits
/// for their handlers), then /proc/allpids (waiting for its reconcile),
/// then the notifier (its evaluator) and the profiler (its housekeeping).
struct Lattop {
    _dirs_link: DirsLink,
    _stats: ProcFile<stats::Stats<Listeners>>,
    _report: ProcFile<Report>,
    _traces: ProcFile<TracesFile>,
    /// /proc/anypid/notifier: its files first, then the directory.
    _anypid: (NotifierDir, Arc<ProcDir>),
    probes: Arc<ProbeSet<Listeners>>,
    pid_dirs: Arc<PidDirs>,
    notifier: Arc<Notifier>,
    _profiler: Arc<Profiler>,
}

/// Where the probes' events go besides the profiler: a process's start or
/// exit to /proc/allpids, each sleep to the notifier's sleep_latency
/// thresholds.
struct Listeners {
    pid_dirs: Arc<PidDirs>,
    notifier: Arc<Notifier>,
}

impl SchedListener for Listeners {
    fn process_started(&self, tgid: i32) {
        self.pid_dirs.note(tgid);
    }

    fn process_exited(&self, tgid: i32) {
        self.pid_dirs.note(tgid);
    }

    #[inline]
    fn sleep_ended(&self, task: &TaskView<'_>, sleep: &EndedSleep<'_>) {
        self.notifier.on_sleep(task, sleep);
    }
}

impl kernel::Module for Lattop {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // The housekeeping, the evaluator and the reconcile run on it.
        let queue = WorkQueue::new_unbound(c_str!("lattop"))?;
        let profiler = Profiler::new(queue.clone())?;
        let notifier = Notifier::new(profiler.clone(), queue.clone())?;
        let pid_dirs = PidDirs::register(profiler.clone(), notifier.clone(), queue)?;
        let dirs_link = notifier.link_dirs(pid_dirs.clone());
        let anypid_dir = ProcDir::new(sys::uapi::PROC_ANYPID, 0o555, None)?;
        let anypid = (
            NotifierDir::new(&notifier, &anypid_dir, ThresholdScope::AnyPid)?,
            anypid_dir,
        );
        let listeners = Arc::new(
            Listeners {
                pid_dirs: pid_dirs.clone(),
                notifier: notifier.clone(),
            },
            GFP_KERNEL,
        )?;
        // Every probe is armed before any records: see probes/lifecycle.rs.
        let probes = Arc::new(ProbeSet::arm(&profiler, listeners)?, GFP_KERNEL)?;
        probes.start();
        // Processes started while the probes were being armed.
        pid_dirs.kick();
        let report = Report::register(profiler.clone())?;
        let traces = TracesFile::register(profiler.clone())?;
        let stats = stats::Stats::register(
            profiler.clone(),
            probes.clone(),
            pid_dirs.clone(),
            notifier.clone(),
        )?;
        pr_info!(
            "loaded: /proc/lattop lists up to {} rows\n",
            params::MAX_ROWS.get()
        );
        Ok(Self {
            _dirs_link: dirs_link,
            _stats: stats,
            _report: report,
            _traces: traces,
            _anypid: anypid,
            probes,
            pid_dirs,
            notifier,
            _profiler: profiler,
        })
    }
}

impl Drop for Lattop {
    fn drop(&mut self) {
        // Handlers stop recording now; the fields' drops then wait for them.
        self.probes.stop();
        // A reconcile under way stops at its next directory, so that the
        // wait for it is short; the directories go with their tree.
        self.pid_dirs.stop();
        // Readers blocked on notifier files return now, so removing the
        // files does not wait for them.
        self.notifier.shut_down();
        pr_info!("unloading\n");
    }
}
