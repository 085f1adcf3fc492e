// SPDX-License-Identifier: GPL-2.0

//! Who may read a process's record: the core of ptrace's
//! `PTRACE_MODE_READ_FSCREDS` rule, which /proc/<pid>/ files apply.
//! `ptrace_may_access()` is not exported to modules, so it is spelled out
//! here; the LSM hooks it would also consult are not.

use crate::{
    ids::ProcessId,
    sys::{
        process::find_process,
        rcu::RcuReadGuard,
        task_info::{Memory, Opener, TaskIds},
    },
};
use kernel::{
    error::code::{EACCES, ESRCH},
    prelude::*,
};

/// Whether `opener` may read process `tgid`, whose leader has `ids` and
/// `memory` (`None`: no mm, a kernel thread or an exited process):
/// - its own process, always;
/// - otherwise, with CAP_SYS_PTRACE, any process;
/// - otherwise, a process whose real, effective and saved uids all equal the
///   opener's fsuid, and gids its fsgid, and that is dumpable (not setuid,
///   not made undumpable with prctl).
pub(crate) fn may_read(opener: &Opener, tgid: i32, ids: &TaskIds, memory: Option<&Memory>) -> bool {
    if opener.tgid == tgid || opener.may_ptrace_any {
        return true;
    }
    let same_user = [ids.uid, ids.euid, ids.suid]
        .iter()
        .all(|&id| id == opener.fsuid);
    let same_group = [ids.gid, ids.egid, ids.sgid]
        .iter()
        .all(|&id| id == opener.fsgid);
    same_user && same_group && memory.is_none_or(|m| m.dumpable)
}

/// Whether `opener` may read the live process `id`: `ESRCH` when it has
/// exited (or its pid now names a later process), `EACCES` when not allowed.
pub(crate) fn check_process(opener: &Opener, id: ProcessId) -> Result {
    let rcu = RcuReadGuard::new();
    let leader = find_process(&rcu, id.tgid).ok_or(ESRCH)?;
    if leader.start_time() != id.leader_start || !leader.group_is_live() {
        return Err(ESRCH);
    }
    let ids = leader.ids(&rcu);
    let memory = leader.memory();
    if may_read(opener, id.tgid, &ids, memory.as_ref()) {
        Ok(())
    } else {
        Err(EACCES)
    }
}
