// SPDX-License-Identifier: GPL-2.0

//! Bulk transfer: /proc/allpids/info, every process's and thread's record in
//! one read, and /proc/allpids/<pid>/info, one process's. The directories
//! follow the processes: see [`pid_dirs`].

pub(crate) mod access;
pub(crate) mod pid_dirs;
mod snapshot;

use crate::{
    process_index::ProcessId,
    profiler::Profiler,
    sys::{
        procfs::{ProcSnapshot, SnapshotBuffer},
        task_info::Opener,
    },
};
use kernel::{prelude::*, sync::Arc};
use snapshot::Scope;

/// /proc/allpids/info: every process the reader may see.
pub(crate) struct AllInfo {
    profiler: Arc<Profiler>,
}

impl ProcSnapshot for AllInfo {
    fn render(&self, out: &mut SnapshotBuffer) -> Result {
        // Rendered at open: the current task is the opener.
        snapshot::build(out, &self.profiler, Scope::All, &Opener::current())
    }
}

/// /proc/allpids/<pid>/info: the process the directory was made for.
pub(crate) struct PidInfo {
    profiler: Arc<Profiler>,
    process: ProcessId,
}

impl ProcSnapshot for PidInfo {
    fn render(&self, out: &mut SnapshotBuffer) -> Result {
        snapshot::build(
            out,
            &self.profiler,
            Scope::One(self.process),
            &Opener::current(),
        )
    }
}
