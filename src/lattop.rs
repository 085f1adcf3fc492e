// SPDX-License-Identifier: GPL-2.0

//! lattop: a latency profiler and kernel-introspection module.
//!
//! `sys` wraps the kernel APIs the `kernel` crate lacks (all of lattop's
//! `unsafe` is there); the modules above it are safe Rust, one per concern.

use kernel::{prelude::*, sync::Arc};

mod info;
mod lifecycle;
mod notifier;
mod params;
mod probes;
mod process_index;
mod profiler;
mod report;
mod slot_pool;
mod stats;
mod sys;
mod task_table;
mod trace;

use lifecycle::State;
use notifier::{files::NotifierDir, threshold::Scope, Notifier};
use sys::procfs::{ProcDir, ProcFile};

module! {
    type: Lattop,
    name: "lattop",
    author: "The lattop developers",
    description: "Latency profiler and kernel introspection",
    license: "GPL",
}

/// The loaded module. Its fields drop in order: the files first (procfs
/// waits for their readers), then the probes (unregistering waits for their
/// handlers), then /proc/allpids (waiting for its reconcile), then the
/// notifier (its evaluator) and the profiler (its housekeeping).
struct Lattop {
    _stats: ProcFile<stats::Stats>,
    _report: ProcFile<report::Report>,
    /// /proc/anypid/notifier: its files first, then the directory.
    _anypid: (NotifierDir, Arc<ProcDir>),
    _probes: Arc<probes::ProbeSet>,
    _pid_dirs: Arc<info::pid_dirs::PidDirs>,
    notifier: Arc<Notifier>,
    profiler: Arc<profiler::Profiler>,
}

impl kernel::Module for Lattop {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let profiler = profiler::Profiler::new()?;
        let notifier = Notifier::new(profiler.clone())?;
        let pid_dirs = info::pid_dirs::PidDirs::register(profiler.clone(), notifier.clone())?;
        notifier.set_pid_dirs(pid_dirs.clone());
        // The notifier and /proc/allpids refer to each other until shut down.
        let module = Self::arm(profiler, notifier.clone(), pid_dirs)
            .inspect_err(|_| notifier.shut_down())?;
        pr_info!(
            "loaded: /proc/lattop lists up to {} rows\n",
            params::MAX_ROWS.get()
        );
        Ok(module)
    }
}

impl Lattop {
    /// The rest of init, once the notifier and /proc/allpids exist: the
    /// anypid files, the probes, the report and the stats.
    fn arm(
        profiler: Arc<profiler::Profiler>,
        notifier: Arc<Notifier>,
        pid_dirs: Arc<info::pid_dirs::PidDirs>,
    ) -> Result<Self> {
        let anypid_dir = ProcDir::new(sys::uapi::PROC_ANYPID, 0o555, None)?;
        let anypid = (
            NotifierDir::new(&notifier, &anypid_dir, Scope::AnyPid)?,
            anypid_dir,
        );
        // Every probe is armed before any records: see lifecycle.rs.
        let probes = Arc::new(
            probes::ProbeSet::arm(&profiler, &pid_dirs, &notifier)?,
            GFP_KERNEL,
        )?;
        profiler.lifecycle.set(State::Running);
        // Processes started while the probes were being armed.
        pid_dirs.kick();
        let report = report::Report::register(profiler.clone())?;
        let stats = stats::Stats::register(
            profiler.clone(),
            probes.clone(),
            pid_dirs.clone(),
            notifier.clone(),
        )?;
        Ok(Self {
            _stats: stats,
            _report: report,
            _anypid: anypid,
            _probes: probes,
            _pid_dirs: pid_dirs,
            notifier,
            profiler,
        })
    }
}

impl Drop for Lattop {
    fn drop(&mut self) {
        // Handlers stop recording now; the fields' drops then wait for them.
        self.profiler.lifecycle.set(State::Stopping);
        // Readers blocked on notifier files return now, so removing the
        // files does not wait for them.
        self.notifier.shut_down();
        pr_info!("unloading\n");
    }
}
