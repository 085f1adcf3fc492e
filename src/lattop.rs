// SPDX-License-Identifier: GPL-2.0

//! lattop: a latency profiler and kernel-introspection module.
//!
//! `sys` wraps the kernel APIs the `kernel` crate lacks (all of lattop's
//! `unsafe` is there); the modules above it are safe Rust, one per concern.

use kernel::{prelude::*, sync::Arc};

mod info;
mod lifecycle;
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
use sys::procfs::ProcFile;

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
/// profiler (which waits for its housekeeping).
struct Lattop {
    _stats: ProcFile<stats::Stats>,
    _report: ProcFile<report::Report>,
    _probes: Arc<probes::ProbeSet>,
    _pid_dirs: Arc<info::pid_dirs::PidDirs>,
    profiler: Arc<profiler::Profiler>,
}

impl kernel::Module for Lattop {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let profiler = profiler::Profiler::new()?;
        let pid_dirs = info::pid_dirs::PidDirs::register(profiler.clone())?;
        // Every probe is armed before any records: see lifecycle.rs.
        let probes = Arc::new(probes::ProbeSet::arm(&profiler, &pid_dirs)?, GFP_KERNEL)?;
        profiler.lifecycle.set(State::Running);
        // Processes started while the probes were being armed.
        pid_dirs.kick();
        let report = report::Report::register(profiler.clone())?;
        let stats = stats::Stats::register(profiler.clone(), probes.clone(), pid_dirs.clone())?;
        pr_info!("loaded: /proc/lattop lists up to {} rows\n", params::MAX_ROWS.get());
        Ok(Self {
            _stats: stats,
            _report: report,
            _probes: probes,
            _pid_dirs: pid_dirs,
            profiler,
        })
    }
}

impl Drop for Lattop {
    fn drop(&mut self) {
        // Handlers stop recording now; the fields' drops then wait for them.
        self.profiler.lifecycle.set(State::Stopping);
        pr_info!("unloaded\n");
    }
}
