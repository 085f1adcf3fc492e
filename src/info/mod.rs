// SPDX-License-Identifier: GPL-2.0

//! Bulk transfer: /proc/allpids/info, every process's and thread's record in
//! one read, and /proc/allpids/<pid>/info, one process's. The directories
//! that hold them follow the processes: see [`crate::pid_dirs`].

mod snapshot;

use crate::{
    ids::ProcessId,
    profiler::Profiler,
    sys::{
        procfs::{ProcSnapshot, SnapshotBuffer},
        task_info::Opener,
    },
};
use kernel::{prelude::*, sync::Arc};
use snapshot::SnapshotScope;

/// /proc/allpids/info: every process the reader may see.
pub(crate) struct AllInfo {
    profiler: Arc<Profiler>,
}

impl AllInfo {
    pub(crate) fn new(profiler: Arc<Profiler>) -> Self {
        Self { profiler }
    }
}

impl ProcSnapshot for AllInfo {
    fn render(&self, out: &mut SnapshotBuffer) -> Result {
        // Rendered at open: the current task is the opener.
        snapshot::build(out, &self.profiler, SnapshotScope::All, &Opener::current())
    }
}

/// /proc/allpids/<pid>/info: the process the directory was made for.
pub(crate) struct PidInfo {
    profiler: Arc<Profiler>,
    process: ProcessId,
}

impl PidInfo {
    pub(crate) fn new(profiler: Arc<Profiler>, process: ProcessId) -> Self {
        Self { profiler, process }
    }
}

impl ProcSnapshot for PidInfo {
    fn render(&self, out: &mut SnapshotBuffer) -> Result {
        snapshot::build(
            out,
            &self.profiler,
            SnapshotScope::One(self.process),
            &Opener::current(),
        )
    }
}
